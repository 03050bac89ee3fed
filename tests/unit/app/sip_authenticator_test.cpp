// SipAuthenticator as a proxy asks (RFC 3261 §22.3): what a UC client's
// INVITE gets. The registrar's tests cover the shared ladder (stale nonces,
// replays, algorithms, the throttle) through REGISTER; these cover what
// differs for a call: 407 with Proxy-Authenticate, credentials read from
// Proxy-Authorization only, the request-digest over INVITE, and a wrong
// password or an unknown user answered alike.
#include <gtest/gtest.h>

#include "app/sip_authenticator.hpp"
#include "app/sip_credentials.hpp"
#include "directory_fixture.hpp"

namespace cvw::app {
namespace {

using sip::auth::DigestAlgorithm;

class SipAuthenticatorTest : public test::DirectoryTest {
 protected:
  void SetUp() override {
    DirectoryTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    directory::User bob;
    bob.sip_uri = "sip:bob@example.com";
    bob.sip_digest = sip_digest_for(bob.sip_uri, "bob-password-1");
    ASSERT_TRUE(directory_->create_user(bob).ok());
    sip::auth::DigestVerifierOptions options;
    options.clock = [] { return std::int64_t{1'800'000'000}; };
    verifier_ = std::make_unique<sip::auth::DigestVerifier>(options);
    auth_ = std::make_unique<SipAuthenticator>(*directory_, *verifier_, throttle_,
                                               std::vector{DigestAlgorithm::Sha256, DigestAlgorithm::Md5});
    from_.address = boost::asio::ip::make_address("127.0.0.1");
    from_.port = 5070;
  }

  static std::string invite_text(const std::string& user, const std::string& extra) {
    return "INVITE sip:alice@example.com SIP/2.0\r\n"
           "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-i1\r\n"
           "Max-Forwards: 70\r\nFrom: <sip:" + user + "@example.com>;tag=f1\r\nTo: <sip:alice@example.com>\r\n"
           "Call-ID: call-1\r\nCSeq: 2 INVITE\r\nContact: <sip:" + user + "@127.0.0.1:5070>\r\n" + extra +
           "Content-Length: 0\r\n\r\n";
  }
  // The credentials a client computes over `method` for `nonce`.
  static std::string credentials(const std::string& user, const std::string& password, const std::string& nonce,
                                 const std::string& method = "INVITE") {
    sip::auth::DigestCredentials c;
    c.username = user;
    c.realm = "example.com";
    c.nonce = nonce;
    c.uri = "sip:alice@example.com";
    c.algorithm = DigestAlgorithm::Md5;
    c.qop = "auth";
    c.cnonce = "c0ffee";
    c.nc = "00000001";
    const std::string ha1 = sip::auth::compute_ha1(c.algorithm, user, c.realm, password);
    return "Digest username=\"" + user + "\", realm=\"example.com\", nonce=\"" + nonce +
           "\", uri=\"sip:alice@example.com\", response=\"" + sip::auth::compute_response(c, method, ha1) +
           "\", algorithm=MD5, qop=auth, cnonce=\"c0ffee\", nc=00000001";
  }
  AuthDecision send(const std::string& user, const std::string& extra = "") {
    auto m = sip::Message::parse(invite_text(user, extra));
    EXPECT_TRUE(m.ok());
    return auth_->authenticate(*m, from_, Challenger::Proxy, "example.com", user, "sip:" + user + "@example.com",
                               1'800'000'000);
  }
  static std::string nonce_of(const AuthDecision& d) {
    const std::string& challenge = d.headers.at(0).second;
    const std::size_t at = challenge.find("nonce=\"") + 7;
    return challenge.substr(at, challenge.find('"', at) - at);
  }

  LoginThrottle throttle_;
  std::unique_ptr<sip::auth::DigestVerifier> verifier_;
  std::unique_ptr<SipAuthenticator> auth_;
  sip::Peer from_;
};

TEST_P(SipAuthenticatorTest, AProxyChallengesWith407AndReadsProxyAuthorization) {
  const AuthDecision first = send("bob");
  EXPECT_EQ(first.result, AuthResult::Challenged);
  EXPECT_EQ(first.status, 407);
  ASSERT_EQ(first.headers.size(), 2u) << "SHA-256, then MD5";
  EXPECT_EQ(first.headers[0].first, "Proxy-Authenticate");
  EXPECT_NE(first.headers[0].second.find("algorithm=SHA-256"), std::string::npos);
  EXPECT_NE(first.headers[1].second.find("realm=\"example.com\""), std::string::npos);
  const std::string nonce = nonce_of(first);

  // The same credentials as an Authorization header are not a proxy's.
  EXPECT_EQ(send("bob", "Authorization: " + credentials("bob", "bob-password-1", nonce) + "\r\n").result,
            AuthResult::Challenged);
  const AuthDecision ok = send("bob", "Proxy-Authorization: " + credentials("bob", "bob-password-1", nonce) + "\r\n");
  ASSERT_EQ(ok.result, AuthResult::Ok);
  ASSERT_NE(ok.user, nullptr);
  EXPECT_EQ(ok.user->sip_uri, "sip:bob@example.com");
}

TEST_P(SipAuthenticatorTest, ADigestOverAnotherMethodIsAWrongResponse) {
  const std::string nonce = nonce_of(send("bob"));
  const AuthDecision d =
      send("bob", "Proxy-Authorization: " + credentials("bob", "bob-password-1", nonce, "REGISTER") + "\r\n");
  EXPECT_EQ(d.result, AuthResult::Failed);
  EXPECT_EQ(d.status, 403);
}

TEST_P(SipAuthenticatorTest, AWrongPasswordAndAnUnknownUserGetTheSameAnswer) {
  const AuthDecision wrong =
      send("bob", "Proxy-Authorization: " + credentials("bob", "guess", nonce_of(send("bob"))) + "\r\n");
  const AuthDecision nobody =
      send("nobody", "Proxy-Authorization: " + credentials("nobody", "guess", nonce_of(send("nobody"))) + "\r\n");
  EXPECT_EQ(wrong.result, AuthResult::Failed);
  EXPECT_EQ(nobody.result, AuthResult::Failed);
  EXPECT_EQ(wrong.status, nobody.status);
  EXPECT_EQ(wrong.reason, nobody.reason);
  EXPECT_EQ(nobody.user, nullptr);
}

TEST_P(SipAuthenticatorTest, UnreadableCredentialsAre400NamingTheHeader) {
  const AuthDecision d = send("bob", "Proxy-Authorization: Digest username=\"bob\r\n");
  EXPECT_EQ(d.result, AuthResult::Malformed);
  EXPECT_EQ(d.status, 400);
  EXPECT_EQ(d.reason.rfind("Proxy-Authorization: ", 0), 0u) << d.reason;
}

INSTANTIATE_TEST_SUITE_P(Storage, SipAuthenticatorTest, ::testing::ValuesIn(storage::test::kBothBackends),
                         storage::test::BackendName());

}  // namespace
}  // namespace cvw::app
