// The raw-message corpus in tests/fixtures/sip/*.sip: realistic traffic from
// the kinds of peers cvw meets (phones, PBXs, proxies, gateways, SfB).
//
// Every file is written in canonical form ("Name: value", one SP after the
// colon, true Content-Length), so for each one: it parses without a defect,
// passes validation, serialize() gives back the exact bytes, clone() does too,
// and stream framing cuts exactly one message of the file's length.
//
// Only the top level is read: sub-folders (the RFC 4475 set) hold messages
// that are meant to be invalid and have their own test.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "sip/framing.hpp"
#include "sip/header_values.hpp"
#include "sip/message.hpp"
#include "sip/response_routing.hpp"
#include "sip/validate.hpp"

namespace {

namespace fs = std::filesystem;
using cvw::sip::HeaderId;
using cvw::sip::Message;

fs::path corpus_dir() {
  return fs::path(CVW_FIXTURES_DIR) / "sip";
}

std::vector<std::string> corpus_files() {
  std::vector<std::string> names;
  std::error_code ec;
  for (const fs::directory_entry& e : fs::directory_iterator(corpus_dir(), ec)) {
    if (e.is_regular_file() && e.path().extension() == ".sip")
      names.push_back(e.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string read_file(const std::string& name) {
  std::ifstream in(corpus_dir() / name, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// "invite_typical.sip" -> "invite_typical": gtest names allow [A-Za-z0-9_].
std::string test_name(const testing::TestParamInfo<std::string>& info) {
  std::string n = fs::path(info.param).stem().string();
  for (char& c : n) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return n;
}

class Corpus : public testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    bytes_ = read_file(GetParam());
    ASSERT_FALSE(bytes_.empty()) << GetParam();
  }
  std::string bytes_;
};

TEST_P(Corpus, ParsesWithoutDefect) {
  cvw::Result<Message> m = Message::parse(bytes_);
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_FALSE(m->defect().has_value()) << m->defect()->message;
  EXPECT_FALSE(m->headers().empty());
  // The body is exactly what follows the blank line.
  const std::size_t blank = bytes_.find("\r\n\r\n");
  ASSERT_NE(blank, std::string::npos);
  EXPECT_EQ(m->body(), std::string_view(bytes_).substr(blank + 4));
}

TEST_P(Corpus, EveryLineEndsInCrlf) {
  for (std::size_t i = 0; i < bytes_.size(); ++i) {
    if (bytes_[i] == '\n') {
      ASSERT_TRUE(i > 0 && bytes_[i - 1] == '\r') << "bare LF at offset " << i;
    }
    if (bytes_[i] == '\r') {
      ASSERT_TRUE(i + 1 < bytes_.size() && bytes_[i + 1] == '\n') << "bare CR at offset " << i;
    }
  }
}

TEST_P(Corpus, Validates) {
  cvw::Result<Message> m = Message::parse(bytes_);
  ASSERT_TRUE(m.ok()) << m.error().message;
  const cvw::Result<void> v =
      m->is_request() ? cvw::sip::validate_request(*m) : cvw::sip::validate_response(*m);
  EXPECT_TRUE(v.ok()) << v.error().status << " " << v.error().message;
}

TEST_P(Corpus, SerializeReproducesTheExactBytes) {
  cvw::Result<Message> m = Message::parse(bytes_);
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_EQ(m->serialize(), bytes_);
  // serialize_to appends: existing content stays in front.
  std::string out = "prefix";
  m->serialize_to(out);
  EXPECT_EQ(out, "prefix" + bytes_);
}

TEST_P(Corpus, CloneIsEqualAndIndependent) {
  std::string wire;
  {
    cvw::Result<Message> m = Message::parse(bytes_);
    ASSERT_TRUE(m.ok()) << m.error().message;
    Message copy = m->clone();
    ASSERT_EQ(copy.headers().size(), m->headers().size());
    for (std::size_t i = 0; i < copy.headers().size(); ++i) {
      EXPECT_EQ(copy.headers()[i].id, m->headers()[i].id) << i;
      EXPECT_EQ(copy.headers()[i].name, m->headers()[i].name) << i;
      EXPECT_EQ(copy.headers()[i].value, m->headers()[i].value) << i;
      // The copy's views point at its own bytes, not the original's.
      EXPECT_NE(copy.headers()[i].value.data(), m->headers()[i].value.data()) << i;
    }
    EXPECT_EQ(copy.method_name(), m->method_name());
    EXPECT_EQ(copy.request_uri(), m->request_uri());
    EXPECT_EQ(copy.status(), m->status());
    EXPECT_EQ(copy.reason(), m->reason());
    EXPECT_EQ(copy.body(), m->body());
    // Outlive the original: under ASan any view into it would be caught here.
    Message survivor = std::move(copy);
    m = Message::parse("OPTIONS sip:x SIP/2.0\r\n\r\n");
    wire = survivor.serialize();
  }
  EXPECT_EQ(wire, bytes_);
}

TEST_P(Corpus, StreamFramingCutsExactlyThisMessage) {
  const std::string two = bytes_ + bytes_;
  auto f = cvw::sip::find_frame(two, cvw::sip::ParseLimits{});
  ASSERT_TRUE(f.ok()) << f.error().message;
  ASSERT_TRUE(f->has_value());
  EXPECT_EQ((*f)->skip, 0u);
  EXPECT_EQ((*f)->length, bytes_.size());
  cvw::Result<Message> m =
      Message::parse(std::string_view(two).substr(0, (*f)->length), cvw::sip::Framing::Stream);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->serialize(), bytes_);
}

TEST_P(Corpus, ContentLengthHeaderMatchesTheBody) {
  cvw::Result<Message> m = Message::parse(bytes_);
  ASSERT_TRUE(m.ok());
  ASSERT_EQ(m->count(HeaderId::ContentLength), 1u);
  EXPECT_EQ(m->header(HeaderId::ContentLength), std::to_string(m->body().size()));
  if (!m->body().empty()) {
    EXPECT_FALSE(m->header(HeaderId::ContentType).empty());
  }
}

// The fast paths the hot code takes must say exactly what the general ones
// say, on every kind of message the corpus holds.
TEST_P(Corpus, FastPathsAgreeWithTheGeneralOnes) {
  cvw::Result<Message> m = Message::parse(bytes_);
  ASSERT_TRUE(m.ok());
  if (m->is_request()) {
    EXPECT_EQ(cvw::sip::trying_wire(*m), cvw::sip::make_response(*m, 100).serialize());
  }
  for (HeaderId id : {HeaderId::From, HeaderId::To}) {
    std::string scratch;
    std::string scratch2;
    cvw::Result<cvw::sip::NameAddr> full = cvw::sip::parse_name_addr(m->header(id), scratch);
    ASSERT_TRUE(full.ok()) << cvw::sip::header_name(id);
    cvw::Result<std::optional<std::string_view>> fast =
        cvw::sip::find_tag_param(m->header(id), scratch2);
    ASSERT_TRUE(fast.ok());
    EXPECT_EQ(*fast, full->tag()) << cvw::sip::header_name(id);
  }
}

INSTANTIATE_TEST_SUITE_P(Sip, Corpus, testing::ValuesIn(corpus_files()), test_name);

// The corpus itself: big enough, and the benchmark's message is where the
// benchmark expects it with the shape it was chosen for.
TEST(CorpusFiles, CoversTheMessageKinds) {
  const std::vector<std::string> files = corpus_files();
  EXPECT_GE(files.size(), 20u);
  std::vector<std::string> methods;
  int responses = 0;
  for (const std::string& f : files) {
    cvw::Result<Message> m = Message::parse(read_file(f));
    ASSERT_TRUE(m.ok()) << f;
    if (m->is_response()) {
      ++responses;
    } else {
      methods.emplace_back(m->method_name());
    }
  }
  for (const char* method : {"INVITE", "ACK", "BYE", "CANCEL", "OPTIONS", "REGISTER", "SUBSCRIBE",
                             "NOTIFY", "MESSAGE", "REFER", "PRACK", "UPDATE"}) {
    EXPECT_NE(std::find(methods.begin(), methods.end(), method), methods.end()) << method;
  }
  EXPECT_GE(responses, 5);
}

TEST(CorpusFiles, InviteTypicalIsTheBenchmarkMessage) {
  const std::string bytes = read_file("invite_typical.sip");
  EXPECT_GE(bytes.size(), 800u);
  EXPECT_LE(bytes.size(), 1000u);
  cvw::Result<Message> m = Message::parse(bytes);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->method(), cvw::sip::Method::Invite);
  EXPECT_EQ(m->count(HeaderId::Via), 2u);
  EXPECT_EQ(m->count(HeaderId::RecordRoute), 1u);
  for (HeaderId id :
       {HeaderId::Contact, HeaderId::Allow, HeaderId::Supported, HeaderId::UserAgent}) {
    EXPECT_NE(m->find(id), nullptr) << cvw::sip::header_name(id);
  }
  EXPECT_EQ(m->header(HeaderId::ContentType), "application/sdp");
  for (const char* codec : {"PCMU/8000", "PCMA/8000", "telephone-event/8000"}) {
    EXPECT_NE(m->body().find(codec), std::string_view::npos) << codec;
  }
}

}  // namespace
