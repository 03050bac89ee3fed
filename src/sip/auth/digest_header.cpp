// Digest credentials and challenges as text; see digest_header.hpp.
#include "sip/auth/digest_header.hpp"

#include <array>
#include <initializer_list>
#include <string>

#include "sip/charset.hpp"

namespace cvw::sip::auth {
namespace {

constexpr std::string_view kScheme = "Digest";

// LWS (RFC 3261 §25.1). The message parser already unfolds continuation
// lines, but a CR or LF left in a value is still only whitespace here.
bool is_lws(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

void skip_lws(std::string_view& s) {
  while (!s.empty() && is_lws(s.front())) s.remove_prefix(1);
}

char ascii_lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (ascii_lower(a[i]) != b[i]) return false;  // b is always lowercase here
  }
  return true;
}

bool is_hex(char c) {
  return charset::is(c, charset::kHex);
}

bool all_hex(std::string_view s) {
  for (const char c : s) {
    if (!is_hex(c)) return false;
  }
  return true;
}

std::string_view take_token(std::string_view& s) {
  std::size_t n = 0;
  while (n < s.size() && charset::is(s[n], charset::kToken)) ++n;
  const std::string_view token = s.substr(0, n);
  s.remove_prefix(n);
  return token;
}

// A short, printable copy of untrusted text for an error message: the
// message may end up in a reason phrase, which must not carry CR, LF or a
// few kilobytes of someone else's input.
std::string excerpt(std::string_view text) {
  constexpr std::size_t kMax = 32;
  std::string out;
  for (std::size_t i = 0; i < text.size() && i < kMax; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    out += c >= 0x20 && c < 0x7f ? text[i] : '?';
  }
  if (text.size() > kMax) out += "...";
  return out;
}

Error fault(std::string message) {
  return bad_request("digest credentials: " + std::move(message));
}

// The parameters cvw reads; anything else is an auth-param we skip
// (RFC 7616 §3.4: "Any unrecognized parameter MUST be ignored").
enum class Param : std::uint8_t {
  Username,
  Realm,
  Nonce,
  Uri,
  Response,
  Algorithm,
  Cnonce,
  Qop,
  Nc,
  Opaque,
  Unknown
};
constexpr std::array<std::string_view, 10> kParamNames = {
    "username", "realm", "nonce", "uri", "response", "algorithm", "cnonce", "qop", "nc", "opaque"};

Param identify(std::string_view name) {
  for (std::size_t i = 0; i < kParamNames.size(); ++i) {
    if (iequals(name, kParamNames[i])) return static_cast<Param>(i);
  }
  return Param::Unknown;
}

std::string_view name_of(Param p) {
  return kParamNames[static_cast<std::size_t>(p)];
}

// quoted-string = DQUOTE *(qdtext / quoted-pair) DQUOTE (RFC 3261 §25.1).
// `s` starts at the opening quote. The inside is returned unescaped: a view
// into `s` when it has no quoted-pair (the common case, no copy), else a view
// of what was appended to `scratch`. The caller reserved value.size() bytes
// in `scratch`, and the unescaped texts together never exceed that, so
// appending never reallocates and earlier views stay valid.
Result<std::string_view> take_quoted(std::string_view& s, std::string_view name,
                                     std::string& scratch) {
  bool escaped = false;
  std::size_t close = 0;
  for (std::size_t i = 1; i < s.size() && close == 0; ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == '\\') {
      // quoted-pair = "\" (%x00-09 / %x0B-0C / %x0E-7F)
      if (i + 1 >= s.size()) break;
      const auto next = static_cast<unsigned char>(s[i + 1]);
      if (next == '\r' || next == '\n' || next > 0x7f)
        return fault("bad escape in quoted '" + std::string(name) + "'");
      escaped = true;
      ++i;
    } else if (c == '"') {
      close = i;
    } else if ((c < 0x20 && c != '\t') || c == 0x7f) {
      // qdtext has no control characters; a NUL in a username is an attack
      // on whatever stores it, not a name.
      return fault("control character in quoted '" + std::string(name) + "'");
    }
  }
  if (close == 0) return fault("unterminated quoted string in '" + std::string(name) + "'");
  const std::string_view inside = s.substr(1, close - 1);
  s.remove_prefix(close + 1);
  if (!escaped) return inside;
  const std::size_t start = scratch.size();
  for (std::size_t i = 0; i < inside.size(); ++i) {
    if (inside[i] == '\\') ++i;  // a quoted-pair always has its second octet
    scratch += inside[i];
  }
  return std::string_view(scratch).substr(start);
}

