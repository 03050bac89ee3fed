#include "sip/header_values.hpp"

#include <cstring>

#include "sip/charset.hpp"

namespace cvw::sip {
namespace {

bool is_ws(char c) { return c == ' ' || c == '\t'; }

constexpr CharSet kWhitespace{" \t"};
constexpr CharSet kSemicolonOrWs{"; \t"};
constexpr CharSet kQuestionOrComma{"?,"};
// The octets list_item_end() must look at; everything else is skipped.
constexpr CharSet kListSpecials{"\"<>,\\"};
bool is_digit(char c) { return c >= '0' && c <= '9'; }

void skip_ws(std::string_view& s) {
  while (!s.empty() && is_ws(s.front())) s.remove_prefix(1);
}

std::string_view take_token(std::string_view& s) {
  std::size_t n = 0;
  while (n < s.size() && is_token_char(s[n])) ++n;
  std::string_view t = s.substr(0, n);
  s.remove_prefix(n);
  return t;
}

// quoted-string = DQUOTE *(qdtext / quoted-pair) DQUOTE (§25.1). `s` starts
// at the opening quote; on success returns the inside and consumes it all.
Result<std::string_view> take_quoted(std::string_view& s) {
  for (std::size_t i = 1; i < s.size(); ++i) {
    if (s[i] == '\\') {
      // quoted-pair = "\" (%x00-09 / %x0B-0C / %x0E-7F)
      if (i + 1 >= s.size() || s[i + 1] == '\r' || s[i + 1] == '\n') break;
      ++i;
      continue;
    }
    if (s[i] == '"') {
      std::string_view inside = s.substr(1, i - 1);
      s.remove_prefix(i + 1);
      return inside;
    }
  }
  return bad_request("unterminated quoted string");
}

// A host as it stands in a Via sent-by or a received= value: a name, IPv4 or
// an IPv6 reference.
bool valid_host_chars(std::string_view h) {
  if (h.empty()) return false;
  for (char c : h) {
    if (!charset::is(c, charset::kHost)) return false;
  }
  return true;
}

// Parses generic-params starting at `s` (which is empty or starts with LWS
// and ';'). Produces "name=value;name" without whitespace: a view into the
// input when it had none, else a copy in `scratch`.
// Parses generic-params; calls emit(name, value, has_value) for each one.
// Returns whether any whitespace was skipped (the text needs normalising).
template <typename Emit>
Result<bool> scan_params(std::string_view s, Emit&& emit) {
  bool had_ws = false;
  auto skip = [&] {
    const std::size_t before = s.size();
    skip_ws(s);
    had_ws |= before != s.size();
  };
  while (!s.empty()) {
    if (s.front() != ';') return bad_request("expected ';' between parameters");
    s.remove_prefix(1);
    skip();
    const std::string_view name = take_token(s);
    if (name.empty()) return bad_request("empty parameter");
    skip();
    std::string_view value;
    const bool has_value = !s.empty() && s.front() == '=';
    if (has_value) {
      s.remove_prefix(1);
      skip();
      if (!s.empty() && s.front() == '"') {
        const char* start = s.data();
        Result<std::string_view> q = take_quoted(s);
        if (!q) return q.error();
        value = std::string_view(start, static_cast<std::size_t>(s.data() - start));
      } else if (!s.empty() && s.front() == '[') {
        const std::size_t close = s.find(']');
        if (close == std::string_view::npos) return bad_request("unterminated IPv6 reference");
        value = s.substr(0, close + 1);
        s.remove_prefix(close + 1);
      } else {
        // gen-value = token / host / quoted-string: a host may be a bare
        // IPv6 address (received=2001:db8::9:255), so ':' is allowed here.
        std::size_t n = 0;
        while (n < s.size() && (is_token_char(s[n]) || s[n] == ':')) ++n;
        value = s.substr(0, n);
        s.remove_prefix(n);
      }
      if (value.empty()) return bad_request("parameter '=' without a value");
      skip();
    }
    emit(name, value, has_value);
  }
  return had_ws;
}

// Parses generic-params starting at `s` (which is empty or starts with LWS
// and ';'). Produces "name=value;name" without whitespace: a view into the
// input in the common case, a copy in `scratch` when there was whitespace.
Result<Params> parse_params(std::string_view s, std::string& scratch) {
  skip_ws(s);
  if (s.empty()) return Params{};
  if (s.front() != ';') return bad_request("unexpected text after header value");
  Result<bool> had_ws = scan_params(s, [](std::string_view, std::string_view, bool) {});
  if (!had_ws) return had_ws.error();
  if (!*had_ws) return Params{detail::trim_lws(s.substr(1))};
  std::string normal;
  (void)scan_params(s, [&](std::string_view name, std::string_view value, bool has_value) {
    if (!normal.empty()) normal.push_back(';');
    normal.append(name);
    if (has_value) normal.append("=").append(value);
  });
  scratch = std::move(normal);
  return Params{scratch};
}

bool iequal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const char x = (a[i] >= 'A' && a[i] <= 'Z') ? static_cast<char>(a[i] + 32) : a[i];
    const char y = (b[i] >= 'A' && b[i] <= 'Z') ? static_cast<char>(b[i] + 32) : b[i];
    if (x != y) return false;
  }
  return true;
}

}  // namespace

