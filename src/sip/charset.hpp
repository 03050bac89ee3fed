// Character classes of the SIP grammar (RFC 3261 §25.1) as one lookup
// table: every parser asks "is this octet a token char / unreserved / ..."
// once per octet, so the answer is one load and one AND.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace cvw::sip::charset {

enum Class : std::uint16_t {
  kAlpha = 1 << 0,
  kDigit = 1 << 1,
  kToken = 1 << 2,          // token: alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~"
  kUnreserved = 1 << 3,     // alphanum / mark ("-" / "_" / "." / "!" / "~" / "*" / "'" / "(" / ")")
  kUserExtra = 1 << 4,      // user-unreserved: "&" / "=" / "+" / "$" / "," / ";" / "?" / "/"
  kPasswordExtra = 1 << 5,  // "&" / "=" / "+" / "$" / ","
  kParamExtra = 1 << 6,     // param-unreserved: "[" / "]" / "/" / ":" / "&" / "+" / "$"
  kHeaderExtra = 1 << 7,    // hnv-unreserved: "[" / "]" / "/" / "?" / ":" / "+" / "$"
  kHex = 1 << 8,
  kHost = 1 << 9,           // hostname, IPv4 and IPv6 characters: alphanum / "-" / "." / ":"
  kWs = 1 << 10,            // SP / HTAB
};

namespace detail {
constexpr void mark(std::array<std::uint16_t, 256>& t, std::string_view chars, std::uint16_t cls) {
  for (char c : chars) t[static_cast<unsigned char>(c)] |= cls;
}
constexpr std::array<std::uint16_t, 256> make_table() {
  std::array<std::uint16_t, 256> t{};
  for (int c = 'a'; c <= 'z'; ++c) t[static_cast<std::size_t>(c)] |= kAlpha | kToken | kUnreserved | kHost;
  for (int c = 'A'; c <= 'Z'; ++c) t[static_cast<std::size_t>(c)] |= kAlpha | kToken | kUnreserved | kHost;
  for (int c = '0'; c <= '9'; ++c) t[static_cast<std::size_t>(c)] |= kDigit | kToken | kUnreserved | kHost | kHex;
  mark(t, "abcdefABCDEF", kHex);
  mark(t, "-.!%*_+`'~", kToken);
  mark(t, "-_.!~*'()", kUnreserved);
  mark(t, "&=+$,;?/", kUserExtra);
  mark(t, "&=+$,", kPasswordExtra);
  mark(t, "[]/:&+$", kParamExtra);
  mark(t, "[]/?:+$", kHeaderExtra);
  mark(t, "-.:", kHost);
  mark(t, " \t", kWs);
  return t;
}
}  // namespace detail

inline constexpr std::array<std::uint16_t, 256> kTable = detail::make_table();

inline bool is(char c, std::uint16_t classes) { return (kTable[static_cast<unsigned char>(c)] & classes) != 0; }

}  // namespace cvw::sip::charset

namespace cvw::sip {

// A small set of delimiter octets, built at compile time. find_first() is the
// single-pass replacement for string_view::find_first_of, which calls memchr
// once per input octet.
class CharSet {
 public:
  constexpr explicit CharSet(std::string_view chars) {
    for (char c : chars) bits_[static_cast<unsigned char>(c)] = true;
  }
  constexpr bool has(char c) const { return bits_[static_cast<unsigned char>(c)]; }

 private:
  std::array<bool, 256> bits_{};
};

inline std::size_t find_first(std::string_view s, const CharSet& set) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (set.has(s[i])) return i;
  }
  return std::string_view::npos;
}

}  // namespace cvw::sip