// auth-param value = token / quoted-string (RFC 3261 §25.1). The grammar
// quotes some parameters and not others; phones get this wrong both ways
// (qop="auth", algorithm="MD5"), so either form is read for every parameter.
Result<std::string_view> take_value(std::string_view& s, std::string_view name,
                                    std::string& scratch) {
  if (!s.empty() && s.front() == '"') return take_quoted(s, name, scratch);
  const std::string_view token = take_token(s);
  if (token.empty()) return fault("parameter '" + std::string(name) + "' has no value");
  return token;
}

Result<DigestAlgorithm> parse_algorithm(std::string_view text) {
  if (iequals(text, "md5")) return DigestAlgorithm::Md5;
  if (iequals(text, "sha-256")) return DigestAlgorithm::Sha256;
  return fault("unsupported algorithm '" + excerpt(text) + "' (MD5 or SHA-256)");
}

// Everything a credentials value must hold once all parameters are read.
Result<void> check_complete(DigestCredentials& c, std::uint16_t seen) {
  for (const Param p : {Param::Username, Param::Realm, Param::Nonce, Param::Uri, Param::Response}) {
    if ((seen & (1U << static_cast<unsigned>(p))) == 0)
      return fault("missing '" + std::string(name_of(p)) + "'");
  }
  const std::size_t digits = hex_digest_length(c.algorithm);
  if (c.response.size() != digits || !all_hex(c.response))
    return fault("'response' must be " + std::to_string(digits) + " hex digits for " +
                 std::string(algorithm_name(c.algorithm)) + " (got '" + excerpt(c.response) + "')");
  if ((seen & (1U << static_cast<unsigned>(Param::Qop))) == 0) {
    // RFC 2069 form: cnonce and nc take no part in the response.
    c.cnonce = {};
    c.nc = {};
    return {};
  }
  // auth-int would need the body's hash; cvw never offers it (its challenges
  // say qop="auth"), so a client sending it did not answer our challenge.
  if (!iequals(c.qop, "auth")) return fault("unsupported qop '" + excerpt(c.qop) + "' (only auth)");
  // RFC 7616 §3.4: with a qop, cnonce and nc "MUST" be sent.
  if ((seen & (1U << static_cast<unsigned>(Param::Cnonce))) == 0)
    return fault("qop=auth without 'cnonce'");
  if ((seen & (1U << static_cast<unsigned>(Param::Nc))) == 0) return fault("qop=auth without 'nc'");
  // nc-value = 8LHEX (RFC 3261 §25.1).
  if (c.nc.size() != 8 || !all_hex(c.nc))
    return fault("'nc' must be 8 hex digits (got '" + excerpt(c.nc) + "')");
  std::uint32_t count = 0;
  for (const char ch : c.nc) {
    const char l = ascii_lower(ch);
    count = (count << 4) | static_cast<std::uint32_t>(l <= '9' ? l - '0' : l - 'a' + 10);
  }
  c.nonce_count = count;
  return {};
}

void append_quoted(std::string& out, std::string_view text) {
  out += '"';
  for (const char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
}

}  // namespace

std::string_view algorithm_name(DigestAlgorithm algorithm) {
  return algorithm == DigestAlgorithm::Sha256 ? "SHA-256" : "MD5";
}

std::size_t hex_digest_length(DigestAlgorithm algorithm) {
  return algorithm == DigestAlgorithm::Sha256 ? 64 : 32;
}

