#include "http/message.hpp"

#include <boost/beast/http/field.hpp>
#include <boost/json/serialize.hpp>

namespace cvw::http {

namespace bhttp = boost::beast::http;

Response json_response(Status status, const boost::json::value& body) {
  Response response{status, 11};
  response.set(bhttp::field::content_type, "application/json");
  response.body() = boost::json::serialize(body);
  return response;
}

std::string_view error_code_for(Status status) {
  switch (status) {
    case Status::bad_request: return "BadRequest";
    case Status::unauthorized: return "Authentication";
    case Status::forbidden: return "Forbidden";
    case Status::not_found: return "NotFound";
    case Status::method_not_allowed: return "MethodNotAllowed";
    case Status::conflict: return "Conflict";
    case Status::payload_too_large: return "TooLarge";
    case Status::unsupported_media_type: return "UnsupportedMediaType";
    case Status::too_many_requests: return "TooManyRequests";
    case Status::service_unavailable: return "ServiceUnavailable";
    default: return static_cast<unsigned>(status) >= 500 ? "ServiceFailure" : "BadRequest";
  }
}

Response error_response(Status status, std::string_view subcode, std::string_view message, std::string_view code) {
  boost::json::object body;
  body["code"] = code.empty() ? error_code_for(status) : code;
  if (!subcode.empty()) body["subcode"] = subcode;
  body["message"] = message;
  return json_response(status, body);
}

Response empty_response(Status status) {
  Response response{status, 11};
  return response;
}

}  // namespace cvw::http
