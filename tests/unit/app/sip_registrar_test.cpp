// The SIP registrar on a real directory: the 401 challenges, digest with
// SHA-256 and MD5 (with and without qop), every refusal of RFC 3261 §10.3 and
// what a wrong password, an unknown user, a replay, an old nonce and a flood
// of failures get. REGISTERs are built as a phone would send them, their
// Authorization computed with the stored secrets' recipe.
#include <gtest/gtest.h>

#include <algorithm>

#include "app/sip_credentials.hpp"
#include "app/sip_registrar.hpp"
#include "directory_fixture.hpp"

namespace cvw::app {
namespace {

using namespace std::chrono_literals;
using sip::auth::DigestAlgorithm;

struct Auth {
  std::string user = "alice";
  std::string password = "alice-password-1";
  DigestAlgorithm algorithm = DigestAlgorithm::Sha256;
  bool qop = true;
  std::string nc = "00000001";
  std::string realm = "example.com";
  std::string uri = "sip:example.com";
};

class SipRegistrarTest : public test::DirectoryTest {
 protected:
  void SetUp() override {
    DirectoryTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    add_user("sip:alice@example.com", "alice-password-1");
    add_user("sip:bob@example.com", "bob-password-1");
    directory::User legacy;  // a user whose password predates the registrar: no HA1
    legacy.sip_uri = "sip:carol@example.com";
    ASSERT_TRUE(directory_->create_user(legacy).ok());
    sip::auth::DigestVerifierOptions options;
    options.clock = [this] { return WallClock::to_time_t(now_); };
    verifier_ = std::make_unique<sip::auth::DigestVerifier>(options);
    auth_ = std::make_unique<SipAuthenticator>(*directory_, *verifier_, throttle_,
                                               std::vector{DigestAlgorithm::Sha256, DigestAlgorithm::Md5});
    registrar_ = std::make_unique<SipRegistrar>(locations_, *auth_,
                                                std::vector<std::string>{"example.com"}, [this] { return now_; });
    from_.address = boost::asio::ip::make_address("127.0.0.1");
    from_.port = 5070;
  }
  using WallClock = registrar::WallClock;

  void add_user(const std::string& uri, const std::string& password) {
    directory::User u;
    u.sip_uri = uri;
    u.sip_digest = sip_digest_for(uri, password);
    ASSERT_TRUE(directory_->create_user(u).ok());
  }

  std::string register_text(const std::string& to, const std::string& extra, int cseq) {
    return "REGISTER sip:example.com SIP/2.0\r\n"
           "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-r" + std::to_string(cseq) + "\r\n"
           "Max-Forwards: 70\r\nFrom: <" + to + ">;tag=f1\r\nTo: <" + to + ">\r\n"
           "Call-ID: reg-alice\r\nCSeq: " + std::to_string(cseq) + " REGISTER\r\n"
           "Contact: <sip:alice@127.0.0.1:5070>\r\n" + extra + "Content-Length: 0\r\n\r\n";
  }
  // The Authorization a phone computes from the nonce of `challenge`.
  std::string authorization(const std::string& nonce, const Auth& a) {
    sip::auth::DigestCredentials c;
    c.username = a.user;
    c.realm = a.realm;
    c.nonce = nonce;
    c.uri = a.uri;
    c.algorithm = a.algorithm;
    if (a.qop) {
      c.qop = "auth";
      c.cnonce = "c0ffee";
      c.nc = a.nc;
    }
    const std::string ha1 = sip::auth::compute_ha1(a.algorithm, a.user, a.realm, a.password);
    const std::string response = sip::auth::compute_response(c, "REGISTER", ha1);
    std::string v = "Digest username=\"" + a.user + "\", realm=\"" + a.realm + "\", nonce=\"" + nonce +
                    "\", uri=\"" + a.uri + "\", response=\"" + response + "\", algorithm=" +
                    std::string(sip::auth::algorithm_name(a.algorithm));
    if (a.qop) v += ", qop=auth, cnonce=\"c0ffee\", nc=" + a.nc;
    return "Authorization: " + v + "\r\n";
  }
  sip::Message send(const std::string& text) {
    auto m = sip::Message::parse(text);
    EXPECT_TRUE(m.ok()) << text;
    return registrar_->respond(*m, from_);
  }
  // The nonce of a fresh 401 for `to`.
  std::string nonce(const std::string& to = "sip:alice@example.com") {
    const sip::Message r = send(register_text(to, "", cseq_++));
    EXPECT_EQ(r.status(), 401);
    std::string scratch;
    const std::string_view challenge = r.header(sip::HeaderId::WwwAuthenticate);
    const std::size_t at = challenge.find("nonce=\"") + 7;
    return std::string(challenge.substr(at, challenge.find('"', at) - at));
  }
  sip::Message register_with(const Auth& a, const std::string& extra = "", const std::string& to = "sip:alice@example.com") {
    return send(register_text(to, authorization(nonce(to), a) + extra, cseq_++));
  }
  std::vector<std::string> values(const sip::Message& m, sip::HeaderId id) {
    std::vector<std::string> out;
    for (const sip::HeaderField& h : m.headers()) {
      if (h.id == id) out.emplace_back(h.value);
    }
    return out;
  }

