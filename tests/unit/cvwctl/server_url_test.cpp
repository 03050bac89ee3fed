#include "tools/cvwctl/server_url.hpp"

#include <gtest/gtest.h>

namespace cvw::cvwctl {
namespace {

TEST(ServerUrl, ParsesSchemeHostAndPort) {
  Result<ServerUrl> url = ServerUrl::parse("https://CVW.Example.com:8443");
  ASSERT_TRUE(url.ok()) << url.error().message;
  EXPECT_TRUE(url->tls);
  EXPECT_EQ(url->host, "cvw.example.com");
  EXPECT_EQ(url->port, 8443);
  EXPECT_EQ(url->to_string(), "https://cvw.example.com:8443");
  EXPECT_EQ(url->authority(), "cvw.example.com:8443");
  EXPECT_FALSE(url->host_is_ip());
}

TEST(ServerUrl, DefaultPortsAndTrailingSlash) {
  Result<ServerUrl> http = ServerUrl::parse("HTTP://127.0.0.1/");
  ASSERT_TRUE(http.ok()) << http.error().message;
  EXPECT_FALSE(http->tls);
  EXPECT_EQ(http->port, 80);
  EXPECT_EQ(http->to_string(), "http://127.0.0.1");
  EXPECT_TRUE(http->host_is_ip());
  Result<ServerUrl> https = ServerUrl::parse("https://cvw.local");
  ASSERT_TRUE(https.ok());
  EXPECT_EQ(https->port, 443);
  EXPECT_EQ(https->to_string(), "https://cvw.local");
  // One server, two spellings, one session key.
  EXPECT_EQ(ServerUrl::parse("https://cvw.local:443/")->to_string(), https->to_string());
}

TEST(ServerUrl, Ipv6InBrackets) {
  Result<ServerUrl> url = ServerUrl::parse("https://[::1]:8443");
  ASSERT_TRUE(url.ok()) << url.error().message;
  EXPECT_EQ(url->host, "::1");
  EXPECT_EQ(url->authority(), "[::1]:8443");
  EXPECT_EQ(url->to_string(), "https://[::1]:8443");
  EXPECT_TRUE(url->host_is_ip());
}

TEST(ServerUrl, RefusesWhatItCannotUse) {
  struct Case {
    const char* text;
    const char* problem;
  };
  for (const Case& c : {
           Case{"127.0.0.1:8443", "must start with http:// or https://"},
           Case{"ftp://x", "scheme must be http or https (got \"ftp\")"},
           Case{"https://x/api", "must not have a path"},
           Case{"https://x?a=1", "must not have a path"},
           Case{"https://admin:pw@x", "must not contain a user name or password"},
           Case{"https://x:0", "port must be 1-65535 (got \"0\")"},
           Case{"https://x:65536", "port must be 1-65535 (got \"65536\")"},
           Case{"https://x:", "port must be 1-65535 (got \"\")"},
           Case{"https://x:84a", "port must be 1-65535 (got \"84a\")"},
           Case{"https://::1:8443", "an IPv6 address must be in brackets"},
           Case{"https://[::1", "IPv6 address has no closing ']'"},
           Case{"https://[nope]:1", "\"nope\" is not an IPv6 address"},
           Case{"https://", "has no host"},
           Case{"https://bad host", "host \"bad host\" is not a host name or IP address"},
       }) {
    Result<ServerUrl> url = ServerUrl::parse(c.text);
    ASSERT_FALSE(url.ok()) << c.text;
    EXPECT_NE(url.error().message.find(c.problem), std::string::npos) << url.error().message;
    EXPECT_TRUE(url.error().message.starts_with("\"" + std::string(c.text) + "\": "))
        << url.error().message;
  }
}

TEST(Encoding, PathSegmentKeepsSipUrisReadableButCannotEscapeTheSegment) {
  EXPECT_EQ(encode_path_segment("sip:alice@example.com"), "sip:alice@example.com");
  EXPECT_EQ(encode_path_segment("Tag:Sales_1-a.b~"), "Tag:Sales_1-a.b~");
  EXPECT_EQ(encode_path_segment("a/../b?c#d%e f+g"), "a%2F..%2Fb%3Fc%23d%25e%20f%2Bg");
  EXPECT_EQ(encode_path_segment("Zo\xC3\xAB"), "Zo%C3%AB");
}

TEST(Encoding, QueryValueEncodesPlusAndSpace) {
  EXPECT_EQ(encode_query_value("a b+c&d=e"), "a%20b%2Bc%26d%3De");
  EXPECT_EQ(encode_query_value("sip:x@y"), "sip%3Ax%40y");
}

}  // namespace
}  // namespace cvw::cvwctl
