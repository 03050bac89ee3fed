// Template bodies for uri.hpp.
#pragma once

namespace cvw::sip {

// The next ';' that is not inside a quoted string (a quoted value may hold one).
inline std::size_t next_param_separator(std::string_view params) {
  bool quoted = false;
  for (std::size_t i = 0; i < params.size(); ++i) {
    const char c = params[i];
    if (quoted && c == '\\') {
      ++i;
    } else if (c == '"') {
      quoted = !quoted;
    } else if (c == ';' && !quoted) {
      return i;
    }
  }
  return std::string_view::npos;
}

template <typename F>
void for_each_param(std::string_view params, F&& f) {
  while (!params.empty()) {
    const std::size_t semi = next_param_separator(params);
    std::string_view item = params.substr(0, semi);
    params = semi == std::string_view::npos ? std::string_view{} : params.substr(semi + 1);
    const std::size_t eq = item.find('=');
    const bool has_value = eq != std::string_view::npos;
    std::string_view name = has_value ? item.substr(0, eq) : item;
    std::string_view value = has_value ? item.substr(eq + 1) : std::string_view{};
    if (!f(name, value, has_value)) return;
  }
}

}  // namespace cvw::sip