bool is_token_char(char c) { return charset::is(c, charset::kToken); }

bool is_token(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!is_token_char(c)) return false;
  }
  return true;
}

std::size_t list_item_end(std::string_view value) {
  bool in_quotes = false;
  bool in_angle = false;
  for (std::size_t i = 0; i < value.size(); ++i) {
    const char c = value[i];
    if (!kListSpecials.has(c)) continue;
    if (in_quotes) {
      if (c == '\\') ++i;
      else if (c == '"') in_quotes = false;
    } else if (c == '"') {
      in_quotes = true;
    } else if (c == '<') {
      in_angle = true;
    } else if (c == '>') {
      in_angle = false;
    } else if (c == ',' && !in_angle) {
      return i;
    }
  }
  return (in_quotes || in_angle) ? std::string_view::npos : value.size();
}

std::optional<std::string_view> Params::get(std::string_view name) const {
  // Hot: the transaction and dialog layers ask a Via or To for branch, rport,
  // received and tag several times per message. Without a quoted value (the
  // usual case) a ';' always separates parameters, so memchr finds the items
  // and only those whose length fits are compared.
  if (text.empty()) return std::nullopt;
  if (std::memchr(text.data(), '"', text.size()) == nullptr) {
    std::string_view rest = text;
    while (!rest.empty()) {
      const void* semi_at = std::memchr(rest.data(), ';', rest.size());
      const std::size_t semi =
          semi_at != nullptr
              ? static_cast<std::size_t>(static_cast<const char*>(semi_at) - rest.data())
              : rest.size();
      const std::string_view item = rest.substr(0, semi);
      if (item.size() >= name.size() && (item.size() == name.size() || item[name.size()] == '=') &&
          iequal(item.substr(0, name.size()), name)) {
        return item.size() == name.size() ? std::string_view{} : item.substr(name.size() + 1);
      }
      if (semi == rest.size()) break;
      rest.remove_prefix(semi + 1);
    }
    return std::nullopt;
  }
  std::optional<std::string_view> found;
  for_each_param(text, [&](std::string_view n, std::string_view v, bool) {
    if (!iequal(n, name)) return true;
    found = v;
    return false;
  });
  return found;
}

