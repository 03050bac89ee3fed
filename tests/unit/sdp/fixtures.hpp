// Test helpers: reading the SDP fixtures under tests/fixtures/sdp.
#pragma once

#include <gtest/gtest.h>

#include <array>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

#include "sdp/session.hpp"

namespace cvw::sdp::test {

// Every fixture; each is CRLF and in RFC 8866 order, so it round-trips byte-exact.
inline constexpr std::array<std::string_view, 15> kFixtures = {
    "all_fields.sdp",    "asterisk.sdp",       "baresip.sdp",       "black_hole.sdp",
    "cisco.sdp",         "gb28181_camera.sdp", "hold_inactive.sdp", "hold_legacy.sdp",
    "hold_sendonly.sdp", "linphone_ipv6.sdp",  "no_media.sdp",      "polycom.sdp",
    "sipp_uac.sdp",      "srtp_sdes.sdp",      "t38_reinvite.sdp",
};

inline std::string read_fixture(std::string_view name) {
  const std::string path = std::string(CVW_FIXTURES_DIR) + "/sdp/" + std::string(name);
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot open " << path;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Parses a fixture that must be valid; fails the test otherwise.
inline Session load(std::string_view name) {
  auto parsed = parse(read_fixture(name));
  EXPECT_TRUE(parsed.ok()) << name << ": " << (parsed.ok() ? "" : parsed.error().message);
  return parsed.ok() ? std::move(parsed).value() : Session{};
}

// Writes a body from LF-separated lines with CRLF line ends.
inline std::string crlf(std::string_view lf_text) {
  std::string out;
  out.reserve(lf_text.size() + 32);
  for (char c : lf_text) {
    if (c == '\n') out += '\r';
    out += c;
  }
  return out;
}

}  // namespace cvw::sdp::test
