// ApiClient and the login session against a cvw_http server on loopback:
// plain HTTP, HTTPS with --ca / --insecure / an untrusted or misnamed
// certificate, an unreachable or silent server, error replies, and the
// token refresh.
#include "tools/cvwctl/api_client.hpp"

#include <gtest/gtest.h>

#include <boost/asio/ssl/context.hpp>
#include <filesystem>

#include "fake_api.hpp"
#include "http/tls.hpp"
#include "tools/cvwctl/failure.hpp"
#include "tools/cvwctl/login_session.hpp"

namespace cvw::cvwctl {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using testing::closed_port;
using testing::FakeApi;
using testing::SeenRequest;

ApiClient client_for(const std::string& url, TlsOptions tls = {}, int timeout = 5) {
  Result<ServerUrl> server = ServerUrl::parse(url);
  EXPECT_TRUE(server.ok());
  Result<ApiClient> client =
      ApiClient::create(*server, std::move(tls), std::chrono::seconds(timeout));
  if (!client) throw std::runtime_error(client.error().message);
  return std::move(*client);
}

HttpRequest get_request(std::string target) {
  HttpRequest request;
  request.target = std::move(target);
  return request;
}

// Runs `call`, expecting a Failure; returns it.
template <typename Call>
Failure failure_of(Call call) {
  try {
    call();
  } catch (const Failure& failure) {
    return failure;
  }
  ADD_FAILURE() << "no Failure thrown";
  return Failure(ExitCode::kOk, "");
}

TEST(ApiError, FromTheApisJson) {
  HttpResponse response{
      404, "Not Found", "application/json", "",
      R"({"code":"NotFound","subcode":"UserNotFound","message":"user sip:x@example.com not found"})"};
  EXPECT_EQ(format_api_error(parse_api_error(response)),
            "user sip:x@example.com not found (404 NotFound/UserNotFound)");
}

TEST(ApiError, WithoutSubcodeAndWithRetryAfter) {
  HttpResponse response{429, "Too Many Requests", "application/json", "30",
                        R"({"code":"TooManyRequests","message":"too many failed logins"})"};
  EXPECT_EQ(format_api_error(parse_api_error(response)),
            "too many failed logins (429 TooManyRequests, retry after 30 s)");
}

TEST(ApiError, NotTheApisJson) {
  EXPECT_EQ(format_api_error(
                parse_api_error({502, "Bad Gateway", "text/html", "", "<html>upstream</html>"})),
            "the server gave no error details (502 Bad Gateway)");
  EXPECT_EQ(format_api_error(parse_api_error(
                {503, "Service Unavailable", "text/plain", "", "maintenance\nuntil 5"})),
            "maintenance (503 Service Unavailable)");
  // A hostile message cannot reach the terminal as escape sequences.
  EXPECT_EQ(
      format_api_error(parse_api_error(
          {400, "", "application/json", "", R"({"code":"BadRequest","message":"a\u001b[31mb"})"})),
      "a?[31mb (400 BadRequest)");
}

TEST(ReplyArray, MissingListIsAFailure) {
  const json::value reply = json::parse(R"({"users": [1], "other": {}})");
  EXPECT_EQ(reply_array(reply, "users").size(), 1u);
  const Failure failure = failure_of([&] { (void)reply_array(reply, "other"); });
  EXPECT_EQ(failure.code(), ExitCode::kFailed);
  EXPECT_STREQ(failure.what(), "the server's reply has no \"other\" list");
}

TEST(ApiClientHttp, JsonRequestsCarryTheTokenAndBody) {
  FakeApi api;
  api.on_json(http::Verb::get, "/api/v1/users/{sipUri}", http::Status::ok, {{"sipUri", "sip:a@b"}});
  api.on(http::Verb::post, "/api/v1/dial-plans",
         [](const SeenRequest& seen, const http::PathParams&) {
           return http::json_response(http::Status::created, seen.json());
         });
  api.start();
  ApiClient client = client_for(api.url());
  FixedToken token("tok-1");
  client.set_token_source(&token);

  const json::value user = client.get("/api/v1/users/sip:a@b");
  EXPECT_EQ(user, json::parse(R"({"sipUri": "sip:a@b"})"));
  const json::value plan = client.post("/api/v1/dial-plans", json::object{{"identity", "Tag:X"}});
  EXPECT_EQ(plan, json::parse(R"({"identity": "Tag:X"})"));

  const auto seen = api.seen();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].method, "GET");
  EXPECT_EQ(seen[0].target, "/api/v1/users/sip:a@b");
  EXPECT_EQ(seen[0].authorization, "Bearer tok-1");
  EXPECT_EQ(seen[0].accept, "application/json");
  EXPECT_EQ(seen[1].content_type, "application/json");
  EXPECT_EQ(seen[1].body, R"({"identity":"Tag:X"})");
}

