// How the directory's validators talk about bad values, and the ASCII helpers
// they share. Internal to cvw_directory (namespace detail): callers only see
// the resulting Error messages.
#pragma once

#include <string>
#include <string_view>

#include "common/result.hpp"

namespace cvw::directory::detail {

// `text` in double quotes for an error message: '"' and '\' escaped, control
// bytes as \u00XX, and anything past 80 bytes cut to "..." so a hostile
// megabyte-long value cannot flood a log line or an HTTP reply.
std::string quoted(std::string_view text);

// The validators' one message shape: `Field "value": problem` (status 400).
Error field_error(std::string_view field, std::string_view value, std::string_view problem);

bool is_digit(char c);
bool is_alpha(char c);
bool is_alnum(char c);
char to_lower(char c);
std::string to_lower(std::string_view text);
bool iequals(std::string_view a, std::string_view b);
bool istarts_with(std::string_view text, std::string_view prefix);

// True when `text` holds a C0 control byte or DEL (never valid in a name,
// a title or an identifier a person typed).
bool has_control(std::string_view text);

// Well-formed UTF-8 (no overlongs, no surrogates, nothing past U+10FFFF).
bool is_utf8(std::string_view text);

// `text` as every storage backend can keep it: unchanged when it is UTF-8
// without NUL, else with each NUL and non-ASCII byte replaced by '?'
// (PostgreSQL refuses both in TEXT; a peer's Latin-1 display name or
// User-Agent must not fail a whole batch of writes).
std::string storable_text(std::string_view text);
// Code points in well-formed UTF-8 text.
std::size_t utf8_length(std::string_view text);

// "Free text" fields (display name, title, description...): UTF-8, no control
// characters, at most `max_chars` code points.
Result<void> check_free_text(std::string_view field, std::string_view value, std::size_t max_chars);

// Status codes the catalogues answer with besides 400, so the HTTP layer can
// pass them through unchanged.
inline Error not_found(std::string message) {
  return Error{404, std::move(message)};
}
inline Error conflict(std::string message) {
  return Error{409, std::move(message)};
}

}  // namespace cvw::directory::detail
