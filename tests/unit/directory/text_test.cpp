// The directory's message quoting and UTF-8 checks (directory/text.hpp).
#include "directory/text.hpp"

#include <gtest/gtest.h>

#include <string>

namespace cvw::directory::detail {
namespace {

TEST(DirectoryText, QuotedEscapesAndCuts) {
  EXPECT_EQ(detail::quoted("plain"), "\"plain\"");
  EXPECT_EQ(detail::quoted("say \"hi\" \\ now"), "\"say \\\"hi\\\" \\\\ now\"");
  EXPECT_EQ(detail::quoted("a\nb\x7f"), "\"a\\u000ab\\u007f\"");
  EXPECT_EQ(detail::quoted(std::string(100, 'x')), "\"" + std::string(80, 'x') + "...\"");
}

TEST(DirectoryText, FieldErrorShape) {
  const Error e = field_error("LineUri", "tel:abc", "E.164 expected");
  EXPECT_EQ(e.status, 400);
  EXPECT_EQ(e.message, "LineUri \"tel:abc\": E.164 expected");
}

TEST(DirectoryText, Utf8Validation) {
  EXPECT_TRUE(is_utf8(""));
  EXPECT_TRUE(is_utf8("ascii"));
  EXPECT_TRUE(is_utf8("Zo\xC3\xAB \xE7\x8E\x8B \xF0\x9F\x98\x80"));
  EXPECT_EQ(utf8_length("Zo\xC3\xAB \xE7\x8E\x8B \xF0\x9F\x98\x80"), 7u);
  EXPECT_FALSE(is_utf8("\x80"));              // continuation without lead
  EXPECT_FALSE(is_utf8("\xC3"));              // truncated
  EXPECT_FALSE(is_utf8("\xE7\x8E"));          // truncated
  EXPECT_FALSE(is_utf8("\xC0\xAF"));          // overlong '/'
  EXPECT_FALSE(is_utf8("\xE0\x80\xAF"));      // overlong
  EXPECT_FALSE(is_utf8("\xED\xA0\x80"));      // surrogate U+D800
  EXPECT_FALSE(is_utf8("\xF4\x90\x80\x80"));  // past U+10FFFF
  EXPECT_FALSE(is_utf8("\xFF"));
  EXPECT_FALSE(is_utf8("\xC3\x28"));  // bad continuation
}

TEST(DirectoryText, CaseHelpers) {
  EXPECT_TRUE(iequals("Site", "sITE"));
  EXPECT_FALSE(iequals("Site", "Sites"));
  EXPECT_TRUE(istarts_with("TEL:+1", "tel:"));
  EXPECT_FALSE(istarts_with("te", "tel:"));
  EXPECT_EQ(to_lower("MiXeD-123"), "mixed-123");
}

}  // namespace
}  // namespace cvw::directory::detail
