// The REST API end to end: a real HTTP server on loopback, the directory on a
// real database (SQLite and PostgreSQL, the same tests), a Beast client.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include <atomic>
#include <future>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "app/api.hpp"
#include "app/openapi_document.hpp"
#include "common/timer.hpp"
#include "events/event_hub.hpp"
#include "events/routes.hpp"
#include "http/server.hpp"
#include "directory_fixture.hpp"

namespace cvw::app {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace json = boost::json;
using storage::test::Backend;
using tcp = net::ip::tcp;

// Cheap hashes: the tests exercise the flows, not argon2's cost.
const directory::PasswordCost kTestCost{1, 1024, 1};

struct Reply {
  unsigned status = 0;
  json::value body;
  std::string raw;
  std::string header(std::string_view name) const { return std::string(headers[name]); }
  bhttp::fields headers;
};

class ApiTest : public test::DirectoryTest {
 protected:
  void SetUp() override {
    DirectoryTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    add_user("sip:admin@example.com", "admin-password-1", true);
    add_user("sip:alice@example.com", "alice-password-1", false, "+14255550101");
    add_user("sip:bob@example.com", "bob-password-1", false, "+14255550102");
    sessions_ = std::make_unique<Sessions>(*store_, *directory_, SessionConfig{}, [this] { return now_.load(); });
    ThrottleConfig throttle;
    throttle.failures_per_account = 3;
    throttle.failures_per_address = 1000;
    throttle_ = std::make_unique<LoginThrottle>(throttle);
    passwords_ = std::make_unique<PasswordWorker>(io_, kTestCost);
    ServerInfo info;
    info.version = "test";
    info.storage_backend = std::string(db().backend());
    info.trunks.push_back({"pbx", "udp:127.0.0.1:5070", {"127.0.0.1"}, false});
    hub_ = std::make_unique<events::EventHub>(timers_);
    sessions_->on_opened([this](const Principal& p) {
      hub_->open_channel(events::Principal{p.user->sip_uri, p.session_id});
    });
    sessions_->on_closed([this](const std::string& id) { hub_->close_session(id); });
    api_ = std::make_unique<Api>(*directory_, *store_, *sessions_, *throttle_, *passwords_, metrics_, info,
                                 [this](const std::string& user, std::string_view type, json::object data) {
                                   hub_->publish(user, type, std::move(data));
                                 });
    api_->register_routes(router_);
    events::register_event_routes(router_, *hub_, [this](const http::Request& r) -> std::optional<events::Principal> {
      auto p = api_->authenticate(r);
      if (!p) return std::nullopt;
      return events::Principal{p->user->sip_uri, p->session_id};
    });
    http::ServerConfig config;
    config.listen = tcp::endpoint(net::ip::make_address("127.0.0.1"), 0);
    server_ = std::make_unique<http::Server>(io_, config, router_);
    ASSERT_TRUE(server_->start().ok());
    port_ = server_->local_endpoint().port();
    thread_ = std::thread([this] { io_.run(); });
  }

  void TearDown() override {
    if (server_) net::post(io_, [this] { server_->stop(); });
    work_.reset();
    if (thread_.joinable()) thread_.join();
  }

  void add_user(const std::string& uri, const std::string& password, bool admin, const std::string& pbx = "") {
    directory::User u;
    u.sip_uri = uri;
    u.display_name = uri.substr(4, uri.find('@') - 4);
    u.admin = admin;
    u.cvw_phone_number = pbx;
    u.site = "Redmond";
    u.password_hash = directory::hash_password(password, kTestCost);
    ASSERT_TRUE(directory_->create_user(u).ok());
  }