TEST(ApiClientHttp, UnauthenticatedCallsSendNoToken) {
  FakeApi api;
  api.on_json(http::Verb::post, "/api/v1/login", http::Status::ok, json::object{});
  api.start();
  ApiClient client = client_for(api.url());
  FixedToken token("secret");
  client.set_token_source(&token);
  (void)client.post("/api/v1/login", json::object{}, Auth::kNone);
  EXPECT_EQ(api.seen().at(0).authorization, "");
}

TEST(ApiClientHttp, ErrorStatusIsAFailureWithTheApisMessage) {
  FakeApi api;
  api.on(http::Verb::delete_, "/api/v1/call-via-work-policies/{identity}",
         [](const SeenRequest&, const http::PathParams& params) {
           return http::error_response(
               http::Status::not_found, "PolicyNotFound",
               "no Call Via Work policy " + std::string(params["identity"]));
         });
  api.start();
  ApiClient client = client_for(api.url());
  FixedToken token("t");
  client.set_token_source(&token);
  const Failure failure =
      failure_of([&] { client.remove("/api/v1/call-via-work-policies/Tag:Nope"); });
  EXPECT_EQ(failure.code(), ExitCode::kFailed);
  EXPECT_STREQ(failure.what(), "no Call Via Work policy Tag:Nope (404 NotFound/PolicyNotFound)");
}

TEST(ApiClientHttp, NoContentIsNull) {
  FakeApi api;
  api.on(http::Verb::delete_, "/x", [](const SeenRequest&, const http::PathParams&) {
    return http::empty_response(http::Status::no_content);
  });
  api.start();
  ApiClient client = client_for(api.url());
  FixedToken token("t");
  client.set_token_source(&token);
  EXPECT_TRUE(client.remove("/x").is_null());
}

TEST(ApiClientHttp, ReplyThatIsNotJson) {
  FakeApi api;
  api.on(http::Verb::get, "/x", [](const SeenRequest&, const http::PathParams&) {
    http::Response response{http::Status::ok, 11};
    response.body() = "<html>";
    return response;
  });
  api.start();
  ApiClient client = client_for(api.url());
  FixedToken token("t");
  client.set_token_source(&token);
  const Failure failure = failure_of([&] { (void)client.get("/x"); });
  EXPECT_EQ(failure.code(), ExitCode::kFailed);
  EXPECT_TRUE(std::string(failure.what()).starts_with("the reply to GET /x is not JSON: "))
      << failure.what();
}

TEST(ApiClientHttp, UnreachableServerNamesTheUrl) {
  const std::string url = "http://127.0.0.1:" + std::to_string(closed_port());
  ApiClient client = client_for(url);
  Result<HttpResponse> response = client.send(HttpRequest{});
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().message, "cannot reach " + url + ": Connection refused");
  FixedToken token("t");
  client.set_token_source(&token);
  EXPECT_EQ(failure_of([&] { (void)client.get("/api/v1/status"); }).code(), ExitCode::kUnreachable);
}

TEST(ApiClientHttp, SilentServerTimesOut) {
  FakeApi api;
  api.on_silent(http::Verb::get, "/slow");
  api.start();
  ApiClient client = client_for(api.url(), {}, 1);
  Result<HttpResponse> response = client.send(get_request("/slow"));
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().message,
            "cannot reach " + api.url() + ": reading the reply: no answer within 1 s");
}

class ApiClientTls : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("cvwctl-tls-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // A server with a self-signed certificate for `names`; its certificate file in `certificate_`.
  std::unique_ptr<FakeApi> start_server(const std::vector<std::string>& names) {
    certificate_ = (dir_ / "cert.pem").string();
    const std::string key = (dir_ / "key.pem").string();
    Result<bool> made = http::ensure_self_signed(certificate_, key, names);
    EXPECT_TRUE(made.ok()) << made.error().message;
    auto tls = http::make_server_tls(certificate_, key);
    EXPECT_TRUE(tls.ok()) << tls.error().message;
    auto api = std::make_unique<FakeApi>(*tls);
    api->on_json(http::Verb::get, "/api/v1/status", http::Status::ok, {{"version", "0.1.0"}});
    api->start();
    return api;
  }

  fs::path dir_;
  std::string certificate_;
};