// name-addr = [ display-name ] LAQUOT addr-spec RAQUOT
// display-name = *(token LWS) / quoted-string          (§25.1)
// "If the URI contains a comma, question mark or semicolon, the URI MUST be
// enclosed in angle brackets" (§20): in the addr-spec form, ';' starts the
// header parameters and a '?' is an error (RFC 4475 §3.1.2.13).
Result<NameAddr> parse_name_addr(std::string_view value, std::string& scratch) {
  NameAddr na;
  std::string_view s = detail::trim_lws(value);
  if (s.empty()) return bad_request("empty address");
  if (s.front() == '"') {
    Result<std::string_view> q = take_quoted(s);
    if (!q) return q.error();
    na.display_name = *q;
    na.quoted_display = true;
    skip_ws(s);
    if (s.empty() || s.front() != '<') return bad_request("display name without <URI>");
  } else {
    const std::size_t lt = s.find('<');
    if (lt != std::string_view::npos) {
      // RFC 4475 §3.1.1.6: "caller<sip:...>" (no LWS before '<') is accepted.
      const std::string_view display = detail::trim_lws(s.substr(0, lt));
      for (char c : display) {
        if (!is_token_char(c) && !is_ws(c)) return bad_request("display name is not a token list; quote it");
      }
      na.display_name = display;
      s.remove_prefix(lt);
    }
  }
  std::string_view uri_text;
  if (!s.empty() && s.front() == '<') {
    const std::size_t gt = s.find('>');
    if (gt == std::string_view::npos) return bad_request("unterminated <URI>");
    uri_text = s.substr(1, gt - 1);
    if (find_first(uri_text, kWhitespace) != std::string_view::npos) return bad_request("whitespace inside <URI>");
    na.angle_brackets = true;
    s.remove_prefix(gt + 1);
  } else {
    const std::size_t end = find_first(s, kSemicolonOrWs);
    uri_text = s.substr(0, end);
    if (find_first(uri_text, kQuestionOrComma) != std::string_view::npos) {
      return bad_request("a URI with '?' or ',' must be enclosed in <>");
    }
    s.remove_prefix(uri_text.size());
  }
  Result<Uri> uri = parse_uri(uri_text);
  if (!uri) return uri.error();
  na.uri = *uri;
  Result<Params> params = parse_params(s, scratch);
  if (!params) return params.error();
  na.params = *params;
  return na;
}

// via-parm = sent-protocol LWS sent-by *( SEMI via-params )
// sent-protocol = protocol-name SLASH protocol-version SLASH transport, where
// SLASH = SWS "/" SWS: whitespace may surround the slashes (RFC 4475 §3.1.1.1).
Result<Via> parse_via(std::string_view value, std::string& scratch) {
  Via via;
  std::string_view s = detail::trim_lws(value);
  const std::string_view name = take_token(s);
  skip_ws(s);
  if (s.empty() || s.front() != '/') return bad_request("malformed Via sent-protocol");
  s.remove_prefix(1);
  skip_ws(s);
  const std::string_view version = take_token(s);
  skip_ws(s);
  if (s.empty() || s.front() != '/') return bad_request("malformed Via sent-protocol");
  s.remove_prefix(1);
  skip_ws(s);
  via.transport = take_token(s);
  if (!iequal(name, "SIP") || version != "2.0" || via.transport.empty()) {
    return bad_request("malformed Via sent-protocol");
  }
  via.protocol = "SIP/2.0";
  if (s.empty() || !is_ws(s.front())) return bad_request("malformed Via: no sent-by");
  skip_ws(s);
  if (!s.empty() && s.front() == '[') {
    const std::size_t close = s.find(']');
    if (close == std::string_view::npos) return bad_request("unterminated IPv6 reference in Via");
    via.host = s.substr(1, close - 1);
    via.ipv6 = true;
    s.remove_prefix(close + 1);
  } else {
    std::size_t n = 0;
    while (n < s.size() && s[n] != ':' && s[n] != ';' && !is_ws(s[n])) ++n;
    via.host = s.substr(0, n);
    s.remove_prefix(n);
  }
  if (!valid_host_chars(via.host)) return bad_request("malformed Via sent-by host");
  skip_ws(s);
  if (!s.empty() && s.front() == ':') {
    s.remove_prefix(1);
    skip_ws(s);
    std::size_t n = 0;
    unsigned port = 0;
    while (n < s.size() && is_digit(s[n]) && n < 6) port = port * 10 + static_cast<unsigned>(s[n++] - '0');
    if (n == 0 || port > 65535) return bad_request("malformed Via port");
    via.port = static_cast<std::uint16_t>(port);
    s.remove_prefix(n);
  }
  Result<Params> params = parse_params(s, scratch);
  if (!params) return params.error();
  via.params = *params;
  return via;
}

