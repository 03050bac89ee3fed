// cvwctl commands run in-process (run_cvwctl) against a stand-in API: what
// each command sends, what it prints, and its exit code.
#include "tools/cvwctl/cli.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "fake_api.hpp"

namespace cvw::cvwctl {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using http::Status;
using http::Verb;
using testing::closed_port;
using testing::FakeApi;
using testing::SeenRequest;

constexpr std::int64_t kNow = 1'800'000'000;

const char* kAlice =
    R"({"sipUri": "sip:alice@example.com", "displayName": "Alice Liddell", "title": "", "department": "",
  "company": "", "email": "alice@example.com", "lineUri": "tel:+14255550101", "cvwPhoneNumber": "+14255550101",
  "enterpriseVoice": true, "autoAnswer": false, "simultaneousRing": {"enabled": false, "target": ""}, "ringSeconds": 20,
  "forwarding": {"when": "noAnswer", "target": "+14255550199"}, "enabled": true, "admin": false,
  "site": "Redmond", "callViaWorkPolicy": "Tag:Sales", "dialPlan": null})";

struct Outcome {
  int code = -1;
  std::string out;
  std::string err;
};

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    home_ = fs::temp_directory_path() /
            ("cvwctl-cli-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(home_);
    fs::create_directories(home_);
  }
  void TearDown() override { fs::remove_all(home_); }

  fs::path session_file() const { return home_ / "xdg" / "cvw" / "cvwctl.json"; }

  Outcome run(std::vector<std::string> args, const std::string& input = "",
              std::string server = "") {
    std::ostringstream out;
    std::ostringstream err;
    std::istringstream in(input);
    Environment environment{server.empty() ? api_.url() : server, token_env_,
                            (home_ / "xdg").string(), home_.string()};
    Context context(out, err, in, environment, [] { return kNow; });
    args.insert(args.begin(), "cvwctl");
    std::vector<const char*> argv;
    for (const std::string& a : args) argv.push_back(a.c_str());
    const int code = run_cvwctl(static_cast<int>(argv.size()), argv.data(), context);
    return {code, out.str(), err.str()};
  }

  // Saves a session as `cvwctl login` would.
  void logged_in(const std::string& access = "access-1", std::int64_t expires_at = kNow + 900) {
    ASSERT_TRUE(
        TokenStore(session_file()).save({api_.url(), access, "refresh-1", expires_at}).ok());
  }

  SeenRequest only_request() const {
    const auto seen = api_.seen();
    EXPECT_EQ(seen.size(), 1u);
    return seen.empty() ? SeenRequest{} : seen.back();
  }

  fs::path home_;
  std::string token_env_;
  FakeApi api_;
};

TEST_F(CliTest, LoginSavesTheSessionPrivatelyAndNeverPrintsTokens) {
  api_.on_json(Verb::post, "/api/v1/login", Status::ok,
               {{"accessToken", "SECRET-ACCESS"},
                {"tokenType", "Bearer"},
                {"expiresIn", 900},
                {"refreshToken", "SECRET-REFRESH"},
                {"refreshExpiresIn", 86400}});
  api_.start();
  for (const bool json_output : {false, true}) {
    std::vector<std::string> args = {"login", "--user", "sip:admin@example.com",
                                     "--password-stdin"};
    if (json_output) args.emplace_back("--json");
    const Outcome r = run(args, "admin-password-1\n");
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(r.out.find("SECRET"), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find("admin-password-1"), std::string::npos) << r.out;
    EXPECT_EQ(r.err, "");
  }
  const auto seen = api_.seen();
  EXPECT_EQ(
      seen.back().json(),
      json::parse(R"({"username": "sip:admin@example.com", "password": "admin-password-1"})"));
  struct stat st {};
  ASSERT_EQ(::stat(session_file().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(**TokenStore(session_file()).load(),
            (StoredSession{api_.url(), "SECRET-ACCESS", "SECRET-REFRESH", kNow + 900}));
  const Outcome r =
      run({"--json", "login", "--user", "sip:admin@example.com", "--password-stdin"}, "pw\n");
  EXPECT_EQ(json::parse(r.out),
            json::parse("{\"server\": \"" + api_.url() +
                        "\", \"user\": \"sip:admin@example.com\", \"expiresAt\": " +
                        std::to_string(kNow + 900) + "}"));
}

TEST_F(CliTest, WrongPasswordIsAnApiError) {
  api_.on(Verb::post, "/api/v1/login", [](const SeenRequest&, const http::PathParams&) {
    return http::error_response(Status::unauthorized, "InvalidCredentials",
                                "wrong user name or password");
  });
  api_.start();
  const Outcome r = run({"login", "--user", "sip:admin@example.com", "--password-stdin"}, "nope\n");
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "cvwctl: wrong user name or password (401 Authentication/InvalidCredentials)\n");
  EXPECT_FALSE(fs::exists(session_file()));
}

TEST_F(CliTest, EmptyPasswordOnStdinIsAUsageError) {
  api_.start();
  const Outcome r = run({"login", "--user", "sip:admin@example.com", "--password-stdin"}, "\n");
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.err, "cvwctl: --password-stdin: the password on standard input is empty\n");
  EXPECT_TRUE(api_.seen().empty());
}

