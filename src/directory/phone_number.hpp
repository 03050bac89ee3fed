// Phone numbers as the directory stores them.
//
// Three shapes, each with the rule Skype for Business documents for it:
// - E.164 (ITU-T E.164): "+", then 1 to 15 digits, the first not 0.
// - The line URI (SfB LineURI, a tel: URI, RFC 3966): "tel:+14255551297" or
//   "tel:+14255551297;ext=51297". SfB: "must be specified using the E.164
//   format and use the TEL: prefix"; the two examples are different numbers.
// - A "dialable number" (New-CsCallViaWorkPolicy -AdminCallbackNumber:
//   "The input must contain only digits and can optionally start with a +",
//   e.g. "12068881234" or "+12068881234"); also used for CallViaWorkCallerId
//   and the simultaneous-ring target. SfB gives no length: we cap it at 32.
//
// Every parser takes the name of the field it validates so its Error reads
// `AdminCallbackNumber "12ab": digits with an optional leading + expected`.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace cvw::directory {

inline constexpr std::size_t kMaxE164Digits = 15;
inline constexpr std::size_t kMaxDialableLength = 32;  // characters, '+' included
inline constexpr std::size_t kMaxExtensionDigits = 15;

bool is_e164(std::string_view text);
Result<std::string> parse_e164(std::string_view text, std::string_view field);

bool is_dialable_number(std::string_view text);
Result<std::string> parse_dialable_number(std::string_view text, std::string_view field);

// The number of the user's PBX desk phone that Call Via Work rings: the DID in
// E.164 form, or (for PBXs that route internally by extension) 1 to 15 digits.
Result<std::string> parse_pbx_number(std::string_view text, std::string_view field);

struct LineUri {
  std::string number;     // E.164, with the '+'
  std::string extension;  // digits; empty when the URI has no ;ext=

  bool operator==(const LineUri&) const = default;
};

// "tel:" is matched case-insensitively (RFC 3966 §3, SfB writes "TEL:"), and so
// is the "ext" parameter name; no parameter other than ext is accepted.
Result<LineUri> parse_line_uri(std::string_view text, std::string_view field);

// The canonical spelling: "tel:+14255551297" or "tel:+14255551297;ext=51297".
std::string format_line_uri(const LineUri& uri);

}  // namespace cvw::directory
