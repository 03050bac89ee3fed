// RFC 4180 reader and writer.
#include "directory/csv.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "expect_error.hpp"

namespace cvw::directory {
namespace {

using testing::fails_with;
using testing::message_of;
using Rows = std::vector<std::vector<std::string>>;

Rows fields_of(std::string_view text) {
  Result<std::vector<CsvRecord>> r = parse_csv(text);
  EXPECT_TRUE(r.ok()) << message_of(r);
  Rows rows;
  if (r.ok()) {
    for (const CsvRecord& rec : *r) rows.push_back(rec.fields);
  }
  return rows;
}

TEST(Csv, PlainRecordsWithCrlfOrLf) {
  EXPECT_EQ(fields_of("a,b,c\r\n1,2,3\r\n"), (Rows{{"a", "b", "c"}, {"1", "2", "3"}}));
  EXPECT_EQ(fields_of("a,b,c\n1,2,3\n"), (Rows{{"a", "b", "c"}, {"1", "2", "3"}}));
  EXPECT_EQ(fields_of("a,b,c\n1,2,3"),
            (Rows{{"a", "b", "c"}, {"1", "2", "3"}}));  // no final line end
  EXPECT_EQ(fields_of(""), Rows{});
}

TEST(Csv, EmptyFields) {
  EXPECT_EQ(fields_of(",\r\n"), (Rows{{"", ""}}));
  EXPECT_EQ(fields_of("a,,c,"), (Rows{{"a", "", "c", ""}}));
  EXPECT_EQ(fields_of("\"\",x"), (Rows{{"", "x"}}));
  EXPECT_EQ(fields_of("a\n\nb\n"), (Rows{{"a"}, {""}, {"b"}}));
}

TEST(Csv, QuotedFieldsWithCommasQuotesAndNewlines) {
  EXPECT_EQ(fields_of("\"Myer, Ken\",\"say \"\"hi\"\"\"\r\n"), (Rows{{"Myer, Ken", "say \"hi\""}}));
  EXPECT_EQ(fields_of("\"line1\r\nline2\",x\r\n"), (Rows{{"line1\r\nline2", "x"}}));
  EXPECT_EQ(fields_of("\"a\nb\""), (Rows{{"a\nb"}}));
  EXPECT_EQ(fields_of("\"\"\"\""), (Rows{{"\""}}));
}

TEST(Csv, SpacesArePartOfFields) {
  EXPECT_EQ(fields_of(" a , b "), (Rows{{" a ", " b "}}));
}

TEST(Csv, ByteOrderMarkIsSkipped) {
  EXPECT_EQ(fields_of("\xEF\xBB\xBFSipAddress\r\nx\r\n"), (Rows{{"SipAddress"}, {"x"}}));
}

TEST(Csv, LineNumbersCountEmbeddedNewlines) {
  Result<std::vector<CsvRecord>> r = parse_csv("h1,h2\r\n\"multi\r\nline\",x\r\nlast,y\n");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ((*r)[0].line, 1u);
  EXPECT_EQ((*r)[1].line, 2u);
  EXPECT_EQ((*r)[2].line, 4u);
}

TEST(Csv, ErrorsNameTheLine) {
  EXPECT_TRUE(fails_with(parse_csv("a,b\nc,d\"e\n"), {"line 2: a quote inside an unquoted field"}));
  EXPECT_TRUE(fails_with(parse_csv("a\n\"ab\"c,d\n"), {"line 2: text after the closing quote"}));
  EXPECT_TRUE(
      fails_with(parse_csv("a\nb\n\"open\nstill open"), {"line 3: a quoted field is not closed"}));
  EXPECT_TRUE(fails_with(parse_csv("a\rb"), {"line 1: a carriage return without a line feed"}));
}

TEST(Csv, WriterQuotesOnlyWhenNeeded) {
  EXPECT_EQ(format_csv_record({"a", "b c", ""}), "a,b c,\r\n");
  EXPECT_EQ(format_csv_record({"Myer, Ken"}), "\"Myer, Ken\"\r\n");
  EXPECT_EQ(format_csv_record({"say \"hi\""}), "\"say \"\"hi\"\"\"\r\n");
  EXPECT_EQ(format_csv_record({"two\nlines"}), "\"two\nlines\"\r\n");
  EXPECT_EQ(format_csv_record({" padded "}), "\" padded \"\r\n");
  EXPECT_EQ(format_csv_record({}), "\r\n");
}

TEST(Csv, WriterOutputReadsBack) {
  const Rows rows = {
      {"plain", "with,comma", "with \"quotes\"", "multi\r\nline", "", " lead", "trail ", "\"", ","},
      {"second", "row", "", "", "", "", "", "", "x"}};
  std::string text;
  for (const auto& row : rows) text += format_csv_record(row);
  EXPECT_EQ(fields_of(text), rows);
}

}  // namespace
}  // namespace cvw::directory
