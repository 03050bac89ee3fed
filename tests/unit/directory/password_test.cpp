// argon2id hashing, verification, rehash decisions and the password policy.
#include "directory/password.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "expect_error.hpp"

namespace cvw::directory {
namespace {

using testing::fails_with;

// Cheap enough for a unit test; production uses the PasswordCost defaults.
constexpr PasswordCost kTestCost{1, 8, 1};

TEST(PasswordCostDefaults, AreTheOwaspMinimum) {
  const PasswordCost cost;
  EXPECT_EQ(cost.t_cost, 2u);
  EXPECT_EQ(cost.m_cost_kib, 19456u);
  EXPECT_EQ(cost.parallelism, 1u);
}

std::vector<std::string> split(const std::string& text, char sep) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t at = text.find(sep, start);
    parts.push_back(text.substr(start, at == std::string::npos ? std::string::npos : at - start));
    if (at == std::string::npos) return parts;
    start = at + 1;
  }
}

TEST(PasswordHash, IsAPhcStringWithTheCost) {
  const std::string encoded = hash_password("correct horse battery staple", kTestCost);
  const std::vector<std::string> parts = split(encoded, '$');
  ASSERT_EQ(parts.size(), 6u) << encoded;
  EXPECT_EQ(parts[0], "");
  EXPECT_EQ(parts[1], "argon2id");
  EXPECT_EQ(parts[2], "v=19");
  EXPECT_EQ(parts[3], "m=8,t=1,p=1");
  // 16-byte salt and 32-byte hash in unpadded base64: 22 and 43 characters.
  EXPECT_EQ(parts[4].size(), 22u);
  EXPECT_EQ(parts[5].size(), 43u);
}

TEST(PasswordHash, DefaultCostIsWrittenIntoTheHash) {
  const std::string encoded = hash_password("correct horse battery staple");
  EXPECT_TRUE(encoded.starts_with("$argon2id$v=19$m=19456,t=2,p=1$")) << encoded;
  EXPECT_TRUE(verify_password("correct horse battery staple", encoded));
  EXPECT_FALSE(needs_rehash(encoded));
}

TEST(PasswordHash, SaltsDiffer) {
  EXPECT_NE(hash_password("same password", kTestCost), hash_password("same password", kTestCost));
}

TEST(PasswordVerify, RightAndWrongPasswords) {
  const std::string encoded = hash_password("correct horse battery staple", kTestCost);
  EXPECT_TRUE(verify_password("correct horse battery staple", encoded));
  EXPECT_FALSE(verify_password("correct horse battery stapl", encoded));
  EXPECT_FALSE(verify_password("Correct horse battery staple", encoded));
  EXPECT_FALSE(verify_password("", encoded));
}

TEST(PasswordVerify, UnicodeAndEmbeddedNul) {
  const std::string password("p\xC3\xA4ss\0word", 10);
  const std::string encoded = hash_password(password, kTestCost);
  EXPECT_TRUE(verify_password(password, encoded));
  EXPECT_FALSE(verify_password("p\xC3\xA4ss", encoded));  // the NUL is not a terminator
}

TEST(PasswordVerify, MalformedEncodingsAreFalse) {
  for (const char* bad :
       {"", "$", "plaintext", "$argon2id$", "$argon2id$v=19$m=8,t=1,p=1$",
        "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ", "$argon2id$v=19$m=8,t=1$c2FsdHNhbHQ$aGFzaA",
        "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaA$extra",
        "$argon2id$v=19$m=x,t=1,p=1$c2FsdHNhbHQ$aGFzaA", "$argon2id$v=19$m=8,t=1,p=1$$aGFzaA",
        "$argon2id$v=19$m=8,t=1,p=1$c2Fs*HNhbHQ$aGFzaA"}) {
    EXPECT_FALSE(verify_password("password", bad)) << bad;
    EXPECT_TRUE(needs_rehash(bad, kTestCost)) << bad;
  }
}

TEST(PasswordVerify, TamperedHashesAreFalse) {
  const std::string encoded = hash_password("correct horse battery staple", kTestCost);
  // Flip one character of the hash part, then of the salt part.
  std::string hash_flipped = encoded;
  hash_flipped.back() = hash_flipped.back() == 'A' ? 'B' : 'A';
  EXPECT_FALSE(verify_password("correct horse battery staple", hash_flipped));
  std::string salt_flipped = encoded;
  const std::size_t salt_at = encoded.rfind('$') - 1;
  salt_flipped[salt_at] = salt_flipped[salt_at] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(verify_password("correct horse battery staple", salt_flipped));
  // Other cost parameters: a different hash, so no match.
  std::string cost_changed = encoded;
  cost_changed.replace(cost_changed.find("t=1"), 3, "t=2");
  EXPECT_FALSE(verify_password("correct horse battery staple", cost_changed));
}

