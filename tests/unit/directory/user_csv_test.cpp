// Users to and from CSV: columns, per-row validation with line numbers,
// duplicates, round trip, no password hashes.
#include "directory/user_csv.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "expect_error.hpp"

namespace cvw::directory {
namespace {

using testing::fails_with;
using testing::message_of;

std::vector<User> imported(std::string_view text) {
  Result<UserCsv> r = import_users_csv(text);
  EXPECT_TRUE(r.ok()) << message_of(r);
  return r.ok() ? r->users : std::vector<User>{};
}

User ken() {
  User u;
  u.sip_uri = "sip:ken.myer@litwareinc.com";
  u.display_name = "Myer, Ken";
  u.title = "Sales \"Lead\"";
  u.department = "Sales";
  u.company = "Litware";
  u.email = "ken.myer@litwareinc.com";
  u.line_uri = "tel:+14255551297;ext=51297";
  u.cvw_phone_number = "+14255551297";
  u.enterprise_voice = true;
  u.simultaneous_ring = {true, "+14255550199"};
  u.password_hash = "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA";
  u.admin = true;
  u.site = "Redmond";
  u.cvw_policy = "ContosoUser1CvWP";
  u.dial_plan = "RedmondDialPlan";
  return u;
}

User pilar() {
  User u;
  u.sip_uri = "sip:pilar@litwareinc.com";
  u.display_name = "Pilar Ackerman";
  u.title = "VP, \"Ops\"";
  u.enabled = false;
  return u;
}

TEST(UserCsv, ExportHasEveryColumnAndNoPasswordHash) {
  const std::string text = export_users_csv({ken()});
  EXPECT_TRUE(
      text.starts_with("SipAddress,DisplayName,Title,Department,Company,Email,LineUri,"
                       "CvwPhoneNumber,EnterpriseVoiceEnabled,AutoAnswer,"
                       "SimultaneousRingEnabled,SimultaneousRingNumber,Enabled,Admin,Site,"
                       "CallViaWorkPolicy,DialPlan\r\n"))
      << text;
  EXPECT_NE(text.find("\"Myer, Ken\""), std::string::npos);
  EXPECT_EQ(text.find("argon2"), std::string::npos);
  EXPECT_EQ(text.find("PasswordHash"), std::string::npos);
}

TEST(UserCsv, RoundTripKeepsEverythingButThePassword) {
  const std::vector<User> users = {ken(), pilar()};
  const std::vector<User> back = imported(export_users_csv(users));
  ASSERT_EQ(back.size(), 2u);
  User expected = ken();
  expected.password_hash.clear();
  EXPECT_EQ(back[0], expected);
  EXPECT_EQ(back[1], pilar());
}

TEST(UserCsv, MinimalFileAndDefaults) {
  const std::vector<User> users = imported("SipAddress\nalice@example.com\nBob@Example.com\n");
  ASSERT_EQ(users.size(), 2u);
  EXPECT_EQ(users[0].sip_uri, "sip:alice@example.com");
  EXPECT_EQ(users[1].sip_uri, "sip:Bob@example.com");
  EXPECT_TRUE(users[0].enabled);
  EXPECT_FALSE(users[0].admin);
  EXPECT_FALSE(users[0].enterprise_voice);
  EXPECT_EQ(users[0].cvw_policy, std::nullopt);
}

TEST(UserCsv, ColumnsInAnyOrderAndCase) {
  const std::vector<User> users = imported(
      "lineuri,SIPADDRESS,enabled,CallViaWorkPolicy\r\n"
      "TEL:+14255550100,sip:a@example.com,no,Tag:Vip\r\n"
      "\r\n"
      ",sip:b@example.com,1,\r\n");
  ASSERT_EQ(users.size(), 2u);
  EXPECT_EQ(users[0].line_uri, "tel:+14255550100");
  EXPECT_FALSE(users[0].enabled);
  EXPECT_EQ(users[0].cvw_policy, "Vip");
  EXPECT_TRUE(users[1].enabled);
  EXPECT_EQ(users[1].cvw_policy, std::nullopt);
}

// A file that updates what it knows: the columns it names change an
// existing user, the rest keep the stored values; the columns are reported
// by their canonical names, whatever case the header used.
TEST(UserCsv, AnUpdateChangesOnlyTheColumnsTheFileHas) {
  Result<UserCsv> file = import_users_csv("sipaddress,TITLE\r\nsip:ken.myer@litwareinc.com,Director\r\n");
  ASSERT_TRUE(file.ok()) << message_of(file);
  EXPECT_EQ(file->columns, (std::vector<std::string_view>{user_field::kSipAddress, user_field::kTitle}));
  ASSERT_EQ(file->users.size(), 1u);
  User updated = file->users[0];
  keep_unlisted_fields(updated, ken(), file->columns);
  EXPECT_EQ(updated.title, "Director");
  EXPECT_EQ(updated.display_name, "Myer, Ken");
  EXPECT_EQ(updated.line_uri, "tel:+14255551297;ext=51297");
  EXPECT_TRUE(updated.simultaneous_ring.enabled) << "not in the file: kept";
  EXPECT_EQ(updated.simultaneous_ring.target, "+14255550199");
  EXPECT_TRUE(updated.admin);
  EXPECT_EQ(updated.dial_plan, "RedmondDialPlan");

  Result<UserCsv> off = import_users_csv("SipAddress,SimultaneousRingEnabled,Admin\r\nsip:ken.myer@litwareinc.com,False,\r\n");
  ASSERT_TRUE(off.ok()) << message_of(off);
  User changed = off->users[0];
  keep_unlisted_fields(changed, ken(), off->columns);
  EXPECT_FALSE(changed.simultaneous_ring.enabled) << "in the file: the file's";
  EXPECT_FALSE(changed.admin) << "an empty cell of a listed column is its default";
  EXPECT_EQ(changed.simultaneous_ring.target, "+14255550199");
}

TEST(UserCsv, RowErrorsCarryTheLineNumber) {
  const std::string text =
      "SipAddress,LineUri\r\n"
      "sip:a@example.com,tel:+14255550100\r\n"
      "\"sip:b@example.com\",\"tel:+14255550101\"\r\n"
      "sip:c@example.com,\r\n"
      "\"sip:d@example.com\",\"tel:+1425\r\n5550102\"\r\n"  // lines 5-6
      "sip:e@example.com,tel:abc\r\n";                      // line 7
  Result<UserCsv> r = import_users_csv(text);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().status, 400);
  EXPECT_TRUE(r.error().message.starts_with("line 5: LineUri \"tel:+1425\\u000d\\u000a5550102\""))
      << r.error().message;

