// Template bodies for header_values.hpp.
#pragma once

namespace cvw::sip {

namespace detail {
inline std::string_view trim_lws(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}
}  // namespace detail

template <typename F>
Result<void> for_each_list_value(std::string_view value, F&& f) {
  while (true) {
    const std::size_t end = list_item_end(value);
    if (end == std::string_view::npos) return bad_request("unterminated quoted string or <");
    std::string_view item = detail::trim_lws(value.substr(0, end));
    if (item.empty()) return bad_request("empty item in header list");
    if (Result<void> r = f(item); !r) return r;
    if (end == value.size()) return {};
    value.remove_prefix(end + 1);
  }
}

}  // namespace cvw::sip
