#include "tools/cvwctl/api_client.hpp"

#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <type_traits>

#include "tools/cvwctl/failure.hpp"
#include "tools/cvwctl/output.hpp"

namespace cvw::cvwctl {
namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace json = boost::json;
using tcp = net::ip::tcp;

namespace {

// Big enough for the users.csv export of a large directory; the limit only
// stops a broken server from filling memory.
constexpr std::uint64_t kMaxReplyBody = 64ull * 1024 * 1024;
constexpr std::size_t kMaxShownBody = 200;

using TlsStream = beast::ssl_stream<beast::tcp_stream>;

// Runs one asynchronous operation to its end on a private io_context. The
// tcp_stream's deadline (expires_after) bounds it: Beast cancels the
// operation when it passes, and it completes with beast::error::timeout.
template <typename Start>
beast::error_code run_to_end(net::io_context& io, Start&& start) {
  beast::error_code result = net::error::would_block;
  start([&result](beast::error_code ec, auto&&...) { result = ec; });
  io.restart();
  io.run();
  return result;
}

std::string describe(const beast::error_code& ec, std::chrono::seconds timeout) {
  if (ec == beast::error::timeout)
    return "no answer within " + std::to_string(timeout.count()) + " s";
  return ec.message();
}

// Why a handshake failed, with the fix when it is the usual one.
std::string tls_problem(TlsStream& stream, const beast::error_code& ec,
                        std::chrono::seconds timeout) {
  const long verify = SSL_get_verify_result(stream.native_handle());
  if (verify != X509_V_OK)
    return std::string("the server's certificate is not trusted: ") +
           X509_verify_cert_error_string(verify) +
           " (pass --ca FILE with the certificate that signs it, or --insecure to skip the check)";
  std::string problem = "TLS handshake failed: " + describe(ec, timeout);
  if (problem.find("wrong version number") != std::string::npos)
    problem += " (does the server speak plain http://?)";
  return problem;
}

template <typename Stream>
Result<HttpResponse> converse(net::io_context& io, Stream& stream,
                              const tcp::resolver::results_type& endpoints,
                              bhttp::request<bhttp::string_body>& message,
                              std::chrono::seconds timeout, const std::string& url) {
  auto unreachable = [&url](const std::string& why) {
    return Error{0, "cannot reach " + url + ": " + why};
  };
  beast::tcp_stream& socket = beast::get_lowest_layer(stream);
  socket.expires_after(timeout);

  beast::error_code ec = run_to_end(io, [&](auto done) { socket.async_connect(endpoints, done); });
  if (ec) return unreachable(describe(ec, timeout));
  if constexpr (std::is_same_v<Stream, TlsStream>) {
    ec = run_to_end(io, [&](auto done) { stream.async_handshake(ssl::stream_base::client, done); });
    if (ec) return unreachable(tls_problem(stream, ec, timeout));
  }
  ec = run_to_end(io, [&](auto done) { bhttp::async_write(stream, message, done); });
  if (ec) return unreachable("sending the request: " + describe(ec, timeout));

  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(kMaxReplyBody);
  ec = run_to_end(io, [&](auto done) { bhttp::async_read(stream, buffer, parser, done); });
  if (ec) {
    std::string why = "reading the reply: " + describe(ec, timeout);
    if constexpr (!std::is_same_v<Stream, TlsStream>) {
      if (ec == bhttp::error::end_of_stream) why += " (does the server expect https://?)";
    }
    return unreachable(why);
  }
  // The whole reply is in (Content-Length or chunked end), so the
  // connection is dropped without a TLS close_notify exchange: waiting for
  // the server's half of it would only add a round trip to every command.
  socket.socket().close(ec);

  const auto& reply = parser.get();
  HttpResponse response;
  response.status = reply.result_int();
  response.reason = std::string(reply.reason());
  response.content_type = std::string(reply[bhttp::field::content_type]);
  response.retry_after = std::string(reply[bhttp::field::retry_after]);
  response.body = reply.body();
  return response;
}

// The JSON of a 2xx reply; null for an empty one (204).
json::value reply_json(const HttpResponse& response, Verb verb, std::string_view target) {
  if (response.body.empty()) return nullptr;
  boost::system::error_code ec;
  json::value reply = json::parse(response.body, ec);
  if (ec)
    throw Failure(ExitCode::kFailed, "the reply to " + std::string(bhttp::to_string(verb)) + " " +
                                         std::string(target) + " is not JSON: " + ec.message());
  return reply;
}

std::string string_member(const json::object& object, std::string_view key) {
  const json::value* value = object.if_contains(key);
  if (value == nullptr || !value->is_string()) return {};
  return std::string(value->get_string());
}

}  // namespace

ApiError parse_api_error(const HttpResponse& response) {
  ApiError error;
  error.status = response.status;
  error.reason = response.reason;
  error.retry_after = response.retry_after;
  boost::system::error_code ec;
  const json::value body = json::parse(response.body, ec);
  if (!ec && body.is_object()) {
    error.code = string_member(body.get_object(), "code");
    error.subcode = string_member(body.get_object(), "subcode");
    error.message = string_member(body.get_object(), "message");
  }
  if (error.message.empty() && response.content_type.starts_with("text/plain")) {
    // A plain-text error (a proxy, or a route outside the API): its first line.
    std::string_view text = response.body;
    text = text.substr(0, text.find_first_of("\r\n"));
    error.message = std::string(text.substr(0, kMaxShownBody));
  }
  if (error.message.empty()) error.message = "the server gave no error details";
  return error;
}

std::string format_api_error(const ApiError& error) {
  std::string detail = std::to_string(error.status);
  if (!error.code.empty()) {
    detail += " " + error.code;
    if (!error.subcode.empty()) detail += "/" + error.subcode;
  } else if (!error.reason.empty()) {
    detail += " " + error.reason;
  }
  if (!error.retry_after.empty()) detail += ", retry after " + error.retry_after + " s";
  return printable(error.message) + " (" + printable(detail) + ")";
}

const json::array& reply_array(const json::value& reply, std::string_view key) {
  if (const json::object* object = reply.if_object()) {
    if (const json::value* value = object->if_contains(key)) {
      if (const json::array* array = value->if_array()) return *array;
    }
  }
  throw Failure(ExitCode::kFailed, "the server's reply has no \"" + std::string(key) + "\" list");
}

ApiClient::ApiClient(ServerUrl server, std::shared_ptr<ssl::context> tls, bool verify,
                     std::chrono::seconds timeout)
    : server_(std::move(server)), tls_(std::move(tls)), verify_(verify), timeout_(timeout) {}

Result<ApiClient> ApiClient::create(ServerUrl server, TlsOptions tls,
                                    std::chrono::seconds timeout) {
  if (!server.tls) return ApiClient(std::move(server), nullptr, false, timeout);
  auto context = std::make_shared<ssl::context>(ssl::context::tls_client);
  context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                       ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  boost::system::error_code ec;
  if (tls.insecure) {
    context->set_verify_mode(ssl::verify_none);
  } else {
    context->set_verify_mode(ssl::verify_peer);
    if (!tls.ca_file.empty()) {
      context->load_verify_file(tls.ca_file, ec);
      if (ec)
        return Error{0, "--ca " + tls.ca_file + ": cannot load the certificates: " + ec.message()};
    } else {
      context->set_default_verify_paths(ec);
      if (ec) return Error{0, "cannot load the system's trusted certificates: " + ec.message()};
    }
  }
  return ApiClient(std::move(server), std::move(context), !tls.insecure, timeout);
}

Result<HttpResponse> ApiClient::send(const HttpRequest& request) {
  const std::string url = server_.to_string();
  net::io_context io;
  tcp::resolver resolver(io);
  beast::error_code ec;
  const tcp::resolver::results_type endpoints =
      resolver.resolve(server_.host, std::to_string(server_.port), ec);
  if (ec)
    return Error{0,
                 "cannot reach " + url + ": cannot resolve " + server_.host + ": " + ec.message()};

  bhttp::request<bhttp::string_body> message{request.verb, request.target, 11};
  message.set(bhttp::field::host, server_.authority());
  message.set(bhttp::field::user_agent, "cvwctl/" CVWCTL_VERSION);
  message.set(bhttp::field::accept, request.accept);
  if (!request.bearer.empty()) message.set(bhttp::field::authorization, "Bearer " + request.bearer);
  if (!request.content_type.empty()) message.set(bhttp::field::content_type, request.content_type);
  message.keep_alive(false);
  message.body() = request.body;
  message.prepare_payload();

  if (!tls_) {
    beast::tcp_stream stream(io);
    return converse(io, stream, endpoints, message, timeout_, url);
  }
  TlsStream stream(io, *tls_);
  SSL* ssl_handle = stream.native_handle();
  // SNI only for names: RFC 6066 §3 does not allow IP literals in it.
  if (!server_.host_is_ip() && SSL_ctrl(ssl_handle, SSL_CTRL_SET_TLSEXT_HOSTNAME,
                                        TLSEXT_NAMETYPE_host_name, server_.host.data()) != 1)
    return Error{0, "cannot reach " + url + ": cannot set the TLS server name"};
  if (verify_) {
    // OpenSSL checks the name during the handshake, so a mismatch is
    // reported as such ("hostname mismatch") instead of a generic failure.
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl_handle);
    const int set = server_.host_is_ip()
                        ? X509_VERIFY_PARAM_set1_ip_asc(param, server_.host.c_str())
                        : X509_VERIFY_PARAM_set1_host(param, server_.host.c_str(), 0);
    if (set != 1)
      return Error{0, "cannot reach " + url + ": cannot set up the certificate name check"};
  }
  return converse(io, stream, endpoints, message, timeout_, url);
}