  Reply call(bhttp::verb verb, const std::string& target, const std::string& body = "",
             const std::string& token = "", const std::string& content_type = "application/json") {
    net::io_context client;
    tcp::socket s(client);
    s.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port_));
    bhttp::request<bhttp::string_body> req{verb, target, 11};
    req.set(bhttp::field::host, "localhost");
    if (!token.empty()) req.set(bhttp::field::authorization, "Bearer " + token);
    if (!body.empty()) {
      req.set(bhttp::field::content_type, content_type);
      req.body() = body;
    }
    req.prepare_payload();
    bhttp::write(s, req);
    beast::flat_buffer buffer;
    bhttp::response<bhttp::string_body> res;
    bhttp::read(s, buffer, res);
    Reply r;
    r.status = res.result_int();
    r.raw = res.body();
    r.headers = res.base();
    boost::system::error_code ec;
    if (!r.raw.empty()) r.body = json::parse(r.raw, ec);
    return r;
  }

  std::string login(const std::string& user, const std::string& password) {
    Reply r = call(bhttp::verb::post, "/api/v1/login",
                   json::serialize(json::object{{"username", user}, {"password", password}}));
    EXPECT_EQ(r.status, 200u) << r.raw;
    if (r.status != 200) return "";
    return std::string(r.body.at("accessToken").as_string());
  }

  std::atomic<std::int64_t> now_{1'800'000'000};
  std::unique_ptr<Sessions> sessions_;
  std::unique_ptr<LoginThrottle> throttle_;
  net::io_context io_;
  net::executor_work_guard<net::io_context::executor_type> work_ = net::make_work_guard(io_);
  std::unique_ptr<PasswordWorker> passwords_;
  MetricsRegistry metrics_;
  ManualTimerService timers_;  // the hub's poll timeouts never fire here: tests poll only when events wait
  std::unique_ptr<events::EventHub> hub_;
  http::Router router_;
  std::unique_ptr<Api> api_;
  std::unique_ptr<http::Server> server_;
  std::thread thread_;
  unsigned short port_ = 0;
};

using V = bhttp::verb;

TEST_P(ApiTest, LoginGivesTokensAndMeShowsTheEffectivePolicy) {
  Reply r = call(V::post, "/api/v1/login", R"({"username":"alice@example.com","password":"alice-password-1"})");
  ASSERT_EQ(r.status, 200u) << r.raw;
  EXPECT_EQ(r.body.at("tokenType").as_string(), "Bearer");
  EXPECT_EQ(r.body.at("expiresIn").as_int64(), 3600);
  EXPECT_EQ(r.header("Cache-Control"), "no-store");
  std::string token(r.body.at("accessToken").as_string());
  Reply me = call(V::get, "/api/v1/me", "", token);
  ASSERT_EQ(me.status, 200u) << me.raw;
  EXPECT_EQ(me.body.at("sipUri").as_string(), "sip:alice@example.com");
  EXPECT_EQ(me.body.at("callbackNumber").as_string(), "+14255550101");
  EXPECT_EQ(me.body.at("effectiveCallViaWorkPolicy").at("identity").as_string(), "Global");
  EXPECT_EQ(me.body.at("effectiveCallViaWorkPolicy").at("source").as_string(), "global");
  EXPECT_FALSE(me.body.as_object().contains("passwordHash"));
  EXPECT_EQ(me.raw.find("argon2"), std::string::npos);
}

TEST_P(ApiTest, FailedLoginsLookTheSameAndAreRateLimited) {
  Reply wrong = call(V::post, "/api/v1/login", R"({"username":"alice@example.com","password":"nope-nope"})");
  Reply unknown = call(V::post, "/api/v1/login", R"({"username":"nobody@example.com","password":"nope-nope"})");
  EXPECT_EQ(wrong.status, 401u);
  EXPECT_EQ(unknown.status, 401u);
  EXPECT_EQ(wrong.raw, unknown.raw);  // no account enumeration
  call(V::post, "/api/v1/login", R"({"username":"alice@example.com","password":"nope-nope"})");
  call(V::post, "/api/v1/login", R"({"username":"sip:ALICE@example.com","password":"nope-nope"})");
  // Three failures for the account: even the right password waits now.
  Reply limited = call(V::post, "/api/v1/login", R"({"username":"alice@example.com","password":"alice-password-1"})");
  EXPECT_EQ(limited.status, 429u) << limited.raw;
  EXPECT_EQ(limited.body.at("subcode").as_string(), "TooManyAttempts");
  EXPECT_GT(std::stoi(limited.header("Retry-After")), 0);
  now_ += 16 * 60;  // the window passes
  EXPECT_EQ(call(V::post, "/api/v1/login", R"({"username":"alice@example.com","password":"alice-password-1"})").status,
            200u);
}