  Result<UserCsv> r7 = import_users_csv(
      "SipAddress,LineUri\r\nsip:a@example.com,\r\n\r\n\r\nsip:b@example.com,\r\n\r\nsip:e@example."
      "com,tel:abc\r\n");
  ASSERT_FALSE(r7.ok());
  EXPECT_TRUE(r7.error().message.starts_with("line 7: LineUri \"tel:abc\": "))
      << r7.error().message;
}

TEST(UserCsv, FieldErrorsNameTheColumn) {
  EXPECT_TRUE(fails_with(import_users_csv("SipAddress,Enabled\nsip:a@example.com,maybe\n"),
                         {"line 2: Enabled \"maybe\": True or False expected"}));
  EXPECT_TRUE(fails_with(import_users_csv("SipAddress,Email\nsip:a@example.com,nope\n"),
                         {"line 2: Email \"nope\""}));
  EXPECT_TRUE(fails_with(import_users_csv("SipAddress\nnot-an-address\n"),
                         {"line 2: SipAddress \"not-an-address\""}));
  EXPECT_TRUE(
      fails_with(import_users_csv("SipAddress,SimultaneousRingEnabled\nsip:a@example.com,True\n"),
                 {"line 2: SimultaneousRingNumber \"\": required when"}));
  EXPECT_TRUE(fails_with(import_users_csv("SipAddress,DialPlan\nsip:a@example.com,Site:Redmond\n"),
                         {"line 2: DialPlan \"Site:Redmond\""}));
}

TEST(UserCsv, HeaderErrors) {
  EXPECT_TRUE(fails_with(import_users_csv(""), {"line 1: the header row is missing"}));
  EXPECT_TRUE(fails_with(import_users_csv("SipAddress,Phone\nsip:a@example.com,1\n"),
                         {"line 1: unknown column \"Phone\" (known: SipAddress, DisplayName"}));
  EXPECT_TRUE(fails_with(import_users_csv("SipAddress,sipaddress\n"),
                         {"line 1: column \"sipaddress\" appears twice"}));
  EXPECT_TRUE(fails_with(import_users_csv("DisplayName\nKen\n"),
                         {"line 1: the SipAddress column is required"}));
  EXPECT_TRUE(
      fails_with(import_users_csv("SipAddress,PasswordHash\nsip:a@example.com,$argon2id$x\n"),
                 {"line 1: column \"PasswordHash\": password hashes are not imported"}));
}

TEST(UserCsv, FieldCountMustMatchTheHeader) {
  EXPECT_TRUE(fails_with(import_users_csv("SipAddress,Site\nsip:a@example.com\n"),
                         {"line 2: 1 fields, but the header names 2 columns"}));
  EXPECT_TRUE(fails_with(import_users_csv("SipAddress,Site\nsip:a@example.com,x,y\n"),
                         {"line 2: 3 fields"}));
}

TEST(UserCsv, DuplicatesInTheFile) {
  EXPECT_TRUE(fails_with(
      import_users_csv("SipAddress\nsip:a@example.com\nsip:b@example.com\nA@EXAMPLE.com\n"),
      {"line 4: SipAddress \"sip:A@example.com\": already on line 2"}));
  EXPECT_TRUE(fails_with(
      import_users_csv(
          "SipAddress,LineUri\nsip:a@example.com,tel:+1425\nsip:b@example.com,TEL:+1425\n"),
      {"line 3: LineUri \"tel:+1425\": already on line 2"}));
  // Two users may share an empty line URI.
  EXPECT_EQ(imported("SipAddress,LineUri\nsip:a@example.com,\nsip:b@example.com,\n").size(), 2u);
}

TEST(UserCsv, CsvSyntaxErrorsCarryTheLine) {
  EXPECT_TRUE(fails_with(import_users_csv("SipAddress\nsip:a@exa\"mple.com\n"),
                         {"line 2: a quote inside"}));
}

}  // namespace
}  // namespace cvw::directory