TEST_F(CliTest, UserListTableWithSearchAndLimit) {
  api_.on(Verb::get, "/api/v1/users", [](const SeenRequest&, const http::PathParams&) {
    return http::json_response(Status::ok, {{"users", json::array{json::parse(kAlice)}}});
  });
  api_.start();
  logged_in();
  const Outcome r = run({"user", "list", "--search", "ali ce+", "--limit", "5"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out,
            "SipUri                 DisplayName    LineUri           CvwPhoneNumber  "
            "EnterpriseVoice  Enabled  Admin  Site\n"
            "------                 -----------    -------           --------------  "
            "---------------  -------  -----  ----\n"
            "sip:alice@example.com  Alice Liddell  tel:+14255550101  +14255550101    True          "
            "   True     False  Redmond\n");
  const SeenRequest seen = only_request();
  EXPECT_EQ(seen.target, "/api/v1/users?search=ali%20ce%2B&limit=5");
  EXPECT_EQ(seen.authorization, "Bearer access-1");
}

TEST_F(CliTest, JsonPrintsTheApisJsonAndMayFollowTheCommand) {
  const json::value reply = {{"users", json::array{json::parse(kAlice)}}};
  api_.on_json(Verb::get, "/api/v1/users", Status::ok, reply);
  api_.start();
  logged_in();
  const Outcome before = run({"--json", "user", "list"});
  const Outcome after = run({"user", "list", "--json"});
  ASSERT_EQ(before.code, 0) << before.err;
  EXPECT_EQ(json::parse(before.out), reply);
  EXPECT_EQ(after.out, before.out);
}

TEST_F(CliTest, UserShowIsAKeyValueBlock) {
  api_.on_json(Verb::get, "/api/v1/users/{sipUri}", Status::ok, json::parse(kAlice));
  api_.start();
  logged_in();
  const Outcome r = run({"user", "show", "sip:alice@example.com"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out,
            "SipUri:                 sip:alice@example.com\n"
            "DisplayName:            Alice Liddell\n"
            "Title:\n"
            "Department:\n"
            "Company:\n"
            "Email:                  alice@example.com\n"
            "LineUri:                tel:+14255550101\n"
            "CvwPhoneNumber:         +14255550101\n"
            "EnterpriseVoice:        True\n"
            "AutoAnswer:             False\n"
            "SimultaneousRing:       False\n"
            "SimultaneousRingTarget:\n"
            "RingSeconds:            20\n"
            "Forwarding:             noAnswer\n"
            "ForwardingTarget:       +14255550199\n"
            "Enabled:                True\n"
            "Admin:                  False\n"
            "Site:                   Redmond\n"
            "CallViaWorkPolicy:      Tag:Sales\n"
            "DialPlan:\n");
  EXPECT_EQ(only_request().target, "/api/v1/users/sip:alice@example.com");
}

TEST_F(CliTest, ApiErrorGoesToStderrWithStatusCodeAndSubcode) {
  api_.on(Verb::get, "/api/v1/users/{sipUri}",
          [](const SeenRequest&, const http::PathParams& params) {
            return http::error_response(Status::not_found, "UserNotFound",
                                        "no user " + std::string(params["sipUri"]));
          });
  api_.start();
  logged_in();
  const Outcome r = run({"user", "show", "sip:nobody@example.com"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "cvwctl: no user sip:nobody@example.com (404 NotFound/UserNotFound)\n");
}

TEST_F(CliTest, NonAdminGets403) {
  api_.on(Verb::get, "/api/v1/call-via-work-policies",
          [](const SeenRequest&, const http::PathParams&) {
            return http::error_response(Status::forbidden, "AdminRequired", "administrators only");
          });
  api_.start();
  logged_in();
  const Outcome r = run({"policy", "list"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "cvwctl: administrators only (403 Forbidden/AdminRequired)\n");
}

TEST_F(CliTest, ServerDownIsExit3NamingTheUrl) {
  api_.start();
  const std::string url = "http://127.0.0.1:" + std::to_string(closed_port());
  const Outcome r = run({"--server", url, "--token", "t", "status"});
  EXPECT_EQ(r.code, 3);
  EXPECT_EQ(r.err, "cvwctl: cannot reach " + url + ": Connection refused\n");
}

TEST_F(CliTest, NotLoggedInSaysHow) {
  api_.start();
  const Outcome r = run({"status"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "cvwctl: not logged in to " + api_.url() + ": run 'cvwctl --server " +
                       api_.url() + " login --user SIP' or pass --token\n");
  EXPECT_TRUE(api_.seen().empty());
}

TEST_F(CliTest, TokenOptionAndEnvironmentOverrideTheSavedLogin) {
  api_.on_json(Verb::get, "/api/v1/trunks", Status::ok, {{"trunks", json::array{}}});
  api_.start();
  logged_in();
  ASSERT_EQ(run({"trunk", "list", "--token", "from-option"}).code, 0);
  token_env_ = "from-env";
  ASSERT_EQ(run({"trunk", "list"}).code, 0);
  ASSERT_EQ(run({"trunk", "list", "--token", "from-option"}).code, 0);
  const auto seen = api_.seen();
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0].authorization, "Bearer from-option");
  EXPECT_EQ(seen[1].authorization, "Bearer from-env");
  EXPECT_EQ(seen[2].authorization, "Bearer from-option");
}

TEST_F(CliTest, ExpiredSessionIsRefreshedAutomatically) {
  api_.on_json(Verb::post, "/api/v1/token", Status::ok,
               {{"accessToken", "access-2"},
                {"tokenType", "Bearer"},
                {"expiresIn", 900},
                {"refreshToken", "refresh-2"},
                {"refreshExpiresIn", 86400}});
  api_.on_json(Verb::get, "/api/v1/routing-configuration", Status::ok,
               {{"callViaWorkCallerId", "+14255550100"}});
  api_.start();
  logged_in("access-1", kNow - 5);
  const Outcome r = run({"routing", "show"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "CallViaWorkCallerId: +14255550100\n");
  const auto seen = api_.seen();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].json(), json::parse(R"({"refreshToken": "refresh-1"})"));
  EXPECT_EQ(seen[1].authorization, "Bearer access-2");
  EXPECT_EQ((*TokenStore(session_file()).load())->refresh_token, "refresh-2");
}

TEST_F(CliTest, LogoutEndsTheSessionAndForgetsIt) {
  api_.on(Verb::post, "/api/v1/logout", [](const SeenRequest&, const http::PathParams&) {
    return http::empty_response(Status::no_content);
  });
  api_.start();
  logged_in();
  const Outcome r = run({"logout"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "Logged out of " + api_.url() + "\n");
  EXPECT_EQ(only_request().authorization, "Bearer access-1");
  EXPECT_FALSE(fs::exists(session_file()));
}

TEST_F(CliTest, PolicyListHasTheGetCsCallViaWorkPolicyColumns) {
  api_.on_json(Verb::get, "/api/v1/call-via-work-policies", Status::ok,
               json::parse(R"({"policies": [
      {"identity": "Global", "enabled": false, "useAdminCallbackNumber": false, "adminCallbackNumber": ""},
      {"identity": "Tag:Sales", "enabled": true, "useAdminCallbackNumber": true, "adminCallbackNumber": "+14255550199"}]})"));
  api_.start();
  logged_in();
  const Outcome r = run({"policy", "list"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out,
            "Identity   Enabled  UseAdminCallbackNumber  AdminCallbackNumber\n"
            "--------   -------  ----------------------  -------------------\n"
            "Global     False    False\n"
            "Tag:Sales  True     True                    +14255550199\n");
}

TEST_F(CliTest, PolicyNewAndSetSendOnlyWhatWasGiven) {
  auto echo = [](Status status) {
    return [status](const SeenRequest& seen, const http::PathParams&) {
      return http::json_response(status, seen.json());
    };
  };
  api_.on(Verb::post, "/api/v1/call-via-work-policies", echo(Status::created));
  api_.on(Verb::patch, "/api/v1/call-via-work-policies/{identity}", echo(Status::ok));
  api_.start();
  logged_in();
  ASSERT_EQ(
      run({"policy", "new", "Tag:Sales", "--enabled", "--admin-callback-number", "+14255550199"})
          .code,
      0);
  ASSERT_EQ(run({"policy", "set", "Tag:Sales", "--enabled", "false", "--use-admin-callback-number",
                 "true"})
                .code,
            0);
  const Outcome r = run({"policy", "set", "Tag:Sales", "--admin-callback-number", ""});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "Identity:\nEnabled:\nUseAdminCallbackNumber:\nAdminCallbackNumber:\n");
  const auto seen = api_.seen();
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(
      seen[0].json(),
      json::parse(
          R"({"identity": "Tag:Sales", "enabled": true, "adminCallbackNumber": "+14255550199"})"));
  EXPECT_EQ(seen[1].target, "/api/v1/call-via-work-policies/Tag:Sales");
  EXPECT_EQ(seen[1].json(), json::parse(R"({"enabled": false, "useAdminCallbackNumber": true})"));
  EXPECT_EQ(seen[2].json(), json::parse(R"({"adminCallbackNumber": ""})"));
}

TEST_F(CliTest, PolicyRemoveConfirmsAndGlobalIsAReset) {
  api_.on(Verb::delete_, "/api/v1/call-via-work-policies/{identity}",
          [](const SeenRequest&, const http::PathParams&) {
            return http::empty_response(Status::no_content);
          });
  api_.start();
  logged_in();
  EXPECT_EQ(run({"policy", "remove", "Tag:Sales"}).out, "Removed Call Via Work policy Tag:Sales\n");
  EXPECT_EQ(run({"policy", "remove", "global"}).out,
            "Reset the Global Call Via Work policy to its defaults\n");
  EXPECT_EQ(run({"--json", "policy", "remove", "Tag:X"}).out, "");
}

TEST_F(CliTest, GrantAndRevokePatchTheUser) {
  api_.on(Verb::patch, "/api/v1/users/{sipUri}", [](const SeenRequest&, const http::PathParams&) {
    return http::json_response(Status::ok, json::parse(kAlice));
  });
  api_.start();
  logged_in();
  EXPECT_EQ(run({"policy", "grant", "sip:alice@example.com", "Sales"}).out,
            "Granted Call Via Work policy Tag:Sales to sip:alice@example.com\n");
  EXPECT_EQ(run({"policy", "grant", "sip:alice@example.com", "--revoke"}).out,
            "Revoked the Call Via Work policy of sip:alice@example.com\n");
  EXPECT_EQ(run({"dialplan", "grant", "sip:alice@example.com", "Tag:Intl"}).out,
            "Granted dial plan Tag:Intl to sip:alice@example.com\n");
  const auto seen = api_.seen();
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0].target, "/api/v1/users/sip:alice@example.com");
  EXPECT_EQ(seen[0].json(), json::parse(R"({"callViaWorkPolicy": "Tag:Sales"})"));
  EXPECT_EQ(seen[1].json(), json::parse(R"({"callViaWorkPolicy": null})"));
  EXPECT_EQ(seen[2].json(), json::parse(R"({"dialPlan": "Tag:Intl"})"));
}

