// Phone number shapes of the directory; see phone_number.hpp.
#include "directory/phone_number.hpp"

#include <algorithm>

#include "directory/text.hpp"

namespace cvw::directory {
namespace {

using detail::field_error;
using detail::is_digit;

bool all_digits(std::string_view text) {
  return std::all_of(text.begin(), text.end(), is_digit);
}

constexpr std::string_view kE164Expected =
    "\"+\" and 1 to 15 digits, the first not 0, expected (E.164)";

}  // namespace

bool is_e164(std::string_view text) {
  if (text.size() < 2 || text.front() != '+') return false;
  const std::string_view digits = text.substr(1);
  return digits.size() <= kMaxE164Digits && digits.front() != '0' && all_digits(digits);
}

Result<std::string> parse_e164(std::string_view text, std::string_view field) {
  if (text.empty()) return field_error(field, text, "must not be empty");
  if (!is_e164(text)) return field_error(field, text, kE164Expected);
  return std::string(text);
}

bool is_dialable_number(std::string_view text) {
  if (text.empty() || text.size() > kMaxDialableLength) return false;
  const std::string_view digits = text.front() == '+' ? text.substr(1) : text;
  return !digits.empty() && all_digits(digits);
}

Result<std::string> parse_dialable_number(std::string_view text, std::string_view field) {
  if (text.empty()) return field_error(field, text, "must not be empty");
  if (text.size() > kMaxDialableLength)
    return field_error(field, text,
                       "longer than " + std::to_string(kMaxDialableLength) + " characters");
  if (!is_dialable_number(text))
    return field_error(field, text, "digits with an optional leading + expected");
  return std::string(text);
}

Result<std::string> parse_pbx_number(std::string_view text, std::string_view field) {
  if (text.empty()) return field_error(field, text, "must not be empty");
  if (text.front() == '+') {
    if (!is_e164(text)) return field_error(field, text, kE164Expected);
  } else if (text.size() > kMaxE164Digits || !all_digits(text)) {
    return field_error(field, text,
                       "an E.164 number (+14255550100) or an extension of 1 to 15 digits expected");
  }
  return std::string(text);
}

Result<LineUri> parse_line_uri(std::string_view text, std::string_view field) {
  constexpr std::string_view kScheme = "tel:";
  constexpr std::string_view kExt = ";ext=";
  if (text.empty()) return field_error(field, text, "must not be empty");
  if (!detail::istarts_with(text, kScheme))
    return field_error(field, text, "must start with \"tel:\" (e.g. tel:+14255551297;ext=51297)");
  std::string_view rest = text.substr(kScheme.size());
  const std::size_t semi = rest.find(';');
  const std::string_view number = rest.substr(0, semi);
  if (!is_e164(number))
    return field_error(field, text,
                       "an E.164 number (+ and 1 to 15 digits) expected after \"tel:\"");

  LineUri uri{std::string(number), {}};
  if (semi == std::string_view::npos) return uri;
  const std::string_view params = rest.substr(semi);
  if (!detail::istarts_with(params, kExt))
    return field_error(field, text, "only the ;ext= parameter is allowed");
  const std::string_view ext = params.substr(kExt.size());
  if (ext.empty() || ext.size() > kMaxExtensionDigits || !all_digits(ext))
    return field_error(field, text, "ext must be 1 to 15 digits");
  uri.extension = std::string(ext);
  return uri;
}

std::string format_line_uri(const LineUri& uri) {
  std::string out = "tel:" + uri.number;
  if (!uri.extension.empty()) out += ";ext=" + uri.extension;
  return out;
}

}  // namespace cvw::directory