Result<std::uint32_t> parse_uint(std::string_view value, std::uint32_t max, std::string_view what) {
  value = detail::trim_lws(value);
  if (value.empty()) return bad_request("missing " + std::string(what));
  std::uint64_t n = 0;
  for (char c : value) {
    if (!is_digit(c)) return bad_request("malformed " + std::string(what));
    n = n * 10 + static_cast<unsigned>(c - '0');
    if (n > max) return bad_request(std::string(what) + " out of range");
  }
  return static_cast<std::uint32_t>(n);
}

// CSeq = 1*DIGIT LWS Method; RFC 4475 §3.1.2.4: above 2^32-1 is invalid.
Result<CSeq> parse_cseq(std::string_view value) {
  std::string_view s = detail::trim_lws(value);
  std::size_t n = 0;
  while (n < s.size() && is_digit(s[n])) ++n;
  if (n == 0 || n == s.size() || !is_ws(s[n])) return bad_request("malformed CSeq");
  Result<std::uint32_t> number = parse_uint(s.substr(0, n), UINT32_MAX, "CSeq number");
  if (!number) return number.error();
  s.remove_prefix(n);
  skip_ws(s);
  if (!is_token(s)) return bad_request("malformed CSeq method");
  return CSeq{*number, method_from_name(s), s};
}

