// Stateless nonces (NonceCodec) and the bounded replay guard (ReplayGuard).
#include "sip/auth/nonce.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>

namespace {

using cvw::sip::auth::NonceCodec;
using cvw::sip::auth::NonceInfo;
using cvw::sip::auth::ReplayGuard;
using Outcome = cvw::sip::auth::ReplayGuard::Outcome;

constexpr std::int64_t kNow = 1'717'000'000;
const std::string kSecret = "0123456789abcdef0123456789abcdef";

bool is_base64url(const std::string& s) {
  for (const char c : s) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

// --- NonceCodec --------------------------------------------------------------

TEST(NonceCodec, OpensWhatItIssuedWithTheIssueTime) {
  NonceCodec codec;
  const std::string nonce = codec.issue("example.com", kNow);
  EXPECT_EQ(nonce.size(), NonceCodec::kEncodedLength);
  EXPECT_TRUE(is_base64url(nonce)) << nonce;
  const std::optional<NonceInfo> info = codec.open(nonce, "example.com");
  ASSERT_TRUE(info);
  EXPECT_EQ(info->issued_at, kNow);
  // Opening twice gives the same answer: the MAC context is re-initialised
  // with its key every time.
  const std::optional<NonceInfo> again = codec.open(nonce, "example.com");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->id, info->id);
}

TEST(NonceCodec, EveryNonceIsDifferent) {
  NonceCodec codec;
  std::set<std::string> nonces;
  std::set<std::uint64_t> ids;
  for (int i = 0; i < 1000; ++i) {
    const std::string nonce = codec.issue("example.com", kNow);  // same second for all
    nonces.insert(nonce);
    ids.insert(codec.open(nonce, "example.com")->id);
  }
  EXPECT_EQ(nonces.size(), 1000U);
  EXPECT_EQ(ids.size(), 1000U);
}

TEST(NonceCodec, RefusesAnotherRealm) {
  NonceCodec codec;
  const std::string nonce = codec.issue("a.example.com", kNow);
  EXPECT_FALSE(codec.open(nonce, "b.example.com"));
  EXPECT_FALSE(codec.open(nonce, ""));
}

TEST(NonceCodec, RefusesAnyAlteredCharacter) {
  NonceCodec codec;
  const std::string nonce = codec.issue("example.com", kNow);
  for (std::size_t i = 0; i < nonce.size(); ++i) {
    std::string altered = nonce;
    altered[i] = altered[i] == 'A' ? 'B' : 'A';
    EXPECT_FALSE(codec.open(altered, "example.com")) << "position " << i;
  }
}

TEST(NonceCodec, RefusesMalformedText) {
  NonceCodec codec;
  const std::string nonce = codec.issue("example.com", kNow);
  EXPECT_FALSE(codec.open("", "example.com"));
  EXPECT_FALSE(codec.open(nonce.substr(1), "example.com"));
  EXPECT_FALSE(codec.open(nonce + "A", "example.com"));
  std::string bad_char = nonce;
  bad_char[5] = '+';  // base64, not base64url
  EXPECT_FALSE(codec.open(bad_char, "example.com"));
  bad_char[5] = '=';
  EXPECT_FALSE(codec.open(bad_char, "example.com"));
}

TEST(NonceCodec, RefusesANonCanonicalSpellingOfItsOwnNonce) {
  // The last character carries 4 data bits and 2 padding bits; setting a
  // padding bit decodes to the same bytes, and must still be refused, or
  // one nonce would have four spellings.
  NonceCodec codec;
  const std::string nonce = codec.issue("example.com", kNow);
  static constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  const std::size_t last = kAlphabet.find(nonce.back());
  ASSERT_EQ(last % 4, 0U);
  for (std::size_t padding = 1; padding < 4; ++padding) {
    std::string respelled = nonce;
    respelled.back() = kAlphabet[last + padding];
    EXPECT_FALSE(codec.open(respelled, "example.com")) << respelled;
  }
}

TEST(NonceCodec, ACodecWithAnotherSecretRefusesIt) {
  NonceCodec first;
  NonceCodec second;  // a restart: new random secret
  EXPECT_FALSE(second.open(first.issue("example.com", kNow), "example.com"));
}

TEST(NonceCodec, ProcessesSharingASecretOpenEachOthersNonces) {
  NonceCodec first(kSecret);
  NonceCodec second(kSecret);
  const std::optional<NonceInfo> info =
      second.open(first.issue("example.com", kNow), "example.com");
  ASSERT_TRUE(info);
  EXPECT_EQ(info->issued_at, kNow);
}

TEST(NonceCodec, RefusesAShortSecret) {
  EXPECT_THROW(NonceCodec(std::string(NonceCodec::kMinSecretBytes - 1, 'x')),
               std::invalid_argument);
  EXPECT_NO_THROW(NonceCodec(std::string(NonceCodec::kMinSecretBytes, 'x')));
}

// --- ReplayGuard -------------------------------------------------------------

TEST(ReplayGuard, CountsMustRise) {
  ReplayGuard guard(10);
  EXPECT_EQ(guard.record(7, kNow + 300, 1, kNow), Outcome::Accepted);
  EXPECT_EQ(guard.record(7, kNow + 300, 1, kNow), Outcome::Replay);
  EXPECT_EQ(guard.record(7, kNow + 300, 3, kNow), Outcome::Accepted);
  EXPECT_EQ(guard.record(7, kNow + 300, 2, kNow), Outcome::Replay)
      << "lower than the highest accepted";
  EXPECT_EQ(guard.record(7, kNow + 300, 4, kNow), Outcome::Accepted);
  EXPECT_EQ(guard.record(8, kNow + 300, 1, kNow), Outcome::Accepted)
      << "each nonce counts on its own";
  EXPECT_EQ(guard.size(), 2U);
}

TEST(ReplayGuard, CountZeroIsNeverAFirstUse) {
  ReplayGuard guard(10);
  EXPECT_EQ(guard.record(7, kNow + 300, 0, kNow), Outcome::Replay);
  EXPECT_EQ(guard.size(), 0U);
}

TEST(ReplayGuard, WithoutQopANonceServesOnce) {
  ReplayGuard guard(10);
  EXPECT_EQ(guard.record(7, kNow + 300, std::nullopt, kNow), Outcome::Accepted);
  EXPECT_EQ(guard.record(7, kNow + 300, std::nullopt, kNow), Outcome::Replay);
  EXPECT_EQ(guard.record(7, kNow + 300, 1, kNow), Outcome::Replay)
      << "nor may it go on with a count";
  EXPECT_EQ(guard.record(7, kNow + 300, 0xffffffffU, kNow), Outcome::Replay);
  // And a nonce used with qop cannot then be used without.
  EXPECT_EQ(guard.record(9, kNow + 300, 1, kNow), Outcome::Accepted);
  EXPECT_EQ(guard.record(9, kNow + 300, std::nullopt, kNow), Outcome::Replay);
}

TEST(ReplayGuard, WhenFullRefusesNewNoncesButServesKnownOnes) {
  ReplayGuard guard(2);
  EXPECT_EQ(guard.record(1, kNow + 300, 1, kNow), Outcome::Accepted);
  EXPECT_EQ(guard.record(2, kNow + 300, std::nullopt, kNow), Outcome::Accepted);
  EXPECT_EQ(guard.record(3, kNow + 300, 1, kNow), Outcome::Full);
  EXPECT_EQ(guard.size(), 2U) << "the table did not grow";
  EXPECT_EQ(guard.record(1, kNow + 300, 2, kNow), Outcome::Accepted);
  EXPECT_EQ(guard.record(2, kNow + 300, std::nullopt, kNow), Outcome::Replay);
  // Once the first two have expired, their room is reused.
  EXPECT_EQ(guard.record(3, kNow + 700, 1, kNow + 301), Outcome::Accepted);
  EXPECT_EQ(guard.size(), 1U);
}

TEST(ReplayGuard, ForgetsExpiredNonces) {
  ReplayGuard guard(100);
  for (std::uint64_t id = 1; id <= 50; ++id)
    ASSERT_EQ(guard.record(id, kNow + 10, 1, kNow), Outcome::Accepted);
  EXPECT_EQ(guard.size(), 50U);
  // Still alive at their last second...
  EXPECT_EQ(guard.record(1, kNow + 10, 1, kNow + 10), Outcome::Replay);
  // ...and swept once the sweep interval has passed.
  EXPECT_EQ(guard.record(1000, kNow + 400, 1, kNow + 60), Outcome::Accepted);
  EXPECT_EQ(guard.size(), 1U);
}

}  // namespace