TEST_F(CliTest, UserAddAndSetBodies) {
  auto echo = [](Status status) {
    return [status](const SeenRequest& seen, const http::PathParams&) {
      return http::json_response(status, seen.json());
    };
  };
  api_.on(Verb::post, "/api/v1/users", echo(Status::created));
  api_.on(Verb::patch, "/api/v1/users/{sipUri}", echo(Status::ok));
  api_.start();
  logged_in();
  const Outcome added =
      run({"user", "add", "sip:bob@example.com", "--display-name", "Bob", "--line-uri",
           "tel:+14255550102", "--enterprise-voice", "--admin", "--disabled", "--password-stdin"},
          "bob-password-1\r\n");
  ASSERT_EQ(added.code, 0) << added.err;
  EXPECT_NE(added.out.find("SipUri:"), std::string::npos);
  ASSERT_EQ(run({"user", "set", "sip:bob@example.com", "--no-enterprise-voice", "--enabled",
                 "--title", "", "--sim-ring", "+14255550199"})
                .code,
            0);
  ASSERT_EQ(run({"user", "set", "sip:bob@example.com", "--no-sim-ring"}).code, 0);
  ASSERT_EQ(run({"user", "set", "sip:bob@example.com", "--ring-seconds", "12", "--forward-on-no-answer", "4321"}).code,
            0);
  ASSERT_EQ(run({"user", "set", "sip:bob@example.com", "--no-forward"}).code, 0);
  const auto seen = api_.seen();
  ASSERT_EQ(seen.size(), 5u);
  EXPECT_EQ(
      seen[0].json(),
      json::parse(R"({"displayName": "Bob", "lineUri": "tel:+14255550102", "enterpriseVoice": true,
      "admin": true, "enabled": false, "password": "bob-password-1", "sipUri": "sip:bob@example.com"})"));
  EXPECT_EQ(seen[1].json(), json::parse(R"({"title": "", "enterpriseVoice": false, "enabled": true,
      "simultaneousRing": {"enabled": true, "target": "+14255550199"}})"));
  EXPECT_EQ(seen[2].json(), json::parse(R"({"simultaneousRing": {"enabled": false}})"));
  EXPECT_EQ(seen[3].json(), json::parse(R"({"ringSeconds": 12, "forwarding": {"when": "noAnswer", "target": "4321"}})"));
  EXPECT_EQ(seen[4].json(), json::parse(R"({"forwarding": {"when": "never"}})"));
}

