#include "tools/cvwctl/output.hpp"

#include <gtest/gtest.h>

#include <array>
#include <boost/json/parse.hpp>

namespace cvw::cvwctl {
namespace {

namespace json = boost::json;

constexpr std::array kPolicyFields = {
    Field{"Identity", "identity"},
    Field{"Enabled", "enabled"},
    Field{"UseAdminCallbackNumber", "useAdminCallbackNumber"},
    Field{"AdminCallbackNumber", "adminCallbackNumber"},
};

TEST(Output, PolicyTableLikeGetCsCallViaWorkPolicy) {
  const json::value policies = json::parse(R"([
    {"identity": "Global", "enabled": false, "useAdminCallbackNumber": false, "adminCallbackNumber": ""},
    {"identity": "Tag:ContosoUser1CvWP", "enabled": true, "useAdminCallbackNumber": true,
     "adminCallbackNumber": "+14255550100"}])");
  EXPECT_EQ(table_view(policies.as_array(), kPolicyFields),
            "Identity              Enabled  UseAdminCallbackNumber  AdminCallbackNumber\n"
            "--------              -------  ----------------------  -------------------\n"
            "Global                False    False\n"
            "Tag:ContosoUser1CvWP  True     True                    +14255550100\n");
}

TEST(Output, EmptyListIsJustTheHeadings) {
  EXPECT_EQ(table_view(json::array{}, kPolicyFields),
            "Identity  Enabled  UseAdminCallbackNumber  AdminCallbackNumber\n"
            "--------  -------  ----------------------  -------------------\n");
}

TEST(Output, ColumnsAlignOnCharactersNotBytes) {
  const std::string table = render_table({"Name", "X"}, {{"Zo\xC3\xAB", "1"}, {"Al", "2"}});
  EXPECT_EQ(table,
            "Name  X\n"
            "----  -\n"
            "Zo\xC3\xAB   1\n"
            "Al    2\n");
}

TEST(Output, ShortRowsLeaveCellsEmpty) {
  EXPECT_EQ(render_table({"A", "B"}, {{"x"}}), "A  B\n-  -\nx\n");
}

TEST(Output, KeyValueBlockAlignsValues) {
  const json::value policy = json::parse(
      R"({"identity": "Site:Redmond", "enabled": true, "useAdminCallbackNumber": false, "adminCallbackNumber": null})");
  EXPECT_EQ(record_view(policy, kPolicyFields),
            "Identity:               Site:Redmond\n"
            "Enabled:                True\n"
            "UseAdminCallbackNumber: False\n"
            "AdminCallbackNumber:\n");
}

TEST(Output, CellTextOfEachKind) {
  const json::value v = json::parse(
      R"({"s": "text", "t": true, "f": false, "n": null, "i": 42, "d": 1.5, "a": ["10.0.0.1", "10.0.0.2"],
          "o": {"k": 1}, "nested": {"target": "+1425"}})");
  EXPECT_EQ(cell_text(find_path(v, "s")), "text");
  EXPECT_EQ(cell_text(find_path(v, "t")), "True");
  EXPECT_EQ(cell_text(find_path(v, "f")), "False");
  EXPECT_EQ(cell_text(find_path(v, "n")), "");
  EXPECT_EQ(cell_text(find_path(v, "missing")), "");
  EXPECT_EQ(cell_text(find_path(v, "i")), "42");
  EXPECT_EQ(cell_text(find_path(v, "d")), "1.5E0");
  EXPECT_EQ(cell_text(find_path(v, "a")), "10.0.0.1, 10.0.0.2");
  EXPECT_EQ(cell_text(find_path(v, "o")), R"({"k":1})");
  EXPECT_EQ(cell_text(find_path(v, "nested.target")), "+1425");
  EXPECT_EQ(find_path(v, "s.deeper"), nullptr);
  EXPECT_EQ(find_path(v, "nested.missing"), nullptr);
}

TEST(Output, ServerTextCannotDriveTheTerminal) {
  EXPECT_EQ(printable("Eve\x1b]0;owned\x07\r\nx\x7f"), "Eve?]0;owned???x?");
  EXPECT_EQ(printable("a\xC2\x9B"
                      "31mb"),
            "a?31mb");                                                 // C1 CSI
  EXPECT_EQ(printable("Zo\xC3\xAB \xC2\xA0"), "Zo\xC3\xAB \xC2\xA0");  // é and NBSP stay
  const json::value v = json::parse(R"({"name": "a\u001b[2Jb"})");
  EXPECT_EQ(cell_text(find_path(v, "name")), "a?[2Jb");
}

TEST(Output, PrettyJsonIsTwoSpaceIndented) {
  const json::value v =
      json::parse(R"({"users": [{"sipUri": "sip:a@b", "admin": true}], "empty": [], "o": {}})");
  EXPECT_EQ(pretty_json(v),
            "{\n"
            "  \"users\": [\n"
            "    {\n"
            "      \"sipUri\": \"sip:a@b\",\n"
            "      \"admin\": true\n"
            "    }\n"
            "  ],\n"
            "  \"empty\": [],\n"
            "  \"o\": {}\n"
            "}\n");
  EXPECT_EQ(json::parse(pretty_json(v)), v);
}

}  // namespace
}  // namespace cvw::cvwctl
