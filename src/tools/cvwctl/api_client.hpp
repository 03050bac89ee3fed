// The HTTP client under every cvwctl command: one request per connection
// over HTTP or HTTPS (Boost.Beast, OpenSSL), JSON in and out, the bearer
// token, and the API's errors turned into Failure with the message and exit
// code the user sees.
//
// Synchronous to its callers; underneath, each step is an asynchronous Beast
// operation run to completion under the --timeout deadline, because the
// blocking calls have no timeout and a silent server must not hang a script.
#pragma once

#include <boost/beast/http/verb.hpp>
#include <boost/json/array.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "common/result.hpp"
#include "tools/cvwctl/server_url.hpp"

namespace boost::asio::ssl {
class context;
}

namespace cvw::cvwctl {

using Verb = boost::beast::http::verb;

struct TlsOptions {
  std::string ca_file;  // PEM certificates to trust instead of the system's (a self-signed server)
  bool insecure = false;  // no certificate or host name check at all
};

struct HttpRequest {
  Verb verb = Verb::get;
  std::string target;  // "/api/v1/users?limit=5", already escaped
  std::string bearer;  // empty: no Authorization header
  std::string content_type;
  std::string accept = "application/json";
  std::string body;
};

struct HttpResponse {
  unsigned status = 0;
  std::string reason;
  std::string content_type;
  std::string retry_after;
  std::string body;
};

// An error reply: the API's {"code", "subcode", "message"} and the status.
struct ApiError {
  unsigned status = 0;
  std::string reason;  // the status line's text, for replies that are not the API's JSON
  std::string code;
  std::string subcode;
  std::string message;
  std::string retry_after;
};

// Never fails: a body that is not the API's error JSON (a proxy's HTML page)
// leaves code empty and a message saying what came back.
ApiError parse_api_error(const HttpResponse& response);

// "<message> (<status> <code>/<subcode>)", e.g.
// "user sip:x@example.com not found (404 NotFound/UserNotFound)"; the
// subcode part is left out when there is none, and ", retry after N s" is
// added for a Retry-After. The message is made printable().
std::string format_api_error(const ApiError& error);

// The array under `key` of a reply object ({"users": [...]}); throws
// Failure when the reply does not have one, naming the key.
const boost::json::array& reply_array(const boost::json::value& reply, std::string_view key);

class ApiClient;

// Bearer tokens for requests: a fixed --token, or the saved login that can
// refresh itself (login_session.hpp). Both may throw Failure.
class TokenSource {
 public:
  virtual ~TokenSource() = default;
  // The token for the next request.
  virtual std::string access_token(ApiClient& client) = 0;
  // The server answered 401 to `access_token()`: get a new one if possible.
  // True when repeating the request may succeed.
  virtual bool renew(ApiClient& client) = 0;
};

enum class Auth { kBearer, kNone };

class ApiClient {
 public:
  // Loads the TLS trust (--ca) up front so that a bad file is reported as
  // such, not as an unreachable server. Errors name the file.
  static Result<ApiClient> create(ServerUrl server, TlsOptions tls, std::chrono::seconds timeout);

  const ServerUrl& server() const { return server_; }
  // Needed for Auth::kBearer calls; not owned.
  void set_token_source(TokenSource* tokens) { tokens_ = tokens; }

  // JSON calls. They return the reply's JSON, null for an empty reply (204).
  // They throw Failure: kUnreachable when no reply came, kFailed for a status
  // outside 2xx (message from format_api_error) or a reply that is not JSON.
  // A 401 to a bearer request is repeated once after TokenSource::renew().
  boost::json::value get(std::string_view target);
  boost::json::value post(std::string_view target, const boost::json::value& body,
                          Auth auth = Auth::kBearer);
  boost::json::value post(std::string_view target);  // no body
  boost::json::value patch(std::string_view target, const boost::json::value& body);
  boost::json::value remove(std::string_view target);
  // Text bodies (the users CSV), same errors.
  std::string get_text(std::string_view target, std::string_view accept);
  boost::json::value post_text(std::string_view target, std::string body,
                               std::string_view content_type);

  // One request on a new connection, without token handling or status
  // checks. The Error (status 0) starts with "cannot reach <url>" and says
  // why: refused, timed out, TLS handshake or certificate problem, cut reply.
  Result<HttpResponse> send(const HttpRequest& request);

 private:
  ApiClient(ServerUrl server, std::shared_ptr<boost::asio::ssl::context> tls, bool verify,
            std::chrono::seconds timeout);
  HttpResponse exchange(HttpRequest request, Auth auth);
  boost::json::value json_call(Verb verb, std::string_view target, const boost::json::value* body,
                               Auth auth);

  ServerUrl server_;
  std::shared_ptr<boost::asio::ssl::context> tls_;  // null for http://
  bool verify_ = true;
  std::chrono::seconds timeout_;
  TokenSource* tokens_ = nullptr;
};

}  // namespace cvw::cvwctl