TEST_F(ApiClientTls, TrustedWithCa) {
  auto api = start_server({"127.0.0.1"});
  Result<HttpResponse> response =
      client_for(api->url(), {certificate_, false}).send(get_request("/api/v1/status"));
  ASSERT_TRUE(response.ok()) << response.error().message;
  EXPECT_EQ(response->status, 200u);
  EXPECT_EQ(response->body, R"({"version":"0.1.0"})");
}

TEST_F(ApiClientTls, SelfSignedWithoutCaIsRefusedWithTheFix) {
  auto api = start_server({"127.0.0.1"});
  Result<HttpResponse> response = client_for(api->url()).send(get_request("/api/v1/status"));
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().message,
            "cannot reach " + api->url() +
                ": the server's certificate is not trusted: self-signed certificate (pass --ca "
                "FILE with the "
                "certificate that signs it, or --insecure to skip the check)");
}

TEST_F(ApiClientTls, CertificateForAnotherNameIsRefused) {
  auto api = start_server({"cvw.test"});
  Result<HttpResponse> response =
      client_for(api->url(), {certificate_, false}).send(get_request("/api/v1/status"));
  ASSERT_FALSE(response.ok());
  EXPECT_NE(response.error().message.find("not trusted: IP address mismatch"), std::string::npos)
      << response.error().message;
}

TEST_F(ApiClientTls, InsecureSkipsTheCheck) {
  auto api = start_server({"cvw.test"});
  Result<HttpResponse> response =
      client_for(api->url(), {"", true}).send(get_request("/api/v1/status"));
  ASSERT_TRUE(response.ok()) << response.error().message;
  EXPECT_EQ(response->status, 200u);
}

TEST_F(ApiClientTls, UnreadableCaFileIsNamed) {
  Result<ServerUrl> url = ServerUrl::parse("https://127.0.0.1:1");
  const std::string missing = (dir_ / "missing.pem").string();
  Result<ApiClient> client = ApiClient::create(*url, {missing, false}, std::chrono::seconds(1));
  ASSERT_FALSE(client.ok());
  EXPECT_TRUE(
      client.error().message.starts_with("--ca " + missing + ": cannot load the certificates: "))
      << client.error().message;
}

TEST_F(ApiClientTls, HttpsToAPlainServerSaysSo) {
  FakeApi api;
  api.on_json(http::Verb::get, "/x", http::Status::ok, json::object{});
  api.start();
  const std::string url = "https://127.0.0.1:" + std::to_string(api.port());
  Result<HttpResponse> response = client_for(url, {"", true}).send(get_request("/x"));
  ASSERT_FALSE(response.ok());
  EXPECT_TRUE(
      response.error().message.starts_with("cannot reach " + url + ": TLS handshake failed: "))
      << response.error().message;
}

class SavedLoginTest : public ::testing::Test {
 protected:
  void SetUp() override {
    file_ = fs::temp_directory_path() /
            ("cvwctl-saved-login-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".json");
    fs::remove(file_);
  }
  void TearDown() override { fs::remove(file_); }

  // /api/v1/token hands out "access-2"/"refresh-2" for "refresh-1"; /api/v1/me accepts only
  // "access-2".
  void serve(FakeApi& api) {
    api.on(http::Verb::post, "/api/v1/token", [](const SeenRequest& seen, const http::PathParams&) {
      if (seen.json().at("refreshToken") != "refresh-1")
        return http::error_response(http::Status::unauthorized, "InvalidRefreshToken",
                                    "refresh token expired");
      return http::json_response(http::Status::ok, {{"accessToken", "access-2"},
                                                    {"tokenType", "Bearer"},
                                                    {"expiresIn", 900},
                                                    {"refreshToken", "refresh-2"},
                                                    {"refreshExpiresIn", 86400}});
    });
    api.on(http::Verb::get, "/api/v1/me", [](const SeenRequest& seen, const http::PathParams&) {
      if (seen.authorization != "Bearer access-2")
        return http::error_response(http::Status::unauthorized, "InvalidToken", "token expired");
      return http::json_response(http::Status::ok, {{"sipUri", "sip:admin@example.com"}});
    });
    api.start();
  }

  fs::path file_;
  std::int64_t now_ = 1'800'000'000;
};

TEST_F(SavedLoginTest, ExpiredTokenIsRefreshedAndSavedBeforeTheRequest) {
  FakeApi api;
  serve(api);
  TokenStore store(file_);
  ASSERT_TRUE(
      store.save({api.url(), "access-1", "refresh-1", now_ + kRefreshMarginSeconds - 1}).ok());
  ApiClient client = client_for(api.url());
  SavedLogin login(store, [this] { return now_; });
  client.set_token_source(&login);

  EXPECT_EQ(client.get("/api/v1/me").at("sipUri"), "sip:admin@example.com");
  const auto seen = api.seen();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].target, "/api/v1/token");
  EXPECT_EQ(seen[0].authorization, "");
  EXPECT_EQ(seen[1].authorization, "Bearer access-2");
  EXPECT_EQ(**store.load(), (StoredSession{api.url(), "access-2", "refresh-2", now_ + 900}));
}

