// DigestVerifier: the registrar's view. A phone answers a challenge (its
// Authorization value built with compute_response, then parsed as the
// registrar would), and the verdict says what the registrar answers. Time
// is a plain variable the tests step.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <stdexcept>
#include <string>

#include "sip/auth/digest.hpp"

namespace {

using cvw::Result;
using cvw::sip::auth::compute_ha1;
using cvw::sip::auth::compute_response;
using cvw::sip::auth::DigestAlgorithm;
using cvw::sip::auth::DigestCredentials;
using cvw::sip::auth::DigestVerifier;
using cvw::sip::auth::DigestVerifierOptions;
using cvw::sip::auth::parse_digest_credentials;
using cvw::sip::auth::Verdict;
using cvw::sip::auth::verdict_name;
using cvw::sip::auth::wants_stale_challenge;

constexpr std::string_view kRealm = "cvw.example.com";
constexpr std::string_view kUser = "alice";
constexpr std::string_view kPassword = "correct horse";
constexpr std::string_view kUri = "sip:cvw.example.com";

// A phone: knows its password, answers a nonce with a count or (old phones)
// without qop.
struct Phone {
  DigestAlgorithm algorithm = DigestAlgorithm::Sha256;
  std::string password{kPassword};
  std::string realm{kRealm};

  std::string authorization(std::string_view nonce, std::optional<std::uint32_t> count,
                            std::string_view method = "REGISTER") const {
    DigestCredentials c;
    c.username = kUser;
    c.realm = realm;
    c.nonce = nonce;
    c.uri = kUri;
    c.algorithm = algorithm;
    char nc[9] = {};
    if (count) {
      std::snprintf(nc, sizeof nc, "%08x", *count);
      c.qop = "auth";
      c.nc = nc;
      c.cnonce = "0a4f113b";
    }
    const std::string response =
        compute_response(c, method, compute_ha1(algorithm, kUser, realm, password));
    std::string v = "Digest username=\"" + std::string(kUser) + "\", realm=\"" + realm +
                    "\", nonce=\"" + std::string(nonce) + "\", uri=\"" + std::string(kUri) +
                    "\", response=\"" + response +
                    "\", algorithm=" + std::string(cvw::sip::auth::algorithm_name(algorithm));
    if (count) v += ", qop=auth, nc=" + std::string(nc) + ", cnonce=\"0a4f113b\"";
    return v;
  }
};

class DigestVerifierTest : public ::testing::Test {
 protected:
  DigestVerifier make(std::size_t capacity = 100'000) {
    DigestVerifierOptions options;
    options.clock = [this] { return now_; };
    options.max_tracked_nonces = capacity;
    return DigestVerifier(std::move(options));
  }

  // What the registrar does with a request: parse, look up HA1, check.
  Verdict registrar_check(DigestVerifier& verifier, const std::string& authorization,
                          std::string_view method = "REGISTER") {
    std::string scratch;
    Result<DigestCredentials> c = parse_digest_credentials(authorization, scratch);
    EXPECT_TRUE(c) << c.error().message;
    if (!c) return Verdict::BadResponse;
    return verifier.check(*c, method, compute_ha1(c->algorithm, kUser, kRealm, kPassword));
  }