TEST_F(CliTest, UsageErrorsExit2WithoutARequest) {
  api_.start();
  logged_in();
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {},
           {"user"},
           {"user", "show"},
           {"user", "list", "--limit", "0"},
           {"user", "list", "--bogus"},
           {"user", "set", "sip:a@b"},
           {"user", "set", "sip:a@b", "--sim-ring", "1", "--no-sim-ring"},
           {"user", "set", "sip:a@b", "--forward", "1", "--forward-on-no-answer", "2"},
           {"policy", "set", "Global"},
           {"policy", "set", "Global", "--enabled", "maybe"},
           {"policy", "grant", "sip:a@b"},
           {"policy", "grant", "sip:a@b", "Tag:X", "--revoke"},
           {"dialplan", "rule", "add", "Global", "r1", "--pattern", "^1$"},
           {"dialplan", "rule", "set", "Global", "r1"},
           {"routing", "set"},
           {"--server", "ftp://x", "status"},
           {"--timeout", "0", "status"},
       }) {
    std::vector<std::string> argv = args;
    const Outcome r = run(argv);
    std::string shown;
    for (const auto& a : args) shown += a + " ";
    EXPECT_EQ(r.code, 2) << shown << "\n" << r.err;
    EXPECT_TRUE(r.err.starts_with("cvwctl: ")) << shown << "\n" << r.err;
  }
  EXPECT_TRUE(api_.seen().empty());
}