TEST(PasswordVerify, ForeignAlgorithmsAreFalse) {
  const std::string encoded = hash_password("correct horse battery staple", kTestCost);
  std::string argon2i = encoded;
  argon2i.replace(0, 10, "$argon2i$");
  EXPECT_FALSE(verify_password("correct horse battery staple", argon2i));
  std::string old_version = encoded;
  old_version.replace(old_version.find("v=19"), 4, "v=16");
  EXPECT_FALSE(verify_password("correct horse battery staple", old_version));
  EXPECT_FALSE(
      verify_password("x", "$2b$12$abcdefghijklmnopqrstuu5s2v8.iXieOjg/.AySBTTZIIVFJeBui"));
}

TEST(PasswordVerify, AbsurdCostsAreRefusedBeforeHashing) {
  // A tampered store must not make a login allocate 4 TiB or run for hours.
  EXPECT_FALSE(verify_password(
      "x", "$argon2id$v=19$m=4294967295,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA"));
  EXPECT_FALSE(verify_password(
      "x", "$argon2id$v=19$m=8,t=4000000000,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA"));
  EXPECT_FALSE(verify_password(
      "x", "$argon2id$v=19$m=8,t=1,p=1000$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA"));
  EXPECT_FALSE(
      verify_password("x", "$argon2id$v=19$m=08,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA"));
}

TEST(PasswordVerify, OverlongPasswordIsFalse) {
  const std::string encoded = hash_password("correct horse battery staple", kTestCost);
  EXPECT_FALSE(verify_password(std::string(100000, 'a'), encoded));
}

TEST(PasswordRehash, FollowsTheCost) {
  const std::string encoded = hash_password("correct horse battery staple", kTestCost);
  EXPECT_FALSE(needs_rehash(encoded, kTestCost));
  EXPECT_TRUE(needs_rehash(encoded, PasswordCost{2, 8, 1}));
  EXPECT_TRUE(needs_rehash(encoded, PasswordCost{1, 16, 1}));
  EXPECT_TRUE(needs_rehash(encoded, PasswordCost{1, 16, 2}));
  EXPECT_TRUE(needs_rehash(encoded));  // the production default is stronger
}

TEST(PasswordHash, RefusesBadCosts) {
  EXPECT_THROW((void)hash_password("password", PasswordCost{0, 8, 1}), std::invalid_argument);
  EXPECT_THROW((void)hash_password("password", PasswordCost{1, 4, 1}),
               std::invalid_argument);  // < 8 KiB
  EXPECT_THROW((void)hash_password("password", PasswordCost{1, kMaxPasswordMemoryKib + 1, 1}),
               std::invalid_argument);
  EXPECT_THROW((void)hash_password("password", PasswordCost{kMaxPasswordTimeCost + 1, 8, 1}),
               std::invalid_argument);
}

TEST(PasswordPolicy, LengthInCharactersWithoutCompositionRules) {
  EXPECT_TRUE(validate_password("abcdefgh").ok());  // no digits or symbols needed
  EXPECT_TRUE(validate_password("correct horse battery staple").ok());
  EXPECT_TRUE(validate_password(std::string(256, 'a')).ok());
  // Eight code points in more than eight bytes.
  EXPECT_TRUE(
      validate_password(
          "\xC3\xA4\xC3\xB6\xC3\xBC\xC3\x9F\xE7\x8E\x8B\xE5\xB0\x8F\xE6\x98\x8E\xF0\x9F\x98\x80")
          .ok());
  EXPECT_TRUE(fails_with(validate_password("\xC3\xA4\xC3\xB6\xC3\xBC\xC3\x9F"),
                         {"at least 8 characters (got 4)"}));
  EXPECT_TRUE(
      fails_with(validate_password("short"), {"Password: must be at least 8 characters (got 5)"}));
  EXPECT_TRUE(
      fails_with(validate_password(std::string(257, 'a')), {"at most 256 characters (got 257)"}));
  EXPECT_TRUE(fails_with(validate_password("abc\xff"
                                           "defgh"),
                         {"UTF-8"}));
  EXPECT_TRUE(fails_with(validate_password("abcdefgh\n"), {"control characters"}));
}

TEST(PasswordPolicy, MessageNeverEchoesThePassword) {
  Result<void> r = validate_password("hunter2");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message.find("hunter2"), std::string::npos);
}

}  // namespace
}  // namespace cvw::directory