  std::int64_t now_ = 1'717'000'000;
};

TEST_F(DigestVerifierTest, Sha256WithQopAcceptsRisingCountsAndCatchesAReplay) {
  DigestVerifier verifier = make();
  const std::string nonce = verifier.issue_nonce(kRealm);
  const Phone phone;
  const std::string first = phone.authorization(nonce, 1);
  EXPECT_EQ(registrar_check(verifier, first), Verdict::Ok);
  EXPECT_EQ(registrar_check(verifier, first), Verdict::Replay) << "the same request again";
  now_ += 60;
  EXPECT_EQ(registrar_check(verifier, phone.authorization(nonce, 2)), Verdict::Ok)
      << "the phone's next REGISTER";
  EXPECT_EQ(registrar_check(verifier, phone.authorization(nonce, 2)), Verdict::Replay);
  EXPECT_EQ(verifier.tracked_nonces(), 1U);
}

TEST_F(DigestVerifierTest, Md5WithoutQopServesOnce) {
  DigestVerifier verifier = make();
  const std::string nonce = verifier.issue_nonce(kRealm);
  const Phone old_phone{DigestAlgorithm::Md5};
  const std::string request = old_phone.authorization(nonce, std::nullopt);
  EXPECT_EQ(registrar_check(verifier, request), Verdict::Ok);
  EXPECT_EQ(registrar_check(verifier, request), Verdict::Replay);
}

TEST_F(DigestVerifierTest, ANonceIsGoodForItsLifetimeAndStaleAfter) {
  DigestVerifier verifier = make();
  ASSERT_EQ(verifier.nonce_lifetime(), std::chrono::seconds(300));
  const std::string nonce = verifier.issue_nonce(kRealm);
  const Phone phone;
  now_ += 300;
  EXPECT_EQ(registrar_check(verifier, phone.authorization(nonce, 1)), Verdict::Ok)
      << "300 s old: still good";
  now_ += 1;
  EXPECT_EQ(registrar_check(verifier, phone.authorization(nonce, 2)), Verdict::Stale);
  // The phone takes the fresh nonce from the stale challenge and gets in.
  EXPECT_EQ(registrar_check(verifier, phone.authorization(verifier.issue_nonce(kRealm), 1)),
            Verdict::Ok);
}

TEST_F(DigestVerifierTest, ANonceFromTheFutureIsStale) {
  DigestVerifier verifier = make();
  const std::string nonce = verifier.issue_nonce(kRealm);
  now_ -= 5;  // the wall clock stepped back
  EXPECT_EQ(registrar_check(verifier, Phone{}.authorization(nonce, 1)), Verdict::Stale);
}

TEST_F(DigestVerifierTest, AWrongPasswordIsABadResponseWhateverTheNonce) {
  DigestVerifier verifier = make();
  DigestVerifier other = make();
  const Phone wrong{DigestAlgorithm::Sha256, "wrong horse"};
  EXPECT_EQ(registrar_check(verifier, wrong.authorization(verifier.issue_nonce(kRealm), 1)),
            Verdict::BadResponse);
  EXPECT_EQ(registrar_check(verifier, wrong.authorization(other.issue_nonce(kRealm), 1)),
            Verdict::BadResponse);
  EXPECT_EQ(registrar_check(verifier, wrong.authorization("made-up", std::nullopt)),
            Verdict::BadResponse);
  const std::string nonce = verifier.issue_nonce(kRealm);
  now_ += 3600;
  EXPECT_EQ(registrar_check(verifier, wrong.authorization(nonce, 1)), Verdict::BadResponse)
      << "an expired nonce with a wrong password is not stale: stale would skip the password "
         "prompt";
}

TEST_F(DigestVerifierTest, TheRightAnswerToAForeignNonceIsBadNonce) {
  DigestVerifier verifier = make();
  DigestVerifier before_restart = make();
  const Phone phone;
  EXPECT_EQ(registrar_check(verifier, phone.authorization(before_restart.issue_nonce(kRealm), 1)),
            Verdict::BadNonce);
  EXPECT_EQ(registrar_check(verifier,
                            phone.authorization("7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", 1)),
            Verdict::BadNonce);
  EXPECT_TRUE(wants_stale_challenge(Verdict::BadNonce));
}

TEST_F(DigestVerifierTest, ANonceIsBoundToItsRealm) {
  DigestVerifier verifier = make();
  const std::string nonce = verifier.issue_nonce("other.example.com");
  // The phone answers it for our realm (and the registrar looks HA1 up for
  // the realm the credentials name).
  EXPECT_EQ(registrar_check(verifier, Phone{}.authorization(nonce, 1)), Verdict::BadNonce);
}

TEST_F(DigestVerifierTest, TheResponseCoversTheMethod) {
  DigestVerifier verifier = make();
  const std::string request = Phone{}.authorization(verifier.issue_nonce(kRealm), 1, "INVITE");
  EXPECT_EQ(registrar_check(verifier, request, "REGISTER"), Verdict::BadResponse);
  EXPECT_EQ(registrar_check(verifier, request, "INVITE"), Verdict::Ok);
}

TEST_F(DigestVerifierTest, AForgedRequestCannotBurnAPhonesCounts) {
  DigestVerifier verifier = make();
  const std::string nonce = verifier.issue_nonce(kRealm);
  const Phone attacker{DigestAlgorithm::Sha256, "guess"};
  EXPECT_EQ(registrar_check(verifier, attacker.authorization(nonce, 0x7fffffff)),
            Verdict::BadResponse);
  EXPECT_EQ(verifier.tracked_nonces(), 0U);
  EXPECT_EQ(registrar_check(verifier, Phone{}.authorization(nonce, 1)), Verdict::Ok);
}

TEST_F(DigestVerifierTest, AFullGuardRefusesNewNoncesUntilOldOnesExpire) {
  DigestVerifier verifier = make(2);
  const Phone phone;
  const std::string first = verifier.issue_nonce(kRealm);
  EXPECT_EQ(registrar_check(verifier, phone.authorization(first, 1)), Verdict::Ok);
  EXPECT_EQ(registrar_check(verifier, phone.authorization(verifier.issue_nonce(kRealm), 1)),
            Verdict::Ok);
  EXPECT_EQ(registrar_check(verifier, phone.authorization(verifier.issue_nonce(kRealm), 1)),
            Verdict::TooManyNonces);
  EXPECT_EQ(verifier.tracked_nonces(), 2U);
  EXPECT_EQ(registrar_check(verifier, phone.authorization(first, 2)), Verdict::Ok)
      << "known nonces still work";
  now_ += 301;
  EXPECT_EQ(registrar_check(verifier, phone.authorization(verifier.issue_nonce(kRealm), 1)),
            Verdict::Ok);
  EXPECT_EQ(verifier.tracked_nonces(), 1U);
}

TEST_F(DigestVerifierTest, TheSecretCanBeShared) {
  DigestVerifierOptions options;
  options.clock = [this] { return now_; };
  options.secret = "a secret shared by the processes";
  DigestVerifier first(options);
  DigestVerifier second(options);
  EXPECT_EQ(registrar_check(second, Phone{}.authorization(first.issue_nonce(kRealm), 1)),
            Verdict::Ok);
}

TEST(DigestVerifierOptions, RefusesNonsense) {
  DigestVerifierOptions no_lifetime;
  no_lifetime.nonce_lifetime = std::chrono::seconds(0);
  EXPECT_THROW(DigestVerifier{no_lifetime}, std::invalid_argument);
  DigestVerifierOptions no_room;
  no_room.max_tracked_nonces = 0;
  EXPECT_THROW(DigestVerifier{no_room}, std::invalid_argument);
  DigestVerifierOptions short_secret;
  short_secret.secret = "short";
  EXPECT_THROW(DigestVerifier{short_secret}, std::invalid_argument);
}

TEST(DigestVerdict, WhichVerdictsAskForAStaleChallenge) {
  EXPECT_FALSE(wants_stale_challenge(Verdict::Ok));
  EXPECT_TRUE(wants_stale_challenge(Verdict::Stale));
  EXPECT_TRUE(wants_stale_challenge(Verdict::BadNonce));
  EXPECT_TRUE(wants_stale_challenge(Verdict::Replay));
  EXPECT_TRUE(wants_stale_challenge(Verdict::TooManyNonces));
  EXPECT_FALSE(wants_stale_challenge(Verdict::BadResponse));
  EXPECT_EQ(verdict_name(Verdict::TooManyNonces), "too-many-nonces");
  EXPECT_EQ(verdict_name(Verdict::BadResponse), "bad-response");
}

}  // namespace