TEST_P(ApiTest, MissingForgedAndExpiredTokensGet401) {
  EXPECT_EQ(call(V::get, "/api/v1/me").status, 401u);
  Reply forged = call(V::get, "/api/v1/me", "", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
  EXPECT_EQ(forged.status, 401u);
  EXPECT_EQ(forged.body.at("subcode").as_string(), "InvalidToken");
  EXPECT_EQ(forged.header("WWW-Authenticate"), "Bearer realm=\"cvw\"");
  std::string token = login("alice@example.com", "alice-password-1");
  EXPECT_EQ(call(V::get, "/api/v1/me", "", token).status, 200u);
  now_ += 3601;
  EXPECT_EQ(call(V::get, "/api/v1/me", "", token).status, 401u);
}

TEST_P(ApiTest, RefreshRotatesTokensAndLogoutEndsTheSession) {
  Reply r = call(V::post, "/api/v1/login", R"({"username":"bob@example.com","password":"bob-password-1"})");
  ASSERT_EQ(r.status, 200u);
  std::string refresh(r.body.at("refreshToken").as_string());
  now_ += 3601;  // access token expired, refresh token still good
  Reply renewed = call(V::post, "/api/v1/token", json::serialize(json::object{{"refreshToken", refresh}}));
  ASSERT_EQ(renewed.status, 200u) << renewed.raw;
  std::string token(renewed.body.at("accessToken").as_string());
  EXPECT_EQ(call(V::get, "/api/v1/me", "", token).status, 200u);
  Reply reused = call(V::post, "/api/v1/token", json::serialize(json::object{{"refreshToken", refresh}}));
  EXPECT_EQ(reused.status, 401u);
  EXPECT_EQ(reused.body.at("subcode").as_string(), "InvalidRefreshToken");
  EXPECT_EQ(call(V::post, "/api/v1/logout", "", token).status, 204u);
  EXPECT_EQ(call(V::get, "/api/v1/me", "", token).status, 401u);
}

TEST_P(ApiTest, NonAdminsGet403OnAdminResources) {
  std::string token = login("alice@example.com", "alice-password-1");
  for (auto [verb, target] : {std::pair{V::get, "/api/v1/users"}, std::pair{V::get, "/api/v1/users/sip:bob@example.com"},
                              std::pair{V::get, "/api/v1/call-via-work-policies"}, std::pair{V::get, "/api/v1/dial-plans"},
                              std::pair{V::get, "/api/v1/routing-configuration"}, std::pair{V::get, "/api/v1/trunks"},
                              std::pair{V::get, "/api/v1/status"}, std::pair{V::get, "/api/v1/users.csv"}}) {
    Reply r = call(verb, target, "", token);
    EXPECT_EQ(r.status, 403u) << target;
    EXPECT_EQ(r.body.at("subcode").as_string(), "AdminRequired") << target;
  }
  Reply patch = call(V::patch, "/api/v1/users/sip:alice@example.com", R"({"admin":true})", token);
  EXPECT_EQ(patch.status, 403u);  // nobody makes themselves an administrator
}

TEST_P(ApiTest, MalformedBodiesAndUnknownFieldsAre400NamingTheProblem) {
  std::string admin = login("admin@example.com", "admin-password-1");
  Reply bad = call(V::post, "/api/v1/users", "{\"sipUri\": ", admin);
  EXPECT_EQ(bad.status, 400u);
  EXPECT_NE(bad.body.at("message").as_string().find("malformed JSON"), std::string::npos);
  Reply unknown = call(V::patch, "/api/v1/users/sip:bob@example.com", R"({"displayName":"B","colour":"red"})", admin);
  EXPECT_EQ(unknown.status, 400u);
  EXPECT_EQ(unknown.body.at("message").as_string(), "unknown field \"colour\"");
  Reply type = call(V::patch, "/api/v1/users/sip:bob@example.com", R"({"enabled":"yes"})", admin);
  EXPECT_EQ(type.status, 400u);
  EXPECT_EQ(type.body.at("message").as_string(), "field \"enabled\": true or false expected");
  Reply number = call(V::patch, "/api/v1/users/sip:bob@example.com", R"({"cvwPhoneNumber":"12ab"})", admin);
  EXPECT_EQ(number.status, 400u);
  EXPECT_NE(number.body.at("message").as_string().find("CvwPhoneNumber"), std::string::npos) << number.raw;
  EXPECT_EQ(call(V::post, "/api/v1/login", "[1,2]").status, 400u);
}

TEST_P(ApiTest, UsersCanBeCreatedChangedAndDeleted) {
  std::string admin = login("admin@example.com", "admin-password-1");
  Reply created = call(V::post, "/api/v1/users",
                       R"({"sipUri":"Carol@Example.com","displayName":"Carol","password":"carol-password-1",
                           "lineUri":"tel:+14255550103;ext=103","cvwPhoneNumber":"+14255550103","enterpriseVoice":true})",
                       admin);
  ASSERT_EQ(created.status, 201u) << created.raw;
  EXPECT_EQ(created.body.at("sipUri").as_string(), "sip:Carol@example.com");
  EXPECT_EQ(created.header("Location"), "/api/v1/users/sip:Carol@example.com");
  EXPECT_EQ(call(V::post, "/api/v1/users", R"({"sipUri":"sip:carol@example.com"})", admin).status, 409u);
  EXPECT_EQ(login("sip:carol@example.com", "carol-password-1").empty(), false);
  Reply changed = call(V::patch, "/api/v1/users/sip:carol@example.com", R"({"title":"Support lead","enabled":false})",
                       admin);
  ASSERT_EQ(changed.status, 200u) << changed.raw;
  EXPECT_EQ(changed.body.at("title").as_string(), "Support lead");
  // Disabled: cannot sign in, and the earlier session stops working too.
  EXPECT_EQ(call(V::post, "/api/v1/login", R"({"username":"carol@example.com","password":"carol-password-1"})").status,
            401u);
  EXPECT_EQ(call(V::get, "/api/v1/users/sip:nobody@example.com", "", admin).status, 404u);
  EXPECT_EQ(call(V::delete_, "/api/v1/users/sip:carol@example.com", "", admin).status, 204u);
  EXPECT_EQ(call(V::get, "/api/v1/users/sip:carol@example.com", "", admin).status, 404u);
  Reply list = call(V::get, "/api/v1/users?search=ALI", "", admin);
  ASSERT_EQ(list.status, 200u);
  ASSERT_EQ(list.body.at("users").as_array().size(), 1u);
  EXPECT_EQ(list.body.at("users").as_array()[0].at("sipUri").as_string(), "sip:alice@example.com");
  EXPECT_EQ(call(V::get, "/api/v1/users?limit=0", "", admin).status, 400u);
}

