// RFC 4475 torture messages: every message gets the verdict the RFC gives it.
//
// The messages are data from elsewhere: they are read in place from
// ../shared/fixtures/rfc4475 (manifest.csv lists name, verdict and expected
// handling) and the tests skip cleanly when that folder is absent.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "sip/header_values.hpp"
#include "sip/message.hpp"
#include "sip/validate.hpp"

namespace {

namespace fs = std::filesystem;
using cvw::sip::HeaderId;
using cvw::sip::Message;

fs::path torture_dir() { return fs::path(CVW_SHARED_DIR) / "fixtures" / "rfc4475"; }

struct Case {
  std::string name;
  bool valid = false;
  std::string expected;
};

// Splits one CSV record (RFC 4180 quoting: "" inside quotes is a quote).
std::vector<std::string> csv_fields(const std::string& line) {
  std::vector<std::string> out(1);
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        out.back().push_back('"');
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        out.back().push_back(c);
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      out.emplace_back();
    } else if (c != '\r') {
      out.back().push_back(c);
    }
  }
  return out;
}

std::vector<Case> load_manifest() {
  std::vector<Case> cases;
  std::ifstream in(torture_dir() / "manifest.csv");
  std::string line;
  std::getline(in, line);  // header row
  while (std::getline(in, line)) {
    const auto f = csv_fields(line);
    if (f.size() < 3) continue;
    cases.push_back(Case{f[0], f[1] == "yes", f[2]});
  }
  return cases;
}

std::string read_message(const std::string& name) {
  std::ifstream in(torture_dir() / (name + ".dat"), std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// What cvw does with the datagram, as the network would see it: accepted
// (parsed and valid), or rejected with a status (0 = dropped).
struct Verdict {
  bool accepted = false;
  int status = 0;
  std::string reason;
};

Verdict judge(const std::string& bytes) {
  cvw::Result<Message> m = Message::parse(bytes);
  if (!m) return {false, 0, m.error().message};
  cvw::Result<void> v = m->is_request() ? cvw::sip::validate_request(*m) : cvw::sip::validate_response(*m);
  if (!v) return {false, m->is_request() ? v.error().status : 0, v.error().message};
  return {true, 0, {}};
}

class Rfc4475 : public testing::TestWithParam<Case> {};

TEST_P(Rfc4475, VerdictMatchesTheRfc) {
  const Case& c = GetParam();
  const std::string bytes = read_message(c.name);
  ASSERT_FALSE(bytes.empty()) << c.name;
  const Verdict v = judge(bytes);
  if (c.valid) {
    EXPECT_TRUE(v.accepted) << c.name << " rejected: " << v.reason << "\nexpected: " << c.expected;
    return;
  }
  EXPECT_FALSE(v.accepted) << c.name << " accepted\nexpected: " << c.expected;
  const bool is_response = bytes.starts_with("SIP/");
  if (is_response) {
    EXPECT_EQ(v.status, 0) << c.name << ": a malformed response is dropped, never answered";
  } else if (c.name == "badvers") {
    EXPECT_EQ(v.status, 505);
  } else {
    EXPECT_EQ(v.status, 400) << c.name << " (" << v.reason << ")";
    EXPECT_FALSE(v.reason.empty()) << "the reason phrase must name the problem";
  }
}

std::string case_name(const testing::TestParamInfo<Case>& info) { return info.param.name; }

INSTANTIATE_TEST_SUITE_P(Torture, Rfc4475, testing::ValuesIn(load_manifest()), case_name);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(Rfc4475);

class Rfc4475Values : public testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(torture_dir() / "manifest.csv")) GTEST_SKIP() << "no " << torture_dir();
  }
  static Message parsed(const std::string& name) {
    cvw::Result<Message> m = Message::parse(read_message(name));
    EXPECT_TRUE(m.ok()) << name;
    return std::move(m).value();
  }
};