TEST_F(CliTest, EveryCommandHasHelp) {
  api_.start();
  for (const std::vector<std::string>& command :
       std::vector<std::vector<std::string>>{{},
                                             {"login"},
                                             {"logout"},
                                             {"user"},
                                             {"user", "list"},
                                             {"user", "show"},
                                             {"user", "add"},
                                             {"user", "set"},
                                             {"user", "remove"},
                                             {"user", "import"},
                                             {"user", "export"},
                                             {"user", "test-number"},
                                             {"policy"},
                                             {"policy", "list"},
                                             {"policy", "show"},
                                             {"policy", "new"},
                                             {"policy", "set"},
                                             {"policy", "remove"},
                                             {"policy", "grant"},
                                             {"routing"},
                                             {"routing", "show"},
                                             {"routing", "set"},
                                             {"dialplan"},
                                             {"dialplan", "list"},
                                             {"dialplan", "show"},
                                             {"dialplan", "new"},
                                             {"dialplan", "set"},
                                             {"dialplan", "remove"},
                                             {"dialplan", "grant"},
                                             {"dialplan", "rule"},
                                             {"dialplan", "rule", "add"},
                                             {"dialplan", "rule", "set"},
                                             {"dialplan", "rule", "remove"},
                                             {"dialplan", "test"},
                                             {"trunk"},
                                             {"trunk", "list"},
                                             {"status"}}) {
    std::vector<std::string> args = command;
    args.emplace_back("--help");
    const Outcome r = run(args);
    std::string shown;
    for (const auto& a : command) shown += a + " ";
    EXPECT_EQ(r.code, 0) << shown << r.err;
    EXPECT_NE(r.out.find("--help"), std::string::npos) << shown;
    EXPECT_NE(r.out.find("Usage"), std::string::npos) << shown << r.out;
  }
  EXPECT_TRUE(api_.seen().empty());
}