TEST_P(ApiTest, PoliciesFollowTheCmdletSemanticsAndReachMe) {
  std::string admin = login("admin@example.com", "admin-password-1");
  Reply created = call(V::post, "/api/v1/call-via-work-policies",
                       R"({"identity":"Tag:Sales","enabled":true,"useAdminCallbackNumber":true,
                           "adminCallbackNumber":"+14255559999"})",
                       admin);
  ASSERT_EQ(created.status, 201u) << created.raw;
  EXPECT_EQ(call(V::post, "/api/v1/call-via-work-policies", R"({"identity":"tag:sales"})", admin).status, 409u);
  Reply bad = call(V::post, "/api/v1/call-via-work-policies", R"({"identity":"Tag:X","adminCallbackNumber":"12ab"})",
                   admin);
  EXPECT_EQ(bad.status, 400u);
  EXPECT_NE(bad.body.at("message").as_string().find("AdminCallbackNumber"), std::string::npos);
  EXPECT_EQ(call(V::get, "/api/v1/call-via-work-policies/Tag:Nope", "", admin).status, 404u);
  // Grant to alice: her callback number becomes the admin number.
  ASSERT_EQ(call(V::patch, "/api/v1/users/sip:alice@example.com", R"({"callViaWorkPolicy":"Tag:Sales"})", admin).status,
            200u);
  EXPECT_EQ(call(V::patch, "/api/v1/users/sip:bob@example.com", R"({"callViaWorkPolicy":"Tag:Missing"})", admin).status,
            400u);
  std::string alice = login("alice@example.com", "alice-password-1");
  Reply me = call(V::get, "/api/v1/me", "", alice);
  EXPECT_EQ(me.body.at("callbackNumber").as_string(), "+14255559999");
  EXPECT_EQ(me.body.at("effectiveCallViaWorkPolicy").at("source").as_string(), "user");
  // A site policy applies to bob (site Redmond) without a grant.
  ASSERT_EQ(call(V::post, "/api/v1/call-via-work-policies", R"({"identity":"Site:Redmond","enabled":true})", admin).status,
            201u);
  Reply bob = call(V::get, "/api/v1/me", "", login("bob@example.com", "bob-password-1"));
  EXPECT_EQ(bob.body.at("effectiveCallViaWorkPolicy").at("identity").as_string(), "Site:Redmond");
  // Removing Global resets it; removing the tag makes alice fall back to her site.
  ASSERT_EQ(call(V::patch, "/api/v1/call-via-work-policies/Global", R"({"enabled":true})", admin).status, 200u);
  EXPECT_EQ(call(V::delete_, "/api/v1/call-via-work-policies/Global", "", admin).status, 204u);
  Reply global = call(V::get, "/api/v1/call-via-work-policies/Global", "", admin);
  EXPECT_EQ(global.body.at("enabled").as_bool(), false);
  EXPECT_EQ(call(V::delete_, "/api/v1/call-via-work-policies/Tag:Sales", "", admin).status, 204u);
  EXPECT_EQ(call(V::get, "/api/v1/me", "", alice).body.at("effectiveCallViaWorkPolicy").at("identity").as_string(),
            "Site:Redmond");
}

