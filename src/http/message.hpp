// HTTP messages as Beast models them, and the JSON replies every resource
// uses. Errors follow UCWA's shape: {"code": "...", "subcode": "...",
// "message": "..."} with the HTTP status that says the same thing.
#pragma once

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/json/value.hpp>

#include <string_view>

namespace cvw::http {

using Request = boost::beast::http::request<boost::beast::http::string_body>;
using Response = boost::beast::http::response<boost::beast::http::string_body>;
using Status = boost::beast::http::status;
using Verb = boost::beast::http::verb;

// A JSON body with Content-Type application/json.
Response json_response(Status status, const boost::json::value& body);

// {code, subcode, message}. `code` is the UCWA error code for the status
// (BadRequest, Forbidden, NotFound...) unless given.
Response error_response(Status status, std::string_view subcode, std::string_view message,
                        std::string_view code = {});

// An empty 204, or a status with an empty body.
Response empty_response(Status status);

// The UCWA code word for a status ("BadRequest", "Conflict"...).
std::string_view error_code_for(Status status);

}  // namespace cvw::http