HttpResponse ApiClient::exchange(HttpRequest request, Auth auth) {
  auto deliver = [this](const HttpRequest& r) {
    Result<HttpResponse> response = send(r);
    if (!response) throw Failure(ExitCode::kUnreachable, response.error().message);
    return std::move(*response);
  };
  if (auth == Auth::kBearer) {
    if (tokens_ == nullptr) throw Failure(ExitCode::kFailed, "not logged in");
    request.bearer = tokens_->access_token(*this);
  }
  HttpResponse response = deliver(request);
  // A 401 means the request was not carried out, so repeating it is safe.
  if (response.status == 401 && auth == Auth::kBearer && tokens_->renew(*this)) {
    request.bearer = tokens_->access_token(*this);
    response = deliver(request);
  }
  if (response.status < 200 || response.status >= 300)
    throw Failure(ExitCode::kFailed, format_api_error(parse_api_error(response)));
  return response;
}

json::value ApiClient::json_call(Verb verb, std::string_view target, const json::value* body,
                                 Auth auth) {
  HttpRequest request;
  request.verb = verb;
  request.target = std::string(target);
  if (body != nullptr) {
    request.content_type = "application/json";
    request.body = json::serialize(*body);
  }
  return reply_json(exchange(std::move(request), auth), verb, target);
}