TEST_P(ApiTest, UsersSetTheirOwnCallSettingsNumbersThroughTheirDialPlan) {
  std::string admin = login("admin@example.com", "admin-password-1");
  ASSERT_EQ(call(V::post, "/api/v1/dial-plans",
                 R"({"identity":"Tag:Redmond","rules":[{"name":"Ext","pattern":"^(\\d{4})$","translation":"+1425555$1"}]})",
                 admin).status,
            201u);
  ASSERT_EQ(call(V::patch, "/api/v1/users/sip:bob@example.com", R"({"dialPlan":"Tag:Redmond"})", admin).status, 200u);
  std::string bob = login("bob@example.com", "bob-password-1");
  Reply settings = call(V::get, "/api/v1/me/call-settings", "", bob);
  ASSERT_EQ(settings.status, 200u) << settings.raw;
  EXPECT_EQ(settings.body.at("ringSeconds").as_int64(), 20);
  EXPECT_EQ(settings.body.at("forwarding").at("when").as_string(), "never");

  Reply set = call(V::patch, "/api/v1/me/call-settings",
                   R"({"ringSeconds":12,"simultaneousRing":{"enabled":true,"target":"0102"},
                       "forwarding":{"when":"noAnswer","target":"4321"}})",
                   bob);
  ASSERT_EQ(set.status, 200u) << set.raw;
  EXPECT_EQ(set.body.at("ringSeconds").as_int64(), 12);
  EXPECT_EQ(set.body.at("simultaneousRing").at("target").as_string(), "+14255550102") << "through his dial plan";
  EXPECT_EQ(set.body.at("forwarding").at("target").as_string(), "+14255554321");
  // Kept, and part of his record for the administrators.
  Reply record = call(V::get, "/api/v1/users/sip:bob@example.com", "", admin);
  EXPECT_EQ(record.body.at("forwarding").at("when").as_string(), "noAnswer");
  EXPECT_EQ(record.body.at("ringSeconds").as_int64(), 12);

  // Refusals name the field; nothing changes.
  for (const char* bad : {R"({"ringSeconds":2})", R"({"forwarding":{"when":"sometimes"}})",
                          R"({"forwarding":{"target":"sip:nobody@example.com"}})",
                          R"({"forwarding":{"when":"immediately","target":""}})",
                          R"({"simultaneousRing":{"target":"sip:alice@example.com"}})", R"({"ringsSeconds":10})",
                          R"({"forwarding":{"target":"+1 (425) abc"}})", R"({"forwarding":{"target":"911"}})",
                          R"({"simultaneousRing":{"target":"112"}})"}) {
    Reply refused = call(V::patch, "/api/v1/me/call-settings", bad, bob);
    EXPECT_EQ(refused.status, 400u) << bad << " -> " << refused.raw;
  }
  EXPECT_EQ(call(V::get, "/api/v1/me/call-settings", "", bob).body.at("forwarding").at("target").as_string(),
            "+14255554321");
  // A user's SIP URI is a target too.
  Reply to_user = call(V::patch, "/api/v1/me/call-settings",
                       R"({"forwarding":{"when":"immediately","target":"alice@example.com"}})", bob);
  ASSERT_EQ(to_user.status, 200u) << to_user.raw;
  EXPECT_EQ(to_user.body.at("forwarding").at("target").as_string(), "sip:alice@example.com");
  EXPECT_EQ(call(V::get, "/api/v1/me/call-settings").status, 401u);
}

TEST_P(ApiTest, RoutingConfigurationCarriesTheCallerId) {
  std::string admin = login("admin@example.com", "admin-password-1");
  Reply set = call(V::patch, "/api/v1/routing-configuration", R"({"callViaWorkCallerId":"+14255550100"})", admin);
  ASSERT_EQ(set.status, 200u) << set.raw;
  EXPECT_EQ(call(V::get, "/api/v1/routing-configuration", "", admin).body.at("callViaWorkCallerId").as_string(),
            "+14255550100");
  EXPECT_EQ(call(V::patch, "/api/v1/routing-configuration", R"({"callViaWorkCallerId":"call me"})", admin).status, 400u);
  std::string alice = login("alice@example.com", "alice-password-1");
  EXPECT_EQ(call(V::get, "/api/v1/me", "", alice).body.at("callViaWorkCallerId").as_string(), "+14255550100");
}

