// HA1 and request-digest against the published examples: RFC 7616 §3.9.1
// (MD5 and SHA-256), RFC 2617 §3.5 (MD5, qop=auth) and RFC 2069 §2.4 (MD5,
// no qop, the form old phones still send).
#include <gtest/gtest.h>

#include <cctype>
#include <string>
#include <string_view>

#include "sip/auth/digest.hpp"

namespace {

using cvw::Result;
using cvw::sip::auth::compute_ha1;
using cvw::sip::auth::compute_response;
using cvw::sip::auth::DigestAlgorithm;
using cvw::sip::auth::DigestCredentials;
using cvw::sip::auth::parse_digest_credentials;
using cvw::sip::auth::response_matches;

// RFC 7616 §3.9.1. The password is "Circle of Life" with a lowercase "of"
// (erratum 4495: RFC 2617 had "Circle Of Life").
constexpr std::string_view kUser = "Mufasa";
constexpr std::string_view kRealm = "http-auth@example.org";
constexpr std::string_view kPassword = "Circle of Life";
constexpr std::string_view kNonce = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v";
constexpr std::string_view kCnonce = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ";
constexpr std::string_view kOpaque = "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS";
constexpr std::string_view kMd5Response = "8ca523f5e9506fed4657c9700eebdbec";
constexpr std::string_view kSha256Response =
    "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1";

std::string rfc7616_authorization(std::string_view algorithm, std::string_view response) {
  std::string v =
      "Digest username=\"Mufasa\", realm=\"http-auth@example.org\", uri=\"/dir/index.html\", "
      "algorithm=";
  v += algorithm;
  v += ", nonce=\"" + std::string(kNonce) + "\", nc=00000001, cnonce=\"" + std::string(kCnonce) +
       "\", qop=auth, response=\"" + std::string(response) + "\", opaque=\"" +
       std::string(kOpaque) + "\"";
  return v;
}

TEST(DigestHash, Ha1OfTheRfc7616User) {
  // The same inputs hashed by `openssl dgst`: HA1 = H("Mufasa:http-auth@example.org:Circle of
  // Life").
  EXPECT_EQ(compute_ha1(DigestAlgorithm::Md5, kUser, kRealm, kPassword),
            "3d78807defe7de2157e2b0b6573a855f");
  EXPECT_EQ(compute_ha1(DigestAlgorithm::Sha256, kUser, kRealm, kPassword),
            "7987c64c30e25f1b74be53f966b49b90f2808aa92faf9a00262392d7b4794232");
}

TEST(DigestHash, Rfc7616ExampleWithMd5) {
  std::string scratch;
  const std::string value = rfc7616_authorization("MD5", kMd5Response);
  Result<DigestCredentials> c = parse_digest_credentials(value, scratch);
  ASSERT_TRUE(c) << c.error().message;
  const std::string ha1 = compute_ha1(DigestAlgorithm::Md5, kUser, kRealm, kPassword);
  EXPECT_EQ(compute_response(*c, "GET", ha1), kMd5Response);
  EXPECT_TRUE(response_matches(*c, "GET", ha1));
}

TEST(DigestHash, Rfc7616ExampleWithSha256) {
  std::string scratch;
  const std::string value = rfc7616_authorization("SHA-256", kSha256Response);
  Result<DigestCredentials> c = parse_digest_credentials(value, scratch);
  ASSERT_TRUE(c) << c.error().message;
  const std::string ha1 = compute_ha1(DigestAlgorithm::Sha256, kUser, kRealm, kPassword);
  EXPECT_EQ(compute_response(*c, "GET", ha1), kSha256Response);
  EXPECT_TRUE(response_matches(*c, "GET", ha1));
}

TEST(DigestHash, Rfc2617ExampleWithQopAuth) {
  std::string scratch;
  Result<DigestCredentials> c = parse_digest_credentials(
      "Digest username=\"Mufasa\", realm=\"testrealm@host.com\", "
      "nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", "
      "uri=\"/dir/index.html\", qop=auth, nc=00000001, cnonce=\"0a4f113b\", "
      "response=\"6629fae49393a05397450978507c4ef1\", opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"",
      scratch);
  ASSERT_TRUE(c) << c.error().message;
  const std::string ha1 =
      compute_ha1(DigestAlgorithm::Md5, "Mufasa", "testrealm@host.com", "Circle Of Life");
  EXPECT_EQ(compute_response(*c, "GET", ha1), "6629fae49393a05397450978507c4ef1");
  EXPECT_TRUE(response_matches(*c, "GET", ha1));
}

TEST(DigestHash, Rfc2069ExampleWithoutQop) {
  std::string scratch;
  Result<DigestCredentials> c = parse_digest_credentials(
      "Digest username=\"Mufasa\", realm=\"testrealm@host.com\", "
      "nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", "
      "uri=\"/dir/index.html\", response=\"1949323746fe6a43ef61f9606e7febea\", "
      "opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"",
      scratch);
  ASSERT_TRUE(c) << c.error().message;
  const std::string ha1 =
      compute_ha1(DigestAlgorithm::Md5, "Mufasa", "testrealm@host.com", "CircleOfLife");
  EXPECT_EQ(compute_response(*c, "GET", ha1), "1949323746fe6a43ef61f9606e7febea");
  EXPECT_TRUE(response_matches(*c, "GET", ha1));
}

TEST(DigestHash, MatchAcceptsUppercaseHexAndRefusesEveryOtherChange) {
  std::string scratch;
  const std::string value = rfc7616_authorization("SHA-256", kSha256Response);
  Result<DigestCredentials> c = parse_digest_credentials(value, scratch);
  ASSERT_TRUE(c) << c.error().message;
  const std::string ha1 = compute_ha1(DigestAlgorithm::Sha256, kUser, kRealm, kPassword);

  std::string upper(kSha256Response);
  for (char& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  DigestCredentials changed = *c;
  changed.response = upper;
  EXPECT_TRUE(response_matches(changed, "GET", ha1));

  // Any single digit wrong.
  for (std::size_t i = 0; i < kSha256Response.size(); ++i) {
    std::string flipped(kSha256Response);
    flipped[i] = flipped[i] == '0' ? '1' : '0';
    changed = *c;
    changed.response = flipped;
    EXPECT_FALSE(response_matches(changed, "GET", ha1)) << "digit " << i;
  }
  // Another method, uri, nonce count, cnonce, or HA1.
  EXPECT_FALSE(response_matches(*c, "REGISTER", ha1));
  changed = *c;
  changed.uri = "/dir/index.htm";
  EXPECT_FALSE(response_matches(changed, "GET", ha1));
  changed = *c;
  changed.nc = "00000002";
  EXPECT_FALSE(response_matches(changed, "GET", ha1));
  changed = *c;
  changed.cnonce = "x";
  EXPECT_FALSE(response_matches(changed, "GET", ha1));
  EXPECT_FALSE(response_matches(
      *c, "GET", compute_ha1(DigestAlgorithm::Sha256, kUser, kRealm, "Circle Of Life")));
  // The MD5 HA1 of the right password does not answer a SHA-256 challenge.
  EXPECT_FALSE(
      response_matches(*c, "GET", compute_ha1(DigestAlgorithm::Md5, kUser, kRealm, kPassword)));
  // A response of the wrong length or with a non-hex digit, in a struct
  // built by hand rather than parsed.
  changed = *c;
  changed.response = kSha256Response.substr(0, 32);
  EXPECT_FALSE(response_matches(changed, "GET", ha1));
  std::string not_hex(kSha256Response);
  not_hex[10] = 'x';
  changed.response = not_hex;
  EXPECT_FALSE(response_matches(changed, "GET", ha1));
}

}  // namespace
