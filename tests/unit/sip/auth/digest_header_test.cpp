// Digest credentials and challenges as text (RFC 3261 §22.4, §25.1;
// RFC 7616 §3.3-§3.4; RFC 8760 §2.3).
#include "sip/auth/digest_header.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <string_view>

namespace {

using cvw::Result;
using cvw::sip::auth::DigestAlgorithm;
using cvw::sip::auth::DigestCredentials;
using cvw::sip::auth::format_challenge;
using cvw::sip::auth::kMaxCredentialsLength;
using cvw::sip::auth::parse_digest_credentials;
using cvw::sip::auth::registrar_challenges;

// RFC 7616 §3.9.1, the SHA-256 request.
constexpr std::string_view kRfc7616Sha256 =
    "Digest username=\"Mufasa\",\r\n"
    "       realm=\"http-auth@example.org\",\r\n"
    "       uri=\"/dir/index.html\",\r\n"
    "       algorithm=SHA-256,\r\n"
    "       nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\",\r\n"
    "       nc=00000001,\r\n"
    "       cnonce=\"f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ\",\r\n"
    "       qop=auth,\r\n"
    "       response=\"753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1\",\r\n"
    "       opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\"";

constexpr std::string_view kMd5Response = "8ca523f5e9506fed4657c9700eebdbec";

// A minimal valid MD5 value with `extra` appended after a comma.
std::string md5_with(std::string_view extra) {
  std::string v = "Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"sip:r\", response=\"";
  v += kMd5Response;
  v += "\"";
  if (!extra.empty()) v += ", " + std::string(extra);
  return v;
}

std::string error_of(std::string_view value) {
  std::string scratch;
  Result<DigestCredentials> r = parse_digest_credentials(value, scratch);
  if (r) return "(parsed)";
  return r.error().message;
}

// --- what a good value gives -------------------------------------------------

TEST(DigestCredentialsParse, ReadsTheRfc7616Example) {
  std::string scratch;
  Result<DigestCredentials> r = parse_digest_credentials(kRfc7616Sha256, scratch);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->username, "Mufasa");
  EXPECT_EQ(r->realm, "http-auth@example.org");
  EXPECT_EQ(r->uri, "/dir/index.html");
  EXPECT_EQ(r->algorithm, DigestAlgorithm::Sha256);
  EXPECT_EQ(r->nonce, "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v");
  EXPECT_EQ(r->nc, "00000001");
  EXPECT_EQ(r->nonce_count, 1U);
  EXPECT_EQ(r->cnonce, "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ");
  EXPECT_EQ(r->qop, "auth");
  EXPECT_TRUE(r->has_qop());
  EXPECT_EQ(r->response, "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1");
  EXPECT_EQ(r->opaque, "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS");
  EXPECT_TRUE(scratch.empty()) << "no escapes, so nothing is copied";
}

TEST(DigestCredentialsParse, WithoutAlgorithmItIsMd5AndWithoutQopTheRfc2069Form) {
  std::string scratch;
  // nc and cnonce without qop take no part in the response, so they are
  // neither checked nor kept.
  const std::string value = md5_with("nc=zz, cnonce=\"c\"");
  Result<DigestCredentials> r = parse_digest_credentials(value, scratch);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->algorithm, DigestAlgorithm::Md5);
  EXPECT_FALSE(r->has_qop());
  EXPECT_TRUE(r->nc.empty());
  EXPECT_TRUE(r->cnonce.empty());
  EXPECT_EQ(r->nonce_count, 0U);
  EXPECT_TRUE(r->opaque.empty());
}

TEST(DigestCredentialsParse, SchemeAndNamesAreCaseInsensitive) {
  std::string scratch;
  const std::string value =
      "dIGEST USERNAME=\"u\", Realm=\"r\", NONCE=\"n\", Uri=\"sip:r\", ALGORITHM=sha-256, "
      "QOP=AUTH, "
      "NC=0000000A, CNonce=\"c\", Response=\"" +
      std::string(64, 'A') + "\"";
  Result<DigestCredentials> r = parse_digest_credentials(value, scratch);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->algorithm, DigestAlgorithm::Sha256);
  EXPECT_EQ(r->qop, "AUTH") << "kept as sent: the hash covers the text";
  EXPECT_EQ(r->nonce_count, 10U);
  EXPECT_EQ(r->cnonce, "c");
}

TEST(DigestCredentialsParse, AcceptsQuotedQopAndAlgorithmAsPhonesSendThem) {
  std::string scratch;
  const std::string value = md5_with("algorithm=\"MD5\", qop=\"auth\", nc=ffffffff, cnonce=\"x\"");
  Result<DigestCredentials> r = parse_digest_credentials(value, scratch);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->qop, "auth");
  EXPECT_EQ(r->nonce_count, 0xffffffffU);
}

