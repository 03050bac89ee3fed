// E.164, dialable numbers, PBX numbers and SfB line URIs.
#include "directory/phone_number.hpp"

#include <gtest/gtest.h>

#include <string>

#include "expect_error.hpp"

namespace cvw::directory {
namespace {

using testing::fails_with;
using testing::message_of;

TEST(PhoneNumberE164, AcceptsPlusAndOneToFifteenDigits) {
  EXPECT_TRUE(is_e164("+14255550100"));
  EXPECT_TRUE(is_e164("+15551234567"));  // SfB CallViaWorkCallerId example
  EXPECT_TRUE(is_e164("+1"));
  EXPECT_TRUE(is_e164("+123456789012345"));
  Result<std::string> parsed = parse_e164("+14258881234", "Number");
  ASSERT_TRUE(parsed.ok()) << message_of(parsed);
  EXPECT_EQ(*parsed, "+14258881234");
}

TEST(PhoneNumberE164, RefusesEverythingElse) {
  for (const char* bad :
       {"", "+", "14255550100", "+04255550100", "+1234567890123456", "+1 425 555 0100",
        "+1-425-5550100", "+1425555010a", "++14255550100", "tel:+14255550100"}) {
    EXPECT_FALSE(is_e164(bad)) << bad;
  }
  EXPECT_TRUE(fails_with(parse_e164("+0123", "CallerId"), {"CallerId \"+0123\"", "E.164"}));
  EXPECT_TRUE(fails_with(parse_e164("", "CallerId"), {"CallerId \"\": must not be empty"}));
}

TEST(PhoneNumberDialable, FollowsTheAdminCallbackNumberRule) {
  // New-CsCallViaWorkPolicy: "only digits and can optionally start with a +",
  // e.g. "12068881234" or "+12068881234".
  for (const char* good : {"12068881234", "+12068881234", "0", "+0", "0044207946000",
                           "12345678901234567890123456789012"}) {
    EXPECT_TRUE(is_dialable_number(good)) << good;
    EXPECT_TRUE(parse_dialable_number(good, "AdminCallbackNumber").ok()) << good;
  }
  for (const char* bad : {"", "+", "12ab", "1+2", "+1 206", "(206)8881234", "206-888-1234", " 1",
                          "1 ", "123456789012345678901234567890123"}) {
    EXPECT_FALSE(is_dialable_number(bad)) << bad;
  }
}

TEST(PhoneNumberDialable, ErrorsNameTheFieldAndValue) {
  Result<std::string> r = parse_dialable_number("12ab", "AdminCallbackNumber");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().status, 400);
  EXPECT_EQ(r.error().message,
            "AdminCallbackNumber \"12ab\": digits with an optional leading + expected");
  EXPECT_TRUE(
      fails_with(parse_dialable_number(std::string(33, '1'), "X"), {"longer than 32 characters"}));
  EXPECT_TRUE(fails_with(parse_dialable_number("", "X"), {"X \"\": must not be empty"}));
}

TEST(PhoneNumberPbx, AcceptsE164OrAnExtension) {
  for (const char* good : {"+14255550100", "100", "0", "123456789012345"}) {
    EXPECT_TRUE(parse_pbx_number(good, "CvwPhoneNumber").ok()) << good;
  }
  EXPECT_TRUE(fails_with(parse_pbx_number("+0425", "CvwPhoneNumber"),
                         {"CvwPhoneNumber \"+0425\"", "E.164"}));
  EXPECT_TRUE(fails_with(parse_pbx_number("1234567890123456", "CvwPhoneNumber"),
                         {"extension of 1 to 15 digits"}));
  EXPECT_TRUE(fails_with(parse_pbx_number("ext100", "CvwPhoneNumber"), {"\"ext100\""}));
}

TEST(LineUri, ParsesTheSfbExamples) {
  // Set-CsUser -LineURI: "TEL:+14255551297" and "TEL:+14255551297;ext=51297".
  Result<LineUri> plain = parse_line_uri("TEL:+14255551297", "LineUri");
  ASSERT_TRUE(plain.ok()) << message_of(plain);
  EXPECT_EQ(plain->number, "+14255551297");
  EXPECT_EQ(plain->extension, "");
  EXPECT_EQ(format_line_uri(*plain), "tel:+14255551297");

  Result<LineUri> ext = parse_line_uri("TEL:+14255551297;ext=51297", "LineUri");
  ASSERT_TRUE(ext.ok()) << message_of(ext);
  EXPECT_EQ(ext->number, "+14255551297");
  EXPECT_EQ(ext->extension, "51297");
  EXPECT_EQ(format_line_uri(*ext), "tel:+14255551297;ext=51297");
  // SfB treats the two as different numbers.
  EXPECT_NE(*plain, *ext);
}

TEST(LineUri, SchemeAndExtNameAreCaseInsensitive) {
  Result<LineUri> uri = parse_line_uri("Tel:+14255550100;EXT=100", "LineUri");
  ASSERT_TRUE(uri.ok()) << message_of(uri);
  EXPECT_EQ(format_line_uri(*uri), "tel:+14255550100;ext=100");
}

TEST(LineUri, RoundTripsThroughFormat) {
  for (const char* text : {"tel:+1", "tel:+123456789012345", "tel:+14255550100;ext=1",
                           "tel:+4930123456;ext=999999999999999"}) {
    Result<LineUri> uri = parse_line_uri(text, "LineUri");
    ASSERT_TRUE(uri.ok()) << text << ": " << message_of(uri);
    EXPECT_EQ(format_line_uri(*uri), text);
  }
}

TEST(LineUri, RefusesMalformedUris) {
  EXPECT_TRUE(fails_with(parse_line_uri("tel:abc", "LineUri"), {"LineUri \"tel:abc\":", "E.164"}));
  EXPECT_TRUE(fails_with(parse_line_uri("+14255550100", "LineUri"), {"must start with \"tel:\""}));
  EXPECT_TRUE(fails_with(parse_line_uri("sip:+14255550100@example.com", "LineUri"), {"tel:"}));
  EXPECT_TRUE(fails_with(parse_line_uri("tel:14255550100", "LineUri"), {"E.164"}));
  EXPECT_TRUE(fails_with(parse_line_uri("tel:+1-425-555-0100", "LineUri"), {"E.164"}));
  EXPECT_TRUE(fails_with(parse_line_uri("tel:", "LineUri"), {"E.164"}));
  EXPECT_TRUE(fails_with(parse_line_uri("", "LineUri"), {"must not be empty"}));
  EXPECT_TRUE(fails_with(parse_line_uri("tel:+14255550100;ext=", "LineUri"),
                         {"ext must be 1 to 15 digits"}));
  EXPECT_TRUE(fails_with(parse_line_uri("tel:+14255550100;ext=12a", "LineUri"), {"ext must be"}));
  EXPECT_TRUE(fails_with(parse_line_uri("tel:+14255550100;ext=1234567890123456", "LineUri"),
                         {"ext must be"}));
  EXPECT_TRUE(fails_with(parse_line_uri("tel:+14255550100;phone-context=example.com", "LineUri"),
                         {"only the ;ext= parameter"}));
  EXPECT_TRUE(
      fails_with(parse_line_uri("tel:+14255550100;ext=1;ext=2", "LineUri"), {"ext must be"}));
}

}  // namespace
}  // namespace cvw::directory