Result<DigestCredentials> parse_digest_credentials(std::string_view value, std::string& scratch) {
  if (value.size() > kMaxCredentialsLength)
    return fault("value too long (" + std::to_string(value.size()) + " bytes, at most " +
                 std::to_string(kMaxCredentialsLength) + ")");
  std::string_view s = value;
  skip_lws(s);
  if (s.empty()) return fault("empty value");
  // credentials = ("Digest" LWS digest-response) / other-response; the
  // scheme is case-insensitive (RFC 7235 §2.1).
  const std::string_view scheme = take_token(s);
  if (!iequals(scheme, "digest"))
    return fault("scheme '" + excerpt(scheme.empty() ? s : scheme) + "' is not " +
                 std::string(kScheme));
  if (s.empty() || !is_lws(s.front())) return fault("no parameters after Digest");

  scratch.clear();
  scratch.reserve(value.size());
  DigestCredentials c;
  std::uint16_t seen = 0;
  while (true) {
    skip_lws(s);
    if (s.empty()) break;
    // Empty list elements ("a, , b") are skipped, as RFC 9110 §5.6.1 asks
    // of every recipient of a list.
    if (s.front() == ',') {
      s.remove_prefix(1);
      continue;
    }
    const std::string_view name = take_token(s);
    if (name.empty()) return fault("expected a parameter name at '" + excerpt(s) + "'");
    skip_lws(s);
    if (s.empty() || s.front() != '=') return fault("parameter '" + excerpt(name) + "' has no '='");
    s.remove_prefix(1);
    skip_lws(s);
    const Param p = identify(name);
    Result<std::string_view> v =
        take_value(s, p == Param::Unknown ? std::string_view("auth-param") : name_of(p), scratch);
    if (!v) return v.error();
    skip_lws(s);
    if (!s.empty() && s.front() != ',') return fault("expected ',' after '" + excerpt(name) + "'");
    if (p == Param::Unknown) continue;

    const auto bit = static_cast<std::uint16_t>(1U << static_cast<unsigned>(p));
    if ((seen & bit) != 0) return fault("duplicate '" + std::string(name_of(p)) + "'");
    seen |= bit;
    switch (p) {
      case Param::Username:
        c.username = *v;
        break;
      case Param::Realm:
        c.realm = *v;
        break;
      case Param::Nonce:
        c.nonce = *v;
        break;
      case Param::Uri:
        c.uri = *v;
        break;
      case Param::Response:
        c.response = *v;
        break;
      case Param::Algorithm: {
        Result<DigestAlgorithm> a = parse_algorithm(*v);
        if (!a) return a.error();
        c.algorithm = *a;
        break;
      }
      case Param::Cnonce:
        c.cnonce = *v;
        break;
      case Param::Qop:
        c.qop = *v;
        break;
      case Param::Nc:
        c.nc = *v;
        break;
      case Param::Opaque:
        c.opaque = *v;
        break;
      case Param::Unknown:
        break;
    }
  }
  if (Result<void> r = check_complete(c, seen); !r) return r.error();
  return c;
}

std::string format_challenge(const DigestChallenge& challenge) {
  std::string out;
  out.reserve(96 + challenge.realm.size() + challenge.nonce.size() + challenge.opaque.size());
  out += kScheme;
  out += " realm=";
  append_quoted(out, challenge.realm);
  out += ", nonce=";
  append_quoted(out, challenge.nonce);
  // RFC 7616 §3.3: algorithm is a token; qop-options a quoted list.
  out += ", algorithm=";
  out += algorithm_name(challenge.algorithm);
  out += ", qop=\"auth\"";
  if (!challenge.opaque.empty()) {
    out += ", opaque=";
    append_quoted(out, challenge.opaque);
  }
  if (challenge.stale) out += ", stale=TRUE";
  return out;
}

std::array<std::string, 2> registrar_challenges(std::string_view realm, std::string_view nonce,
                                                std::string_view opaque, bool stale) {
  return {format_challenge({realm, nonce, DigestAlgorithm::Sha256, opaque, stale}),
          format_challenge({realm, nonce, DigestAlgorithm::Md5, opaque, stale})};
}

}  // namespace cvw::sip::auth