TEST_P(ApiTest, DialPlansNormalizeNumbersInRuleOrder) {
  std::string admin = login("admin@example.com", "admin-password-1");
  Reply plan = call(V::post, "/api/v1/dial-plans",
                    R"({"identity":"Tag:Redmond","description":"Redmond office","rules":[
                        {"name":"Ext","pattern":"^(\\d{4})$","translation":"+1425555$1"}]})",
                    admin);
  ASSERT_EQ(plan.status, 201u) << plan.raw;
  Reply added = call(V::post, "/api/v1/dial-plans/Tag:Redmond/rules",
                     R"({"name":"Short","pattern":"^(\\d{4})$","translation":"+1206555$1","priority":0})", admin);
  ASSERT_EQ(added.status, 201u) << added.raw;
  Reply test = call(V::post, "/api/v1/dial-plans/Tag:Redmond/test", R"({"number":"1234"})", admin);
  ASSERT_EQ(test.status, 200u) << test.raw;
  EXPECT_EQ(test.body.at("result").as_string(), "+12065551234");
  EXPECT_EQ(test.body.at("rule").as_string(), "Short");
  ASSERT_EQ(call(V::delete_, "/api/v1/dial-plans/Tag:Redmond/rules/Short", "", admin).status, 204u);
  test = call(V::post, "/api/v1/dial-plans/Tag:Redmond/test", R"({"number":"1234"})", admin);
  EXPECT_EQ(test.body.at("result").as_string(), "+14255551234");
  EXPECT_EQ(test.body.at("rule").as_string(), "Ext");
  Reply none = call(V::post, "/api/v1/dial-plans/Tag:Redmond/test", R"({"number":"99"})", admin);
  EXPECT_TRUE(none.body.at("rule").is_null());
  Reply bad = call(V::post, "/api/v1/dial-plans/Tag:Redmond/rules", R"({"name":"Bad","pattern":"^(\\d{4}$"})", admin);
  EXPECT_EQ(bad.status, 400u);
  // Granted to bob: his test uses it.
  ASSERT_EQ(call(V::patch, "/api/v1/users/sip:bob@example.com", R"({"dialPlan":"Tag:Redmond"})", admin).status, 200u);
  Reply bobs = call(V::post, "/api/v1/users/sip:bob@example.com/dial-plan/test", R"({"number":"4321"})", admin);
  ASSERT_EQ(bobs.status, 200u) << bobs.raw;
  EXPECT_EQ(bobs.body.at("dialPlan").as_string(), "Tag:Redmond");
  EXPECT_EQ(bobs.body.at("source").as_string(), "user");
  EXPECT_EQ(bobs.body.at("result").as_string(), "+14255554321");
}

TEST_P(ApiTest, CsvImportIsAllOrNothingAndExportHasNoSecrets) {
  std::string admin = login("admin@example.com", "admin-password-1");
  Reply csv = call(V::get, "/api/v1/users.csv", "", admin);
  ASSERT_EQ(csv.status, 200u);
  EXPECT_EQ(csv.header("Content-Type"), "text/csv; charset=utf-8");
  EXPECT_EQ(csv.raw.find("argon2"), std::string::npos);
  EXPECT_NE(csv.raw.find("sip:alice@example.com"), std::string::npos);
  std::string header = csv.raw.substr(0, csv.raw.find('\n') + 1);
  // Two rows, the second bad: nothing is imported.
  std::string bad = "SipAddress,DisplayName\r\nsip:dave@example.com,Dave\r\nsip:erin@,Erin\r\n";
  Reply refused = call(V::post, "/api/v1/users.csv", bad, admin, "text/csv");
  EXPECT_EQ(refused.status, 400u) << refused.raw;
  EXPECT_NE(refused.body.at("message").as_string().find("line 3"), std::string::npos) << refused.raw;
  EXPECT_EQ(call(V::get, "/api/v1/users/sip:dave@example.com", "", admin).status, 404u);
  Reply alice_before = call(V::get, "/api/v1/users/sip:alice@example.com", "", admin);
  ASSERT_EQ(alice_before.status, 200u);
  std::string good = "SipAddress,DisplayName\r\nsip:dave@example.com,Dave\r\nsip:alice@example.com,Alice A.\r\n";
  Reply imported = call(V::post, "/api/v1/users.csv", good, admin, "text/csv");
  ASSERT_EQ(imported.status, 200u) << imported.raw;
  EXPECT_EQ(imported.body.at("created").as_int64(), 1);
  EXPECT_EQ(imported.body.at("updated").as_int64(), 1);
  // An update by CSV keeps the password, and every field it has no column for.
  EXPECT_FALSE(login("alice@example.com", "alice-password-1").empty());
  Reply alice_after = call(V::get, "/api/v1/users/sip:alice@example.com", "", admin);
  ASSERT_EQ(alice_after.status, 200u);
  EXPECT_EQ(alice_after.body.at("displayName").as_string(), "Alice A.");
  for (const char* kept : {"cvwPhoneNumber", "lineUri", "simultaneousRing", "admin", "enterpriseVoice"}) {
    EXPECT_EQ(alice_after.body.at(kept), alice_before.body.at(kept)) << kept;
  }
}