// SIP-date = rfc1123-date = wkday "," SP date1 SP time SP "GMT" (§20.17, §25.1)
Result<void> check_sip_date(std::string_view v) {
  v = detail::trim_lws(v);
  static constexpr std::string_view kDays[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
  static constexpr std::string_view kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  // "Sat, 13 Nov 2010 23:29:00 GMT" is exactly 29 octets.
  if (v.size() != 29 || v[3] != ',' || v[4] != ' ' || v[7] != ' ' || v[11] != ' ' || v[16] != ' ' ||
      v[19] != ':' || v[22] != ':' || v[25] != ' ' || v.substr(26) != "GMT") {
    return bad_request("malformed Date (RFC 1123, GMT only)");
  }
  bool day = false, month = false;
  for (auto d : kDays) day |= v.substr(0, 3) == d;
  for (auto m : kMonths) month |= v.substr(8, 3) == m;
  for (std::size_t i : {5u, 6u, 12u, 13u, 14u, 15u, 17u, 18u, 20u, 21u, 23u, 24u}) {
    if (!is_digit(v[i])) return bad_request("malformed Date (RFC 1123, GMT only)");
  }
  if (!day || !month) return bad_request("malformed Date (RFC 1123, GMT only)");
  return {};
}

Result<Replaces> parse_replaces(std::string_view value, std::string& scratch) {
  std::string_view s = detail::trim_lws(value);
  std::size_t n = 0;
  while (n < s.size() && s[n] != ';' && !is_ws(s[n])) ++n;
  Replaces r;
  r.call_id = s.substr(0, n);
  if (r.call_id.empty()) return bad_request("Replaces without a Call-ID");
  Result<Params> params = parse_params(s.substr(n), scratch);
  if (!params) return bad_request("bad Replaces: " + params.error().message);
  const auto to_tag = params->get("to-tag");
  const auto from_tag = params->get("from-tag");
  // RFC 3891 §6.1: "A Replaces header field MUST contain exactly one to-tag
  // and exactly one from-tag".
  if (!to_tag || !from_tag || to_tag->empty() || from_tag->empty()) {
    return bad_request("Replaces needs to-tag and from-tag");
  }
  r.to_tag = *to_tag;
  r.from_tag = *from_tag;
  r.early_only = params->has("early-only");
  return r;
}

Result<SessionExpires> parse_session_expires(std::string_view value, std::string& scratch) {
  std::string_view s = detail::trim_lws(value);
  std::size_t n = 0;
  while (n < s.size() && is_digit(s[n])) ++n;
  Result<std::uint32_t> seconds = parse_uint(s.substr(0, n), UINT32_MAX, "Session-Expires");
  if (!seconds) return seconds.error();
  Result<Params> params = parse_params(s.substr(n), scratch);
  if (!params) return bad_request("bad Session-Expires: " + params.error().message);
  SessionExpires se;
  se.seconds = *seconds;
  se.refresher = params->get("refresher").value_or(std::string_view{});
  if (!se.refresher.empty() && !iequal(se.refresher, "uac") && !iequal(se.refresher, "uas")) {
    return bad_request("Session-Expires refresher must be uac or uas");
  }
  // Parameter values are case-insensitive here (§7.3 of RFC 3261 for
  // tokens): callers compare against the lower-case names.
  if (!se.refresher.empty()) se.refresher = iequal(se.refresher, "uac") ? "uac" : "uas";
  return se;
}

bool has_option(std::string_view list, std::string_view option) {
  bool found = false;
  (void)for_each_list_value(list, [&](std::string_view item) -> Result<void> {
    found |= iequal(item, option);
    return {};
  });
  return found;
}

std::optional<int> sipfrag_status(std::string_view body) {
  // "SIP/2.0 200 OK": the version, SP, three digits.
  if (body.size() < 11 || !iequal(body.substr(0, 8), "SIP/2.0 ")) return std::nullopt;
  const std::string_view code = body.substr(8, 3);
  int status = 0;
  for (char c : code) {
    if (!is_digit(c)) return std::nullopt;
    status = status * 10 + (c - '0');
  }
  return status >= 100 && status <= 699 ? std::optional<int>(status) : std::nullopt;
}

namespace {

// Whether every quoted-string in `s` is closed (a backslash escapes the next
// character inside one, §25.1 quoted-pair).
bool quotes_balanced(std::string_view s) {
  bool quoted = false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '"')
      quoted = !quoted;
    else if (quoted && s[i] == '\\')
      ++i;
  }
  return !quoted;
}

}  // namespace

Result<std::optional<std::string_view>> find_tag_param(std::string_view value,
                                                       std::string& scratch) {
  const std::size_t gt = value.rfind('>');
  const std::size_t semi = value.find(';', gt == std::string_view::npos ? 0 : gt);
  const std::string_view params = semi == std::string_view::npos ? std::string_view{} : value.substr(semi + 1);
  // Plain parameters (no quoted-string, no whitespace) are read where they
  // stand. In the name-addr form they start after the last '>', which is the
  // URI's own when the quotes before it are balanced: a quoted display name
  // ("Alice" <sip:a@b>;tag=x, the usual From) then costs one scan, not a
  // parse. Without '>' (the addr-spec form) a '"' anywhere goes the long
  // way; parameters after the URI are header parameters (§20), so the first
  // ';' starts them, as found above.
  const bool plain = (gt == std::string_view::npos ? value.find('"') == std::string_view::npos
                                                   : quotes_balanced(value.substr(0, gt))) &&
                     params.find('"') == std::string_view::npos &&
                     find_first(params, kWhitespace) == std::string_view::npos;
  if (plain) return Params{params}.get("tag");
  Result<NameAddr> na = parse_name_addr(value, scratch);
  if (!na) return na.error();
  return na->tag();
}

std::string_view tag_param(std::string_view value, std::string& scratch) {
  Result<std::optional<std::string_view>> tag = find_tag_param(value, scratch);
  return tag && *tag ? **tag : std::string_view{};
}

std::string tag_of(std::string_view value) {
  std::string scratch;
  return std::string(tag_param(value, scratch));
}

}  // namespace cvw::sip
