// ResponseReader: Beast's HTTP/1.1 response parser with a body that is
// counted and dropped.
//
// Beast's parser decides where a response ends (Content-Length, chunked, or
// the end of the connection), so the client reads complete responses exactly
// as a real HTTP client would; dropping the body instead of copying it into
// a string keeps a response free of allocations. One reader per response
// (Beast's parsers are single-use): it lives in a std::optional in the
// connection and is re-emplaced, which does not allocate either.
#pragma once

#include <boost/beast/http/basic_parser.hpp>

#include <cstdint>

namespace cvw::bench {

class ResponseReader final : public boost::beast::http::basic_parser<false> {
 public:
  ResponseReader() {
    // Parse the body in the same put() as the header when it is there
    // already, instead of returning after the header.
    eager(true);
  }

  int status() const { return status_; }
  std::uint64_t body_bytes() const { return body_bytes_; }

 private:
  using error_code = boost::beast::error_code;
  using string_view = boost::beast::string_view;

  // Only called on a request parser; this one parses responses.
  void on_request_impl(boost::beast::http::verb, string_view, string_view, int, error_code&) override {}
  void on_response_impl(int code, string_view, int, error_code&) override { status_ = code; }
  void on_field_impl(boost::beast::http::field, string_view, string_view, error_code&) override {}
  void on_header_impl(error_code&) override {}
  void on_body_init_impl(const boost::optional<std::uint64_t>&, error_code&) override {}
  std::size_t on_body_impl(string_view body, error_code&) override {
    body_bytes_ += body.size();
    return body.size();
  }
  void on_chunk_header_impl(std::uint64_t, string_view, error_code&) override {}
  std::size_t on_chunk_body_impl(std::uint64_t, string_view body, error_code&) override {
    body_bytes_ += body.size();
    return body.size();
  }
  void on_finish_impl(error_code&) override {}

  int status_ = 0;
  std::uint64_t body_bytes_ = 0;
};

}  // namespace cvw::bench