TEST_P(ApiTest, EverythingSurvivesARestartFromStorage) {
  std::string admin = login("admin@example.com", "admin-password-1");
  ASSERT_EQ(call(V::post, "/api/v1/call-via-work-policies", R"({"identity":"Tag:Keep","enabled":true})", admin).status,
            201u);
  ASSERT_EQ(call(V::post, "/api/v1/dial-plans", R"({"identity":"Site:Redmond","rules":[]})", admin).status, 201u);
  ASSERT_EQ(call(V::patch, "/api/v1/users/sip:bob@example.com", R"({"callViaWorkPolicy":"Tag:Keep"})", admin).status,
            200u);
  auto second = scratch().open();  // another connection, as after a restart
  ASSERT_TRUE(second.ok());
  DirectoryStore store(**second);
  DirectoryService reloaded(store);
  ASSERT_TRUE(reloaded.load().ok());
  EXPECT_TRUE(reloaded.policies().get(*directory::PolicyIdentity::parse("Tag:Keep")).ok());
  EXPECT_TRUE(reloaded.dial_plans().get(*directory::PolicyIdentity::parse("Site:Redmond")).ok());
  EXPECT_EQ(reloaded.find_user("sip:bob@example.com")->cvw_policy, std::optional<std::string>("Keep"));
  // Sessions too: the admin's token works after a restart.
  Sessions sessions(store, reloaded, SessionConfig{}, [this] { return now_.load(); });
  ASSERT_TRUE(sessions.load().ok());
  EXPECT_TRUE(sessions.authenticate(admin).has_value());
}

TEST_P(ApiTest, ServiceEndpointsAnswer) {
  Reply health = call(V::get, "/healthz");
  EXPECT_EQ(health.status, 200u);
  EXPECT_EQ(health.body.at("status").as_string(), "ok");
  std::string admin = login("admin@example.com", "admin-password-1");
  Reply status = call(V::get, "/api/v1/status", "", admin);
  ASSERT_EQ(status.status, 200u);
  EXPECT_EQ(status.body.at("users").as_int64(), 3);
  Reply trunks = call(V::get, "/api/v1/trunks", "", admin);
  EXPECT_EQ(trunks.body.at("trunks").as_array()[0].at("name").as_string(), "pbx");
}

TEST_P(ApiTest, AChangeToAUserReachesTheirEventChannelOnly) {
  std::string alice = login("alice@example.com", "alice-password-1");
  std::string admin = login("admin@example.com", "admin-password-1");
  ASSERT_EQ(call(V::patch, "/api/v1/users/sip:alice@example.com", R"({"title":"Director"})", admin).status, 200u);
  Reply poll = call(V::get, "/api/v1/events?ack=0", "", alice);
  ASSERT_EQ(poll.status, 200u) << poll.raw;
  const auto& events = poll.body.at("events").as_array();
  ASSERT_EQ(events.size(), 1u) << poll.raw;
  EXPECT_EQ(events[0].at("type").as_string(), "userUpdated");
  EXPECT_EQ(events[0].at("data").at("title").as_string(), "Director");
  // The admin's own channel got nothing of alice's: its poll would wait, so
  // look at the hub's view of it instead.
  std::promise<std::size_t> queued;
  net::post(io_, [&] { queued.set_value(hub_->channels_open()); });
  EXPECT_EQ(queued.get_future().get(), 2u);
  // Logging out ends the channel: the next poll with the old token is 401.
  ASSERT_EQ(call(V::post, "/api/v1/logout", "", alice).status, 204u);
  EXPECT_EQ(call(V::get, "/api/v1/events?ack=1", "", alice).status, 401u);
}