TEST_F(Rfc4475Values, WsinvValuesAfterFoldingAndOddCase) {
  const Message m = parsed("wsinv");
  EXPECT_EQ(m.method(), cvw::sip::Method::Invite);
  EXPECT_EQ(m.request_uri(), "sip:vivekg@chair-dnrc.example.com;unknownparam");
  EXPECT_EQ(cvw::sip::parse_uint(m.header(HeaderId::MaxForwards), 255, "Max-Forwards").value(), 68u);
  const auto cseq = cvw::sip::parse_cseq(m.header(HeaderId::CSeq));
  ASSERT_TRUE(cseq.ok());
  EXPECT_EQ(cseq->number, 9u);
  EXPECT_EQ(cseq->method, cvw::sip::Method::Invite);
  std::string scratch;
  const auto to = cvw::sip::parse_name_addr(m.header(HeaderId::To), scratch);
  ASSERT_TRUE(to.ok());
  EXPECT_EQ(to->tag().value_or(""), "1918181833n");
  std::string scratch2;
  const auto from = cvw::sip::parse_name_addr(m.header(HeaderId::From), scratch2);
  ASSERT_TRUE(from.ok());
  EXPECT_EQ(from->display_name, R"(J Rosenberg \\\")");
  EXPECT_EQ(from->tag().value_or(""), "98asjd8");
  // Three Via values in two header lines, the second line holding two.
  int vias = 0;
  std::vector<std::string> branches;
  for (const auto& h : m.headers()) {
    if (h.id != HeaderId::Via) continue;
    ASSERT_TRUE(cvw::sip::for_each_list_value(h.value, [&](std::string_view item) -> cvw::Result<void> {
                  std::string s;
                  auto via = cvw::sip::parse_via(item, s);
                  if (!via) return via.error();
                  ++vias;
                  branches.emplace_back(via->branch());
                  return {};
                }).ok());
  }
  EXPECT_EQ(vias, 3);
  EXPECT_EQ(branches, (std::vector<std::string>{"390skdjuw", "z9hG4bK9ikj8", "z9hG4bK30239"}));
  EXPECT_EQ(m.header("NewFangledHeader"), "newfangled value continued newfangled value");
  EXPECT_EQ(m.header("UnknownHeaderWithUnusualValue"), ";;,,;;,;");
  EXPECT_EQ(m.header(HeaderId::Subject), "");
  EXPECT_EQ(m.body().size(), 150u);
}

TEST_F(Rfc4475Values, EscapesAreKeptAndUnescapeOnce) {
  const Message m = parsed("esc01");
  std::string scratch;
  const auto contact = cvw::sip::parse_name_addr(m.header(HeaderId::Contact), scratch);
  ASSERT_TRUE(contact.ok());
  const auto name = contact->uri.param("name");
  ASSERT_TRUE(name.has_value());
  EXPECT_EQ(cvw::sip::unescape(*name).value(), "value%41");
  EXPECT_EQ(cvw::sip::unescape(contact->uri.user).value(), "caller");
}

TEST_F(Rfc4475Values, IntmethKeepsExtensionMethodAndRawBytes) {
  const Message m = parsed("intmeth");
  EXPECT_EQ(m.method(), cvw::sip::Method::Unknown);
  EXPECT_EQ(m.method_name(), "!interesting-Method0123456789_*+`.%indeed'~");
}

TEST_F(Rfc4475Values, DblreqIgnoresTrailingOctets) {
  const Message m = parsed("dblreq");
  EXPECT_EQ(m.method(), cvw::sip::Method::Register);
  EXPECT_TRUE(m.body().empty());
}

TEST_F(Rfc4475Values, MpartBodyFramedByContentLengthWithNuls) {
  const Message m = parsed("mpart01");
  EXPECT_EQ(std::to_string(m.body().size()), std::string(m.header(HeaderId::ContentLength)));
  EXPECT_NE(m.body().find('\0'), std::string_view::npos);
}

TEST_F(Rfc4475Values, Inv2543BodyRunsToTheEndOfTheDatagram) {
  const std::string bytes = read_message("inv2543");
  const Message m = parsed("inv2543");
  EXPECT_EQ(m.find(HeaderId::ContentLength), nullptr);
  EXPECT_TRUE(bytes.ends_with(std::string(m.body())));
  EXPECT_TRUE(m.body().starts_with("v=0"));
}

TEST_F(Rfc4475Values, ValidMessagesRoundTripThroughSerialize) {
  for (const Case& c : load_manifest()) {
    if (!c.valid) continue;
    const Message m = parsed(c.name);
    // Re-parsing our own output gives the same start line, headers and body.
    cvw::Result<Message> again = Message::parse(m.serialize());
    ASSERT_TRUE(again.ok()) << c.name << ": " << again.error().message;
    EXPECT_EQ(again->body(), m.body()) << c.name;
    EXPECT_EQ(again->request_uri(), m.request_uri()) << c.name;
    // serialize() always writes a Content-Length (inv2543 has none): compare
    // every other header line, in order.
    auto others = [](const Message& x) {
      std::vector<std::pair<std::string, std::string>> out;
      for (const auto& h : x.headers()) {
        if (h.id != HeaderId::ContentLength) out.emplace_back(h.name, h.value);
      }
      return out;
    };
    EXPECT_EQ(others(*again), others(m)) << c.name;
    EXPECT_EQ(again->header(HeaderId::ContentLength), std::to_string(m.body().size())) << c.name;
  }
}

}  // namespace