  WallClock::time_point now_ = WallClock::time_point(std::chrono::seconds(1'800'000'000));
  registrar::LocationService locations_{registrar::RegistrarLimits{}};
  LoginThrottle throttle_;
  std::unique_ptr<sip::auth::DigestVerifier> verifier_;
  std::unique_ptr<SipAuthenticator> auth_;
  std::unique_ptr<SipRegistrar> registrar_;
  sip::Peer from_;
  int cseq_ = 1;
};

TEST_P(SipRegistrarTest, NoCredentialsGetTwoChallengesSha256First) {
  const sip::Message r = send(register_text("sip:alice@example.com", "", 1));
  EXPECT_EQ(r.status(), 401);
  const auto challenges = values(r, sip::HeaderId::WwwAuthenticate);
  ASSERT_EQ(challenges.size(), 2u);
  EXPECT_NE(challenges[0].find("algorithm=SHA-256"), std::string::npos) << challenges[0];
  EXPECT_NE(challenges[1].find("algorithm=MD5"), std::string::npos) << challenges[1];
  EXPECT_NE(challenges[0].find("realm=\"example.com\""), std::string::npos);
  EXPECT_EQ(locations_.binding_count(), 0u);
}

TEST_P(SipRegistrarTest, RightCredentialsRegisterWithEitherAlgorithm) {
  const sip::Message ok = register_with(Auth{});
  ASSERT_EQ(ok.status(), 200) << ok.reason();
  EXPECT_EQ(values(ok, sip::HeaderId::Contact), (std::vector<std::string>{"<sip:alice@127.0.0.1:5070>;expires=3600"}));
  EXPECT_FALSE(ok.header(sip::HeaderId::Date).empty());
  ASSERT_EQ(locations_.lookup("sip:alice@example.com", now_).size(), 1u);
  EXPECT_EQ(locations_.lookup("sip:alice@example.com", now_)[0].source, "udp:127.0.0.1:5070");
  Auth md5;
  md5.algorithm = DigestAlgorithm::Md5;
  EXPECT_EQ(register_with(md5, "Expires: 600\r\n").status(), 200);
  Auth old_phone = md5;
  old_phone.qop = false;  // RFC 2069: no qop, no nc
  const sip::Message again = register_with(old_phone, "Expires: 0\r\n");
  ASSERT_EQ(again.status(), 200);
  EXPECT_TRUE(values(again, sip::HeaderId::Contact).empty()) << "Expires: 0 removed the binding";
  EXPECT_EQ(registrar_->metrics().registered, 3u);
}

TEST_P(SipRegistrarTest, AWrongPasswordAnUnknownUserAndAUserWithoutSecretsGetTheSame403) {
  Auth wrong;
  wrong.password = "guess";
  Auth stranger;
  stranger.user = "mallory";
  Auth carol;
  carol.user = "carol";
  carol.password = "anything";
  for (const auto& [a, to] : {std::pair{wrong, "sip:alice@example.com"}, std::pair{stranger, "sip:mallory@example.com"},
                              std::pair{carol, "sip:carol@example.com"}}) {
    const sip::Message r = register_with(a, "", to);
    EXPECT_EQ(r.status(), 403) << to;
    EXPECT_EQ(r.reason(), "Forbidden") << to;
  }
  // Alice's credentials do not register Bob.
  EXPECT_EQ(register_with(Auth{}, "", "sip:bob@example.com").status(), 403);
  EXPECT_EQ(locations_.binding_count(), 0u);
  EXPECT_EQ(registrar_->metrics().auth_failed, 4u);
}

TEST_P(SipRegistrarTest, RepeatedFailuresLockTheAccountEvenWithTheRightPassword) {
  Auth wrong;
  wrong.password = "guess";
  for (int i = 0; i < 5; ++i) EXPECT_EQ(register_with(wrong).status(), 403);
  // Locked: refused before any challenge, so no password is tried at all.
  const sip::Message locked = send(register_text("sip:alice@example.com", "", cseq_++));
  EXPECT_EQ(locked.status(), 403);
  EXPECT_EQ(locked.reason(), "Too many failed attempts");
  EXPECT_GE(registrar_->metrics().throttled, 1u);
  now_ += 16min;  // the window (15 min) has passed
  EXPECT_EQ(register_with(Auth{}).status(), 200);
}

TEST_P(SipRegistrarTest, AReplayedNonceCountAndAnOldNonceAreChallengedAgain) {
  const std::string n = nonce();
  const std::string auth = authorization(n, Auth{});
  EXPECT_EQ(send(register_text("sip:alice@example.com", auth, 10)).status(), 200);
  const sip::Message replay = send(register_text("sip:alice@example.com", auth, 11));
  EXPECT_EQ(replay.status(), 401) << "the same nc on the same nonce";
  EXPECT_EQ(registrar_->metrics().auth_failed, 1u);
  Auth next;
  next.nc = "00000002";
  EXPECT_EQ(send(register_text("sip:alice@example.com", authorization(n, next), 12)).status(), 200);
  now_ += 301s;  // past the nonce's lifetime
  next.nc = "00000003";
  const sip::Message stale = send(register_text("sip:alice@example.com", authorization(n, next), 13));
  EXPECT_EQ(stale.status(), 401);
  EXPECT_NE(stale.header(sip::HeaderId::WwwAuthenticate).find("stale=TRUE"), std::string::npos);
}

TEST_P(SipRegistrarTest, RefusalsOfRfc3261Section10_3) {
  // Another domain.
  const std::string other = [&] {
    std::string t = register_text("sip:alice@elsewhere.org", "", 1);
    t.replace(t.find("sip:example.com"), 15, "sip:elsewhere.org");
    return t;
  }();
  EXPECT_EQ(send(other).status(), 404);
  // Too short an expiry: 423 with Min-Expires.
  const sip::Message brief = register_with(Auth{}, "Expires: 10\r\n");
  EXPECT_EQ(brief.status(), 423);
  EXPECT_EQ(brief.header(sip::HeaderId::MinExpires), "60");
  // A digest uri that is not a SIP URI; one that is, but is not the
  // Request-URI (SIPp writes the address it sends to), is accepted.
  Auth web;
  web.uri = "http://example.com/";
  EXPECT_EQ(register_with(web).status(), 400);
  Auth address;
  address.uri = "sip:127.0.0.1:5060";
  EXPECT_EQ(register_with(address).status(), 200);
  // A malformed Contact.
  EXPECT_EQ(send(register_text("sip:alice@example.com", "Contact: *\r\n", 40)).status(), 400);
}

TEST_P(SipRegistrarTest, OnlyTheConfiguredAlgorithmsAreOfferedAndAccepted) {
  // MD5 alone, for phones that read only the first challenge and know no other.
  SipAuthenticator md5_auth(*directory_, *verifier_, throttle_, {DigestAlgorithm::Md5});
  SipRegistrar md5_only(locations_, md5_auth, {"example.com"}, [this] { return now_; });
  auto first = sip::Message::parse(register_text("sip:alice@example.com", "", 1));
  ASSERT_TRUE(first.ok());
  const sip::Message challenged = md5_only.respond(*first, from_);
  const auto challenges = values(challenged, sip::HeaderId::WwwAuthenticate);
  ASSERT_EQ(challenges.size(), 1u);
  EXPECT_NE(challenges[0].find("algorithm=MD5"), std::string::npos);
  const std::size_t at = challenges[0].find("nonce=\"") + 7;
  const std::string n = challenges[0].substr(at, challenges[0].find('"', at) - at);
  // SHA-256 credentials (not offered) are challenged again; MD5 ones register.
  auto sha = sip::Message::parse(register_text("sip:alice@example.com", authorization(n, Auth{}), 2));
  ASSERT_TRUE(sha.ok());
  EXPECT_EQ(md5_only.respond(*sha, from_).status(), 401);
  Auth md5;
  md5.algorithm = DigestAlgorithm::Md5;
  auto ok = sip::Message::parse(register_text("sip:alice@example.com", authorization(n, md5), 3));
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(md5_only.respond(*ok, from_).status(), 200);
}

INSTANTIATE_TEST_SUITE_P(Storage, SipRegistrarTest, ::testing::ValuesIn(storage::test::kBothBackends),
                         storage::test::BackendName());

}  // namespace
}  // namespace cvw::app