// GET /me is built from the directory on every request (nothing cached):
// on one keep-alive connection, as clients poll it, a profile change shows at
// the next request and a disabled account or an ended session is refused at
// once. Its user members are exactly the user's record.
TEST_P(ApiTest, MeOnAKeepAliveConnectionShowsEveryChangeAtOnce) {
  std::string admin = login("admin@example.com", "admin-password-1");
  std::string alice = login("alice@example.com", "alice-password-1");
  net::io_context client;
  tcp::socket s(client);
  s.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port_));
  beast::flat_buffer buffer;
  auto me = [&](unsigned version = 11) {
    bhttp::request<bhttp::string_body> req{V::get, "/api/v1/me", version};
    req.set(bhttp::field::host, "localhost");
    req.set(bhttp::field::authorization, "Bearer " + alice);
    req.keep_alive(true);
    bhttp::write(s, req);
    bhttp::response<bhttp::string_body> res;
    bhttp::read(s, buffer, res);
    return res;
  };
  auto first = me();
  ASSERT_EQ(first.result_int(), 200u) << first.body();
  EXPECT_TRUE(first.keep_alive());
  EXPECT_EQ(first[bhttp::field::content_type], "application/json");
  EXPECT_EQ(first[bhttp::field::content_length], std::to_string(first.body().size()));
  json::object body = json::parse(first.body()).as_object();
  EXPECT_EQ(body.at("displayName").as_string(), "alice");
  for (const char* extra : {"effectiveCallViaWorkPolicy", "callbackNumber", "callViaWorkCallerId"})
    EXPECT_EQ(body.erase(extra), 1u) << extra;
  Reply record = call(V::get, "/api/v1/users/sip:alice@example.com", "", admin);
  ASSERT_EQ(record.status, 200u);
  EXPECT_EQ(json::value(body), record.body);

  ASSERT_EQ(call(V::patch, "/api/v1/users/sip:alice@example.com", R"({"displayName":"Alice A.","ringSeconds":25})",
                 admin).status,
            200u);
  auto changed = me(10);  // an HTTP/1.0 client is answered in its version
  ASSERT_EQ(changed.result_int(), 200u);
  EXPECT_EQ(changed.version(), 10u);
  EXPECT_TRUE(changed.keep_alive());
  json::value after = json::parse(changed.body());
  EXPECT_EQ(after.at("displayName").as_string(), "Alice A.");
  EXPECT_EQ(after.at("ringSeconds").as_int64(), 25);

  ASSERT_EQ(call(V::patch, "/api/v1/users/sip:alice@example.com", R"({"enabled":false})", admin).status, 200u);
  EXPECT_EQ(me().result_int(), 401u);
  ASSERT_EQ(call(V::patch, "/api/v1/users/sip:alice@example.com", R"({"enabled":true})", admin).status, 200u);
  EXPECT_EQ(me().result_int(), 200u);
  ASSERT_EQ(call(V::post, "/api/v1/logout", "", alice).status, 204u);
  EXPECT_EQ(me().result_int(), 401u);
}

INSTANTIATE_TEST_SUITE_P(Storage, ApiTest, ::testing::ValuesIn(storage::test::kBothBackends),
                         storage::test::BackendName{});

// The OpenAPI document and the route table describe the same API.
TEST(OpenApi, DocumentListsExactlyTheRoutesServed) {
  json::value doc = json::parse(openapi_document());
  ASSERT_TRUE(doc.is_object());
  EXPECT_EQ(std::string_view(doc.at("openapi").as_string()).substr(0, 2), "3.");
  std::set<std::string> documented;
  for (const auto& [path, item] : doc.at("paths").as_object())
    for (const auto& [method, op] : item.as_object()) {
      if (method == "parameters" || method == "summary" || method == "description") continue;
      std::string m(method);
      for (char& c : m) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      documented.insert(m + " " + std::string(path));
    }
  http::Router router;
  // The Api registers its routes without using its collaborators.
  net::io_context io;
  MetricsRegistry metrics;
  auto db = storage::open_database("sqlite::memory:");
  ASSERT_TRUE(db.ok());
  DirectoryStore store(**db);
  DirectoryService directory(store);
  Sessions sessions(store, directory);
  LoginThrottle throttle;
  PasswordWorker passwords(io, kTestCost);
  Api api(directory, store, sessions, throttle, passwords, metrics, {});
  api.register_routes(router);
  // The event channel registers its own routes; they are documented too.
  ManualTimerService timers;
  events::EventHub hub(timers);
  events::register_event_routes(router, hub, [](const http::Request&) { return std::nullopt; });
  std::set<std::string> served;
  for (const auto& route : router.routes())
    served.insert(std::string(bhttp::to_string(route.method)) + " " + route.pattern);
  for (const auto& s : served) EXPECT_TRUE(documented.count(s)) << "served but not documented: " << s;
  for (const auto& d : documented) EXPECT_TRUE(served.count(d)) << "documented but not served: " << d;
}

}  // namespace
}  // namespace cvw::app