TEST(DigestCredentialsParse, UnescapesQuotedPairsIntoScratch) {
  std::string scratch;
  const std::string value =
      R"(Digest username="Mu\"fa\\sa", realm="a\,b", nonce="n", uri="sip:r", opaque="\o\p", response=")" +
      std::string(kMd5Response) + "\"";
  Result<DigestCredentials> r = parse_digest_credentials(value, scratch);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->username, R"(Mu"fa\sa)");
  EXPECT_EQ(r->realm, "a,b");
  EXPECT_EQ(r->opaque, "op");
  // Three escaped values share the scratch buffer; all three views still
  // read right, so the buffer was never reallocated under them.
  EXPECT_EQ(scratch, R"(Mu"fa\sa)"
                     "a,b"
                     "op");
}

TEST(DigestCredentialsParse, IgnoresUnknownParameters) {
  std::string scratch;
  const std::string value = md5_with("userhash=false, x-vendor=\"a, b=c\", token=t");
  Result<DigestCredentials> r = parse_digest_credentials(value, scratch);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->username, "u");
}

TEST(DigestCredentialsParse, ToleratesWhitespaceAndEmptyListElements) {
  std::string scratch;
  const std::string value =
      "  Digest\tusername = \"u\" ,realm=\"r\",,  ,nonce\t=\t\"n\",uri=\"sip:r\",response=\"" +
      std::string(kMd5Response) + "\" ,  ";
  Result<DigestCredentials> r = parse_digest_credentials(value, scratch);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->realm, "r");
  EXPECT_EQ(r->nonce, "n");
}

// --- faults, each named ------------------------------------------------------

struct FaultCase {
  std::string value;
  std::string expected;  // a part of the message
};

TEST(DigestCredentialsParse, NamesEachFault) {
  const std::string sha = "algorithm=SHA-256";
  const FaultCase cases[] = {
      {"", "empty value"},
      {" \t ", "empty value"},
      {"Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==", "scheme 'Basic' is not Digest"},
      {"Digest", "no parameters after Digest"},
      {"Digest,username=\"u\"", "no parameters after Digest"},
      {"Digest ", "missing 'username'"},
      {"Digest realm=\"r\", nonce=\"n\", uri=\"u\", response=\"" + std::string(kMd5Response) + "\"",
       "missing 'username'"},
      {"Digest username=\"u\", nonce=\"n\", uri=\"u\", response=\"" + std::string(kMd5Response) +
           "\"",
       "missing 'realm'"},
      {"Digest username=\"u\", realm=\"r\", uri=\"u\", response=\"" + std::string(kMd5Response) +
           "\"",
       "missing 'nonce'"},
      {"Digest username=\"u\", realm=\"r\", nonce=\"n\", response=\"" + std::string(kMd5Response) +
           "\"",
       "missing 'uri'"},
      {"Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"u\"", "missing 'response'"},
      {md5_with("nonce=\"again\""), "duplicate 'nonce'"},
      {md5_with("REALM=\"again\""), "duplicate 'realm'"},
      {md5_with("algorithm=MD5, algorithm=MD5"), "duplicate 'algorithm'"},
      {md5_with("algorithm=MD5-sess"), "unsupported algorithm 'MD5-sess'"},
      {md5_with("algorithm=SHA-512-256"), "unsupported algorithm 'SHA-512-256'"},
      {md5_with("algorithm=\"\""), "unsupported algorithm ''"},
      {md5_with(sha), "'response' must be 64 hex digits for SHA-256"},
      {"Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"u\", response=\"" +
           std::string(31, 'a') + "\"",
       "'response' must be 32 hex digits for MD5"},
      {"Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"u\", response=\"" +
           std::string(32, 'g') + "\"",
       "'response' must be 32 hex digits"},
      {md5_with("qop=auth-int, nc=00000001, cnonce=\"c\""),
       "unsupported qop 'auth-int' (only auth)"},
      {md5_with("qop=auth, cnonce=\"c\""), "qop=auth without 'nc'"},
      {md5_with("qop=auth, nc=00000001"), "qop=auth without 'cnonce'"},
      {md5_with("qop=auth, nc=1, cnonce=\"c\""), "'nc' must be 8 hex digits (got '1')"},
      {md5_with("qop=auth, nc=0000000g, cnonce=\"c\""), "'nc' must be 8 hex digits"},
      {md5_with("qop=auth, nc=000000001, cnonce=\"c\""), "'nc' must be 8 hex digits"},
      {md5_with("qop=auth, nc=\"\", cnonce=\"c\""), "'nc' must be 8 hex digits (got '')"},
      {md5_with("stale"), "parameter 'stale' has no '='"},
      {md5_with("opaque="), "parameter 'opaque' has no value"},
      {md5_with("opaque=,"), "parameter 'opaque' has no value"},
      {"Digest realm=\"a\" \"b\"", "expected ',' after 'realm'"},
      {"Digest =\"x\"", "expected a parameter name at '=\"x\"'"},
      {"Digest username=\"Mufasa", "unterminated quoted string in 'username'"},
      {"Digest username=\"Mufasa\\", "unterminated quoted string in 'username'"},
      {"Digest x-foo=\"abc", "unterminated quoted string in 'auth-param'"},
      {std::string("Digest username=\"a\0b\"", 21), "control character in quoted 'username'"},
      {"Digest username=\"a\\\nb\"", "bad escape in quoted 'username'"},
  };
  for (const FaultCase& c : cases) {
    const std::string message = error_of(c.value);
    EXPECT_NE(message.find(c.expected), std::string::npos)
        << "value: " << c.value << "\nmessage: " << message;
    EXPECT_EQ(message.rfind("digest credentials: ", 0), 0U) << message;
  }
}