TEST_F(CliTest, DialPlanShowListsRulesByPriority) {
  api_.on_json(Verb::get, "/api/v1/dial-plans/{identity}", Status::ok, json::parse(R"({
      "identity": "Tag:Redmond", "description": "Redmond users",
      "rules": [{"name": "Ext4", "description": "4-digit extensions", "pattern": "^(\\d{4})$", "translation": "+1425555$1"},
                {"name": "Intl", "description": "", "pattern": "^011(\\d+)$", "translation": "+$1"}]})"));
  api_.on_json(Verb::get, "/api/v1/dial-plans", Status::ok, json::parse(R"({"dialPlans": [
      {"identity": "Global", "description": "", "rules": []},
      {"identity": "Tag:Redmond", "description": "Redmond users", "rules": [{}, {}]}]})"));
  api_.start();
  logged_in();
  const Outcome show = run({"dialplan", "show", "Tag:Redmond"});
  ASSERT_EQ(show.code, 0) << show.err;
  EXPECT_EQ(show.out,
            "Identity:    Tag:Redmond\n"
            "Description: Redmond users\n"
            "\n"
            "Priority  Name  Pattern     Translation  Description\n"
            "--------  ----  -------     -----------  -----------\n"
            "0         Ext4  ^(\\d{4})$   +1425555$1   4-digit extensions\n"
            "1         Intl  ^011(\\d+)$  +$1\n");
  const Outcome list = run({"dialplan", "list"});
  EXPECT_EQ(list.out,
            "Identity     Description    Rules\n"
            "--------     -----------    -----\n"
            "Global                      0\n"
            "Tag:Redmond  Redmond users  2\n");
}

TEST_F(CliTest, DialPlanRulesAndTests) {
  api_.on(Verb::post, "/api/v1/dial-plans/{identity}/rules",
          [](const SeenRequest&, const http::PathParams& p) {
            return http::json_response(
                Status::created,
                {{"identity", p["identity"]}, {"description", ""}, {"rules", json::array{}}});
          });
  api_.on(Verb::patch, "/api/v1/dial-plans/{identity}/rules/{name}",
          [](const SeenRequest&, const http::PathParams& p) {
            return http::json_response(
                Status::ok,
                {{"identity", p["identity"]}, {"description", ""}, {"rules", json::array{}}});
          });
  api_.on(Verb::delete_, "/api/v1/dial-plans/{identity}/rules/{name}",
          [](const SeenRequest&, const http::PathParams&) {
            return http::empty_response(Status::no_content);
          });
  api_.on_json(Verb::post, "/api/v1/dial-plans/{identity}/test", Status::ok,
               {{"dialPlan", "Tag:Redmond"},
                {"number", "1234"},
                {"result", "+14255551234"},
                {"rule", "Ext4"}});
  api_.on_json(Verb::post, "/api/v1/users/{sipUri}/dial-plan/test", Status::ok,
               {{"dialPlan", "Site:Redmond"},
                {"source", "site"},
                {"number", "99"},
                {"result", "99"},
                {"rule", nullptr}});
  api_.start();
  logged_in();
  ASSERT_EQ(run({"dialplan", "rule", "add", "Tag:Redmond", "Ext 4", "--pattern", "^(\\d{4})$",
                 "--translation", "+1425555$1", "--priority", "0"})
                .code,
            0);
  ASSERT_EQ(run({"dialplan", "rule", "set", "Tag:Redmond", "Ext 4", "--description", "x"}).code, 0);
  EXPECT_EQ(run({"dialplan", "rule", "remove", "Tag:Redmond", "Ext 4"}).out,
            "Removed rule Ext 4 from dial plan Tag:Redmond\n");
  EXPECT_EQ(run({"dialplan", "test", "Tag:Redmond", "1234"}).out,
            "DialPlan: Tag:Redmond\nNumber:   1234\nResult:   +14255551234\nRule:     Ext4\n");
  EXPECT_EQ(run({"user", "test-number", "sip:alice@example.com", "99"}).out,
            "DialPlan: Site:Redmond\nSource:   site\nNumber:   99\nResult:   99\nRule:\n");
  const auto seen = api_.seen();
  ASSERT_EQ(seen.size(), 5u);
  EXPECT_EQ(seen[0].target, "/api/v1/dial-plans/Tag:Redmond/rules");
  EXPECT_EQ(
      seen[0].json(),
      json::parse(
          R"({"pattern": "^(\\d{4})$", "translation": "+1425555$1", "priority": 0, "name": "Ext 4"})"));
  EXPECT_EQ(seen[1].target, "/api/v1/dial-plans/Tag:Redmond/rules/Ext%204");
  EXPECT_EQ(seen[1].json(), json::parse(R"({"description": "x"})"));
  EXPECT_EQ(seen[2].method, "DELETE");
  EXPECT_EQ(seen[3].json(), json::parse(R"({"number": "1234"})"));
  EXPECT_EQ(seen[4].target, "/api/v1/users/sip:alice@example.com/dial-plan/test");
}