json::value ApiClient::get(std::string_view target) {
  return json_call(Verb::get, target, nullptr, Auth::kBearer);
}

json::value ApiClient::post(std::string_view target, const json::value& body, Auth auth) {
  return json_call(Verb::post, target, &body, auth);
}

json::value ApiClient::post(std::string_view target) {
  return json_call(Verb::post, target, nullptr, Auth::kBearer);
}

json::value ApiClient::patch(std::string_view target, const json::value& body) {
  return json_call(Verb::patch, target, &body, Auth::kBearer);
}

json::value ApiClient::remove(std::string_view target) {
  return json_call(Verb::delete_, target, nullptr, Auth::kBearer);
}

std::string ApiClient::get_text(std::string_view target, std::string_view accept) {
  HttpRequest request;
  request.target = std::string(target);
  request.accept = std::string(accept);
  return exchange(std::move(request), Auth::kBearer).body;
}

json::value ApiClient::post_text(std::string_view target, std::string body,
                                 std::string_view content_type) {
  HttpRequest request;
  request.verb = Verb::post;
  request.target = std::string(target);
  request.content_type = std::string(content_type);
  request.body = std::move(body);
  return reply_json(exchange(std::move(request), Auth::kBearer), Verb::post, target);
}

}  // namespace cvw::cvwctl