TEST(DigestCredentialsParse, RefusesAHugeValueWithoutReadingIt) {
  std::string huge = md5_with("x=\"" + std::string(kMaxCredentialsLength, 'a') + "\"");
  EXPECT_EQ(error_of(huge), "digest credentials: value too long (" + std::to_string(huge.size()) +
                                " bytes, at most " + std::to_string(kMaxCredentialsLength) + ")");
  // Just under the limit, with many parameters, still parses.
  std::string many = md5_with("");
  while (many.size() + 8 < kMaxCredentialsLength) many += ", k=\"v\"";
  std::string scratch;
  EXPECT_TRUE(parse_digest_credentials(many, scratch));
}

TEST(DigestCredentialsParse, ErrorMessagesStayShortAndPrintable) {
  // The message may become a 400 reason phrase: no CR/LF, no kilobytes of
  // the attacker's text.
  const std::string hostile = "\x01\r\n" + std::string(4000, 'Z');
  for (const std::string& value : {hostile, md5_with("algorithm=" + std::string(4000, 'Z')),
                                   "Digest " + std::string(4000, '=')}) {
    const std::string message = error_of(value);
    EXPECT_LT(message.size(), 160U) << message;
    EXPECT_EQ(message.find_first_of("\r\n\x01"), std::string::npos) << message;
  }
}

TEST(DigestCredentialsParse, EveryPrefixOfAGoodValueIsHandled) {
  // Truncation at any octet: a clean result or a named error, never a
  // crash or a read past the end (ASan watches).
  const std::string full(kRfc7616Sha256);
  // response is the last required parameter; opaque after it is optional.
  const std::size_t response_end = full.find("b6c1\"") + 5;
  for (std::size_t n = 0; n <= full.size(); ++n) {
    const std::string prefix = full.substr(0, n);  // its own allocation, so ASan sees an overrun
    std::string scratch;
    Result<DigestCredentials> r = parse_digest_credentials(prefix, scratch);
    if (n < response_end) {
      EXPECT_FALSE(r) << "prefix of " << n << " bytes parsed";
    }
    if (!r) {
      EXPECT_EQ(r.error().message.rfind("digest credentials: ", 0), 0U) << r.error().message;
    }
  }
  std::string scratch;
  EXPECT_TRUE(parse_digest_credentials(full.substr(0, response_end), scratch));
  EXPECT_TRUE(parse_digest_credentials(full, scratch));
}

TEST(DigestCredentialsParse, SurvivesRandomBytes) {
  std::mt19937 rng(20240605);
  const std::string alphabet =
      "Digest usernamrlcoqpf=\",\\ \t\r\n\x01\x7f\xff"
      "0123456789abcdef";
  std::uniform_int_distribution<std::size_t> pick(0, alphabet.size() - 1);
  std::uniform_int_distribution<std::size_t> length(0, 200);
  for (int i = 0; i < 20000; ++i) {
    std::string value = i % 2 == 0 ? "Digest " : "";
    for (std::size_t n = length(rng); n > 0; --n) value += alphabet[pick(rng)];
    std::string scratch;
    Result<DigestCredentials> r = parse_digest_credentials(value, scratch);
    if (!r) {
      EXPECT_FALSE(r.error().message.empty());
    }
  }
}

// --- challenges --------------------------------------------------------------

TEST(DigestChallengeFormat, WritesTheRfc7616Parameters) {
  EXPECT_EQ(
      format_challenge({"atlanta.example.com", "abc-_123", DigestAlgorithm::Sha256, {}, false}),
      "Digest realm=\"atlanta.example.com\", nonce=\"abc-_123\", algorithm=SHA-256, qop=\"auth\"");
  EXPECT_EQ(
      format_challenge({"r", "n", DigestAlgorithm::Md5, "op", true}),
      "Digest realm=\"r\", nonce=\"n\", algorithm=MD5, qop=\"auth\", opaque=\"op\", stale=TRUE");
}

TEST(DigestChallengeFormat, EscapesQuotedValues) {
  EXPECT_EQ(format_challenge({R"(a"b\c)", "n", DigestAlgorithm::Md5, {}, false}),
            R"(Digest realm="a\"b\\c", nonce="n", algorithm=MD5, qop="auth")");
}

TEST(DigestChallengeFormat, RegistrarSendsSha256FirstThenMd5WithOneNonce) {
  const auto challenges = registrar_challenges("example.com", "N0nce", "", true);
  EXPECT_EQ(
      challenges[0],
      "Digest realm=\"example.com\", nonce=\"N0nce\", algorithm=SHA-256, qop=\"auth\", stale=TRUE");
  EXPECT_EQ(
      challenges[1],
      "Digest realm=\"example.com\", nonce=\"N0nce\", algorithm=MD5, qop=\"auth\", stale=TRUE");
}

}  // namespace