TEST_F(CliTest, CsvImportAndExport) {
  const std::string csv = "SipAddress,DisplayName\r\nsip:carol@example.com,Carol\r\n";
  api_.on(Verb::get, "/api/v1/users.csv", [csv](const SeenRequest&, const http::PathParams&) {
    http::Response response{Status::ok, 11};
    response.set(boost::beast::http::field::content_type, "text/csv");
    response.body() = csv;
    return response;
  });
  api_.on(Verb::post, "/api/v1/users.csv", [](const SeenRequest& seen, const http::PathParams&) {
    if (seen.content_type != "text/csv")
      return http::error_response(Status::unsupported_media_type, "", "csv only");
    return http::json_response(Status::ok, {{"created", 1}, {"updated", 0}});
  });
  api_.start();
  logged_in();
  const Outcome to_stdout = run({"user", "export"});
  ASSERT_EQ(to_stdout.code, 0) << to_stdout.err;
  EXPECT_EQ(to_stdout.out, csv);
  const std::string file = (home_ / "users.csv").string();
  EXPECT_EQ(run({"user", "export", file}).out, "Exported users to " + file + "\n");
  std::ifstream in(file, std::ios::binary);
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), csv);

  const Outcome imported = run({"user", "import", file});
  ASSERT_EQ(imported.code, 0) << imported.err;
  EXPECT_EQ(imported.out, "Imported " + file + ": 1 created, 0 updated\n");
  EXPECT_EQ(api_.seen().back().body, csv);
  EXPECT_EQ(api_.seen().at(0).accept, "text/csv");

  const Outcome missing = run({"user", "import", (home_ / "none.csv").string()});
  EXPECT_EQ(missing.code, 1);
  EXPECT_EQ(missing.err, "cvwctl: " + (home_ / "none.csv").string() +
                             ": cannot open: No such file or directory\n");
}

TEST_F(CliTest, StatusFlattensNestedCounters) {
  api_.on_json(Verb::get, "/api/v1/status", Status::ok,
               json::parse(R"({"version": "0.1.0", "uptimeSeconds": 12,
      "storage": "sqlite", "users": 3, "sip": {"listeners": ["udp:127.0.0.1:5060", "tcp:127.0.0.1:5060"],
      "messagesIn": 5, "messagesOut": 6}, "http": {"connectionsOpen": 1}})"));
  api_.on_json(Verb::get, "/api/v1/trunks", Status::ok, json::parse(R"({"trunks": [{"name": "pbx",
      "address": "udp:127.0.0.1:5070", "allowedSources": ["127.0.0.1", "127.0.0.2"], "authenticates": false}]})"));
  api_.start();
  logged_in();
  EXPECT_EQ(run({"status"}).out,
            "Version:             0.1.0\n"
            "UptimeSeconds:       12\n"
            "Storage:             sqlite\n"
            "Users:               3\n"
            "Sessions:\n"
            "SipListeners:        udp:127.0.0.1:5060, tcp:127.0.0.1:5060\n"
            "SipMessagesIn:       5\n"
            "SipMessagesOut:      6\n"
            "HttpConnectionsOpen: 1\n");
  EXPECT_EQ(run({"trunk", "list"}).out,
            "Name  Address             AllowedSources        Authenticates\n"
            "----  -------             --------------        -------------\n"
            "pbx   udp:127.0.0.1:5070  127.0.0.1, 127.0.0.2  False\n");
}

}  // namespace
}  // namespace cvw::cvwctl