TEST_F(SavedLoginTest, TokenRefusedBeforeItsTimeIsRefreshedOnce) {
  FakeApi api;
  serve(api);
  TokenStore store(file_);
  ASSERT_TRUE(store.save({api.url(), "access-1", "refresh-1", now_ + 600}).ok());
  ApiClient client = client_for(api.url());
  SavedLogin login(store, [this] { return now_; });
  client.set_token_source(&login);

  EXPECT_EQ(client.get("/api/v1/me").at("sipUri"), "sip:admin@example.com");
  const auto seen = api.seen();
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0].authorization, "Bearer access-1");
  EXPECT_EQ(seen[1].target, "/api/v1/token");
  EXPECT_EQ(seen[2].authorization, "Bearer access-2");
}

TEST_F(SavedLoginTest, RefusedRefreshTellsToLogInAgain) {
  FakeApi api;
  serve(api);
  TokenStore store(file_);
  ASSERT_TRUE(store.save({api.url(), "access-0", "refresh-0", now_ - 1}).ok());
  ApiClient client = client_for(api.url());
  SavedLogin login(store, [this] { return now_; });
  client.set_token_source(&login);
  const Failure failure = failure_of([&] { (void)client.get("/api/v1/me"); });
  EXPECT_EQ(failure.code(), ExitCode::kFailed);
  EXPECT_EQ(std::string(failure.what()),
            "the login to " + api.url() +
                " has expired, log in again: refresh token expired (401 "
                "Authentication/InvalidRefreshToken)");
}

TEST_F(SavedLoginTest, NeverSentToAnotherServer) {
  FakeApi api;
  serve(api);
  TokenStore store(file_);
  ASSERT_TRUE(store.save({"https://other.example.com", "access-2", "refresh-1", now_ + 600}).ok());
  ApiClient client = client_for(api.url());
  SavedLogin login(store, [this] { return now_; });
  client.set_token_source(&login);
  const Failure failure = failure_of([&] { (void)client.get("/api/v1/me"); });
  EXPECT_EQ(std::string(failure.what()),
            "not logged in to " + api.url() +
                " (the saved login is for https://other.example.com): run 'cvwctl "
                "--server " +
                api.url() + " login --user SIP' or pass --token");
  EXPECT_TRUE(api.seen().empty());
}

TEST_F(SavedLoginTest, LogInSavesTheTokens) {
  FakeApi api;
  api.on(http::Verb::post, "/api/v1/login", [](const SeenRequest& seen, const http::PathParams&) {
    const json::value body = seen.json();
    if (body.at("username") != "sip:admin@example.com" || body.at("password") != "pw")
      return http::error_response(http::Status::unauthorized, "InvalidCredentials",
                                  "wrong user name or password");
    return http::json_response(
        http::Status::ok,
        {{"accessToken", "a"}, {"expiresIn", 60}, {"refreshToken", "r"}, {"tokenType", "Bearer"}});
  });
  api.start();
  TokenStore store(file_);
  ApiClient client = client_for(api.url());
  EXPECT_EQ(log_in(client, store, "sip:admin@example.com", "pw", now_),
            (StoredSession{api.url(), "a", "r", now_ + 60}));
  EXPECT_EQ(**store.load(), (StoredSession{api.url(), "a", "r", now_ + 60}));
  const Failure failure =
      failure_of([&] { (void)log_in(client, store, "sip:admin@example.com", "bad", now_); });
  EXPECT_STREQ(failure.what(),
               "wrong user name or password (401 Authentication/InvalidCredentials)");
}

TEST(SessionFromReply, NamesTheMissingField) {
  EXPECT_EQ(session_from_reply(json::parse(R"({"refreshToken": "r", "expiresIn": 5})"), "s", 0)
                .error()
                .message,
            "the server's token reply has no \"accessToken\"");
  EXPECT_EQ(session_from_reply(json::parse(R"({"accessToken": "a", "refreshToken": "r"})"), "s", 0)
                .error()
                .message,
            "the server's token reply has no positive \"expiresIn\"");
  EXPECT_EQ(session_from_reply(json::parse("[]"), "s", 0).error().message,
            "the server's token reply is not a JSON object");
}

}  // namespace
}  // namespace cvw::cvwctl
