#include "sdp/session.hpp"

#include <algorithm>
#include <array>
#include <boost/container/small_vector.hpp>
#include <charconv>
#include <concepts>
#include <utility>

namespace cvw::sdp {
namespace {

// ---------------------------------------------------------------------------
// Errors. Messages may end up in a SIP reason phrase and a log line, so the
// bits of input they quote are cut short and reduced to printable ASCII.

std::string quoted(std::string_view text) {
  constexpr std::size_t kMax = 40;
  std::string out = "\"";
  for (std::size_t i = 0; i < text.size() && i < kMax; ++i) {
    const char c = text[i];
    out += (c >= 0x20 && c < 0x7f) ? c : '?';
  }
  if (text.size() > kMax) out += "...";
  out += '"';
  return out;
}

Error line_error(std::size_t line, char type, std::string_view what) {
  std::string message = "SDP line " + std::to_string(line);
  if (type != 0) {
    message += " (";
    message += type;
    message += "=)";
  }
  message += ": ";
  message += what;
  return bad_request(std::move(message));
}

// ---------------------------------------------------------------------------
// Lexing

// Splits a body into lines at LF, dropping a CR right before the LF (or at
// the very end). Any other CR is left in the line for the caller to refuse.
class LineReader {
 public:
  explicit LineReader(std::string_view text) : rest_(text) {}

  bool next(std::string_view& line) {
    if (rest_.empty()) return false;
    const std::size_t lf = rest_.find('\n');
    line = rest_.substr(0, lf);
    rest_ = lf == std::string_view::npos ? std::string_view{} : rest_.substr(lf + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    ++number_;
    return true;
  }
  std::size_t number() const { return number_; }
  // Bodies often end with an extra blank line; only line ends may follow.
  bool only_blank_lines_left() const {
    return rest_.find_first_not_of("\r\n") == std::string_view::npos;
  }

 private:
  std::string_view rest_;
  std::size_t number_ = 0;
};

// Digits only: no sign, no spaces, no hex; must fit T.
template <std::unsigned_integral T>
std::optional<T> parse_uint(std::string_view text) {
  if (text.empty() ||
      !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  T value{};
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// Fields of a structured line, separated by one or more spaces.
// Every SDP line with fields has a handful (o= has six, m= a few plus its
// formats): on the stack, a line costs no allocation to split.
using Fields = boost::container::small_vector<std::string_view, 12>;

Fields split_fields(std::string_view text) {
  Fields fields;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t start = text.find_first_not_of(' ', pos);
    if (start == std::string_view::npos) break;
    const std::size_t end = std::min(text.find(' ', start), text.size());
    fields.push_back(text.substr(start, end - start));
    pos = end;
  }
  return fields;
}

std::string to_decimal(std::uint64_t value) {
  std::array<char, 24> buf{};
  const auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), value);
  (void)ec;  // 24 bytes always hold a uint64
  return std::string(buf.data(), end);
}

// ---------------------------------------------------------------------------
// Field parsers. Each returns a plain message; the Parser adds the line.

using FieldResult = std::optional<std::string>;  // an error message, or nullopt

FieldResult parse_origin(std::string_view value, Origin& out) {
  const auto f = split_fields(value);
  if (f.size() != 6) {
    return "o= needs 6 fields (username sess-id sess-version nettype addrtype address), got " +
           std::to_string(f.size());
  }
  const auto id = parse_uint<std::uint64_t>(f[1]);
  if (!id) return "o= session id " + quoted(f[1]) + " is not a 64-bit number";
  const auto version = parse_uint<std::uint64_t>(f[2]);
  if (!version) return "o= session version " + quoted(f[2]) + " is not a 64-bit number";
  out = Origin{std::string(f[0]), *id, *version, std::string(f[3]), std::string(f[4]),
               std::string(f[5])};
  return std::nullopt;
}

FieldResult parse_connection(std::string_view value, Connection& out) {
  const auto f = split_fields(value);
  if (f.size() != 3) {
    return "c= needs 3 fields (nettype addrtype address), got " + std::to_string(f.size());
  }
  out = Connection{std::string(f[0]), std::string(f[1]), std::string(f[2])};
  return std::nullopt;
}

FieldResult parse_bandwidth(std::string_view value, Bandwidth& out) {
  const std::size_t colon = value.find(':');
  if (colon == std::string_view::npos || colon == 0) {
    return "b= must be <type>:<bandwidth>, got " + quoted(value);
  }
  const auto number = parse_uint<std::uint64_t>(value.substr(colon + 1));
  if (!number) return "b= bandwidth " + quoted(value.substr(colon + 1)) + " is not a number";
  out = Bandwidth{std::string(value.substr(0, colon)), *number};
  return std::nullopt;
}

FieldResult parse_timing(std::string_view value, Timing& out) {
  const auto f = split_fields(value);
  if (f.size() != 2) return "t= needs 2 fields (start stop), got " + std::to_string(f.size());
  const auto start = parse_uint<std::uint64_t>(f[0]);
  const auto stop = parse_uint<std::uint64_t>(f[1]);
  if (!start || !stop) return "t= times " + quoted(value) + " are not numbers";
  out = Timing{*start, *stop, {}};
  return std::nullopt;
}

FieldResult parse_port(std::string_view text, Media& out) {
  const std::size_t slash = text.find('/');
  const auto port = parse_uint<std::uint16_t>(text.substr(0, slash));
  if (!port) return "m= port " + quoted(text.substr(0, slash)) + " is not a number in 0-65535";
  out.port = *port;
  if (slash == std::string_view::npos) return std::nullopt;
  const auto count = parse_uint<std::uint32_t>(text.substr(slash + 1));
  if (!count) return "m= port count " + quoted(text.substr(slash + 1)) + " is not a number";
  out.port_count = *count;
  return std::nullopt;
}

// m=<media> <port>[/<number of ports>] <proto> <fmt> ...
FieldResult parse_media_line(std::string_view value, Media& out) {
  const auto f = split_fields(value);
  if (f.size() < 3) {
    return "m= needs at least <media> <port> <proto>, got " + quoted(value);
  }
  out.type = std::string(f[0]);
  if (auto error = parse_port(f[1], out)) return error;
  out.proto = std::string(f[2]);
  out.formats.reserve(f.size() - 3);
  for (std::size_t i = 3; i < f.size(); ++i) out.formats.emplace_back(f[i]);
  // RFC 8866 §5.14 asks for at least one format. A rejected stream is let
  // off: several stacks write "m=video 0 RTP/AVP" and the formats of a
  // rejected stream mean nothing (RFC 3264 §6).
  if (out.formats.empty() && out.port != 0) return "m= line lists no formats";
  return std::nullopt;
}

FieldResult parse_attribute(std::string_view value, Attribute& out) {
  const std::size_t colon = value.find(':');
  const std::string_view name = value.substr(0, colon);
  if (name.empty()) return "a= line has no attribute name";
  out.name = std::string(name);
  if (colon == std::string_view::npos) {
    out.value.reset();
  } else {
    out.value = std::string(value.substr(colon + 1));
  }
  return std::nullopt;
}

// ---------------------------------------------------------------------------
// The line-by-line walk

bool known_session_type(char t) {
  return std::string_view("vosiuepcbtrzkam").find(t) != std::string_view::npos;
}

// Reads a body one line at a time into a Session. Which section it is in
// (the session, or the last m= line seen) decides what a type letter means.
class Parser {
 public:
  Parser() { session_.timings.clear(); }

  Result<void> line(std::size_t number, char type, std::string_view value) {
    number_ = number;
    type_ = type;
    if (type == 'm') return start_media(value);
    if (!known_session_type(type)) return unknown(type, value);
    return media_ == nullptr ? session_line(type, value) : media_line(type, value);
  }

  Result<Session> finish() &&;

 private:
  Error fail(std::string_view what) const { return line_error(number_, type_, what); }
  Result<void> check(const FieldResult& r) const {
    if (r) return fail(*r);
    return {};
  }
  Error duplicate() const { return fail("more than one such line in this section"); }

  Result<void> session_line(char type, std::string_view value);
  Result<void> media_line(char type, std::string_view value);
  Result<void> start_media(std::string_view value);
  Result<void> unknown(char type, std::string_view value);
  Result<void> optional_text(std::optional<std::string>& field, std::string_view value);
  Result<void> timing(std::string_view value);
  Result<void> repeat(std::string_view value);

  Session session_;
  Media* media_ = nullptr;  // the m= section being read, or null at session level
  bool have_origin_ = false;
  bool have_name_ = false;
  std::size_t number_ = 0;
  char type_ = 0;
};

Result<void> Parser::optional_text(std::optional<std::string>& field, std::string_view value) {
  if (field) return duplicate();
  field = std::string(value);
  return {};
}

Result<void> Parser::timing(std::string_view value) {
  Timing t;
  if (auto r = check(parse_timing(value, t)); !r) return r;
  session_.timings.push_back(std::move(t));
  return {};
}

Result<void> Parser::repeat(std::string_view value) {
  // RFC 8866 §5.10: r= lines belong to the t= line just before them.
  if (session_.timings.empty()) return fail("r= line before any t= line");
  session_.timings.back().repeats.emplace_back(value);
  return {};
}

Result<void> Parser::session_line(char type, std::string_view value) {
  switch (type) {
    case 'v':
      return fail("v= may only be the first line");
    case 'o':
      if (have_origin_) return duplicate();
      have_origin_ = true;
      return check(parse_origin(value, session_.origin));
    case 's':
      if (have_name_) return duplicate();
      have_name_ = true;
      session_.name = std::string(value);
      return {};
    case 'i':
      return optional_text(session_.information, value);
    case 'u':
      return optional_text(session_.uri, value);
    case 'e':
      session_.emails.emplace_back(value);
      return {};
    case 'p':
      session_.phones.emplace_back(value);
      return {};
    case 'c': {
      if (session_.connection) return duplicate();
      Connection c;
      if (auto r = check(parse_connection(value, c)); !r) return r;
      session_.connection = std::move(c);
      return {};
    }
    case 'b': {
      Bandwidth b;
      if (auto r = check(parse_bandwidth(value, b)); !r) return r;
      session_.bandwidths.push_back(std::move(b));
      return {};
    }
    case 't':
      return timing(value);
    case 'r':
      return repeat(value);
    case 'z':
      return optional_text(session_.time_zones, value);
    case 'k':
      return optional_text(session_.key, value);
    default: {  // 'a'
      Attribute a;
      if (auto r = check(parse_attribute(value, a)); !r) return r;
      session_.attributes.push_back(std::move(a));
      return {};
    }
  }
}

Result<void> Parser::media_line(char type, std::string_view value) {
  Media& m = *media_;
  switch (type) {
    case 'i':
      return optional_text(m.title, value);
    case 'c': {
      if (m.connection) return fail("more than one c= line in a media section is not supported");
      Connection c;
      if (auto r = check(parse_connection(value, c)); !r) return r;
      m.connection = std::move(c);
      return {};
    }
    case 'b': {
      Bandwidth b;
      if (auto r = check(parse_bandwidth(value, b)); !r) return r;
      m.bandwidths.push_back(std::move(b));
      return {};
    }
    case 'k':
      return optional_text(m.key, value);
    case 'a': {
      Attribute a;
      if (auto r = check(parse_attribute(value, a)); !r) return r;
      m.attributes.push_back(std::move(a));
      return {};
    }
    default:
      return fail("this line belongs in the session section, before the first m= line");
  }
}

Result<void> Parser::start_media(std::string_view value) {
  Media m;
  if (auto r = check(parse_media_line(value, m)); !r) return r;
  session_.media.push_back(std::move(m));
  media_ = &session_.media.back();
  return {};
}

Result<void> Parser::unknown(char type, std::string_view value) {
  auto& attributes = media_ ? media_->attributes : session_.attributes;
  auto& lines = media_ ? media_->unknown_lines : session_.unknown_lines;
  lines.push_back(UnknownLine{type, std::string(value), attributes.size()});
  return {};
}

Result<Session> Parser::finish() && {
  if (!have_origin_) return bad_request("SDP has no o= line");
  if (!have_name_) return bad_request("SDP has no s= line");
  if (session_.timings.empty()) return bad_request("SDP has no t= line");
  // RFC 8866 §5.7: "A session description MUST contain either at least one
  // "c=" field in each media description or a single "c=" field at the
  // session level." A rejected stream has nowhere to send, so it is let off.
  for (std::size_t i = 0; i < session_.media.size(); ++i) {
    const Media& m = session_.media[i];
    if (!m.is_rejected() && !m.connection && !session_.connection) {
      return bad_request("SDP media section " + std::to_string(i + 1) + " (m=" + m.type +
                         ") has no c= line and there is no session c= line");
    }
  }
  return std::move(session_);
}

// "x=value": one type letter, then '='.
bool split_line(std::string_view line, char& type, std::string_view& value) {
  if (line.size() < 2 || line[1] != '=') return false;
  const char t = line[0];
  if (!((t >= 'a' && t <= 'z') || (t >= 'A' && t <= 'Z'))) return false;
  type = t;
  value = line.substr(2);
  return true;
}

Result<void> check_characters(std::size_t number, std::string_view line) {
  if (line.find('\r') != std::string_view::npos) {
    return line_error(number, 0, "CR inside a line (line ends must be CRLF or LF)");
  }
  if (line.find('\0') != std::string_view::npos) return line_error(number, 0, "NUL byte");
  return {};
}

// RFC 8866 §5.1: the description starts with "v=0".
Result<void> check_version(LineReader& reader) {
  std::string_view first;
  if (!reader.next(first) || first.empty()) return bad_request("SDP is empty");
  if (first.substr(0, 2) != "v=") {
    return bad_request("SDP does not start with a v= line (got " + quoted(first) + ")");
  }
  if (first != "v=0") return bad_request("SDP version " + quoted(first.substr(2)) + " is not 0");
  return {};
}

// ---------------------------------------------------------------------------
// Serializing

void put_line(std::string& out, char type, std::string_view value) {
  out += type;
  out += '=';
  out += value;
  out += "\r\n";
}

void put_connection(std::string& out, const Connection& c) {
  out += "c=";
  out += c.net_type;
  out += ' ';
  out += c.address_type;
  out += ' ';
  out += c.address;
  out += "\r\n";
}

void put_bandwidths(std::string& out, const std::vector<Bandwidth>& bandwidths) {
  for (const auto& b : bandwidths) {
    out += "b=";
    out += b.type;
    out += ':';
    out += to_decimal(b.value);
    out += "\r\n";
  }
}

void put_attribute(std::string& out, const Attribute& a) {
  out += "a=";
  out += a.name;
  if (a.value) {
    out += ':';
    out += *a.value;
  }
  out += "\r\n";
}

// Attributes with the unknown lines put back where they were read.
void put_attributes(std::string& out, const std::vector<Attribute>& attributes,
                    const std::vector<UnknownLine>& unknown) {
  // A caller may have edited the lists, so positions are clamped and taken
  // in order rather than trusted to be sorted.
  std::vector<const UnknownLine*> pending;
  pending.reserve(unknown.size());
  for (const auto& u : unknown) pending.push_back(&u);
  std::stable_sort(pending.begin(), pending.end(),
                   [](const auto* a, const auto* b) { return a->position < b->position; });
  auto next = pending.begin();
  for (std::size_t i = 0; i <= attributes.size(); ++i) {
    for (; next != pending.end() && ((*next)->position <= i || i == attributes.size()); ++next) {
      put_line(out, (*next)->type, (*next)->value);
    }
    if (i < attributes.size()) put_attribute(out, attributes[i]);
  }
}

void put_origin(std::string& out, const Origin& o) {
  out += "o=";
  out += o.username;
  out += ' ';
  out += to_decimal(o.session_id);
  out += ' ';
  out += to_decimal(o.session_version);
  out += ' ';
  out += o.net_type;
  out += ' ';
  out += o.address_type;
  out += ' ';
  out += o.address;
  out += "\r\n";
}

void put_timings(std::string& out, const std::vector<Timing>& timings) {
  for (const auto& t : timings) {
    out += "t=";
    out += to_decimal(t.start);
    out += ' ';
    out += to_decimal(t.stop);
    out += "\r\n";
    for (const auto& r : t.repeats) put_line(out, 'r', r);
  }
}

void put_media(std::string& out, const Media& m) {
  out += "m=";
  out += m.type;
  out += ' ';
  out += to_decimal(m.port);
  if (m.port_count) {
    out += '/';
    out += to_decimal(*m.port_count);
  }
  out += ' ';
  out += m.proto;
  for (const auto& f : m.formats) {
    out += ' ';
    out += f;
  }
  out += "\r\n";
  if (m.title) put_line(out, 'i', *m.title);
  if (m.connection) put_connection(out, *m.connection);
  put_bandwidths(out, m.bandwidths);
  if (m.key) put_line(out, 'k', *m.key);
  put_attributes(out, m.attributes, m.unknown_lines);
}

char lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

}  // namespace

// ---------------------------------------------------------------------------
// Public: parse / serialize

Result<Session> parse(std::string_view text) {
  LineReader reader(text);
  if (auto r = check_version(reader); !r) return r.error();
  Parser parser;
  std::string_view line;
  while (reader.next(line)) {
    const std::size_t number = reader.number();
    if (line.empty()) {
      if (reader.only_blank_lines_left()) break;
      return line_error(number, 0, "empty line inside the description");
    }
    if (auto r = check_characters(number, line); !r) return r.error();
    char type = 0;
    std::string_view value;
    if (!split_line(line, type, value)) {
      return line_error(number, 0, "not of the form <letter>=<value>: " + quoted(line));
    }
    if (auto r = parser.line(number, type, value); !r) return r.error();
  }
  return std::move(parser).finish();
}

std::string serialize(const Session& s) {
  std::string out;
  out.reserve(256 + 64 * (s.attributes.size() + s.media.size() * 8));
  put_line(out, 'v', to_decimal(static_cast<std::uint64_t>(s.version)));
  put_origin(out, s.origin);
  put_line(out, 's', s.name);
  if (s.information) put_line(out, 'i', *s.information);
  if (s.uri) put_line(out, 'u', *s.uri);
  for (const auto& e : s.emails) put_line(out, 'e', e);
  for (const auto& p : s.phones) put_line(out, 'p', p);
  if (s.connection) put_connection(out, *s.connection);
  put_bandwidths(out, s.bandwidths);
  put_timings(out, s.timings);
  if (s.time_zones) put_line(out, 'z', *s.time_zones);
  if (s.key) put_line(out, 'k', *s.key);
  put_attributes(out, s.attributes, s.unknown_lines);
  for (const auto& m : s.media) put_media(out, m);
  return out;
}

bool has_unknown_lines(const Session& session) {
  return !session.unknown_lines.empty() ||
         std::any_of(session.media.begin(), session.media.end(),
                     [](const Media& m) { return !m.unknown_lines.empty(); });
}

// ---------------------------------------------------------------------------
// Public: connection, attributes

Connection Connection::for_address(std::string address) {
  const bool v6 = address.find(':') != std::string::npos;
  return Connection{"IN", v6 ? "IP6" : "IP4", std::move(address)};
}

bool Connection::is_unspecified() const {
  // Compare the address part only: a multicast "/ttl" suffix is not ours.
  const std::string_view host = std::string_view(address).substr(0, address.find('/'));
  return host == "0.0.0.0" || host == "::";
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [](char x, char y) { return lower(x) == lower(y); });
}

const Attribute* find_attribute(std::span<const Attribute> attributes, std::string_view name) {
  for (const auto& a : attributes) {
    if (iequals(a.name, name)) return &a;
  }
  return nullptr;
}

const Attribute* Media::find_attribute(std::string_view name) const {
  return sdp::find_attribute(attributes, name);
}

const Attribute* Session::find_attribute(std::string_view attribute_name) const {
  return sdp::find_attribute(attributes, attribute_name);
}

// ---------------------------------------------------------------------------
// Public: payload types

std::uint32_t RtpMap::channels() const {
  if (!parameters) return 1;
  return parse_uint<std::uint32_t>(*parameters).value_or(1);
}

std::optional<std::uint8_t> payload_type_of(std::string_view format) {
  const auto pt = parse_uint<std::uint8_t>(format);
  if (!pt || *pt > 127) return std::nullopt;
  return pt;
}

Result<RtpMap> parse_rtpmap(std::string_view value) {
  const std::size_t space = value.find(' ');
  const auto pt = payload_type_of(value.substr(0, space));
  if (space == std::string_view::npos || !pt) {
    return bad_request("a=rtpmap " + quoted(value) + " does not start with a payload type");
  }
  const std::string_view rest = value.substr(space + 1);
  const std::size_t slash = rest.find('/');
  if (slash == 0 || slash == std::string_view::npos) {
    return bad_request("a=rtpmap " + quoted(value) + " is not <encoding>/<clock rate>");
  }
  const std::string_view after = rest.substr(slash + 1);
  const std::size_t slash2 = after.find('/');
  const auto rate = parse_uint<std::uint32_t>(after.substr(0, slash2));
  if (!rate) return bad_request("a=rtpmap " + quoted(value) + " has no numeric clock rate");
  RtpMap map{*pt, std::string(rest.substr(0, slash)), *rate, std::nullopt};
  if (slash2 != std::string_view::npos) map.parameters = std::string(after.substr(slash2 + 1));
  return map;
}

std::optional<RtpMap> static_rtpmap(std::uint8_t pt) {
  // RFC 3551 §6, Tables 4 and 5 (the audio and video types still in use).
  struct Entry {
    std::uint8_t pt;
    std::string_view encoding;
    std::uint32_t rate;
  };
  static constexpr std::array<Entry, 20> kTable = {{
      {0, "PCMU", 8000},  {3, "GSM", 8000},    {4, "G723", 8000},   {5, "DVI4", 8000},
      {6, "DVI4", 16000}, {7, "LPC", 8000},    {8, "PCMA", 8000},   {9, "G722", 8000},
      {10, "L16", 44100}, {11, "L16", 44100},  {12, "QCELP", 8000}, {13, "CN", 8000},
      {14, "MPA", 90000}, {15, "G728", 8000},  {16, "DVI4", 11025}, {17, "DVI4", 22050},
      {18, "G729", 8000}, {26, "JPEG", 90000}, {31, "H261", 90000}, {34, "H263", 90000},
  }};
  for (const auto& e : kTable) {
    if (e.pt != pt) continue;
    RtpMap map{pt, std::string(e.encoding), e.rate, std::nullopt};
    if (pt == 10) map.parameters = "2";  // L16 stereo
    return map;
  }
  return std::nullopt;
}

std::optional<RtpMap> find_rtpmap(const Media& media, std::uint8_t pt) {
  for (const auto& a : media.attributes) {
    if (!a.value || !iequals(a.name, "rtpmap")) continue;
    auto map = parse_rtpmap(*a.value);
    if (map && map->payload_type == pt) return std::move(map).value();
  }
  // RFC 8866 §6.6: static payload types may go without a=rtpmap.
  return static_rtpmap(pt);
}

std::optional<std::string_view> find_fmtp(const Media& media, std::uint8_t pt) {
  for (const auto& a : media.attributes) {
    if (!a.value || !iequals(a.name, "fmtp")) continue;
    const std::string_view v = *a.value;
    const std::size_t space = v.find(' ');
    if (payload_type_of(v.substr(0, space)) != pt) continue;
    if (space == std::string_view::npos) return std::string_view{};
    const std::size_t start = v.find_first_not_of(' ', space);
    return start == std::string_view::npos ? std::string_view{} : v.substr(start);
  }
  return std::nullopt;
}

std::optional<std::uint8_t> telephone_event_payload_type(const Media& media) {
  for (const auto& f : media.formats) {
    const auto pt = payload_type_of(f);
    if (!pt) continue;
    const auto map = find_rtpmap(media, *pt);
    if (map && iequals(map->encoding, "telephone-event")) return pt;
  }
  return std::nullopt;
}

// ---------------------------------------------------------------------------
// Public: direction

namespace {
constexpr std::array<std::string_view, 4> kDirectionNames = {"sendrecv", "sendonly", "recvonly",
                                                             "inactive"};
}  // namespace

std::string_view direction_name(Direction d) {
  return kDirectionNames[static_cast<std::size_t>(d)];
}

std::optional<Direction> direction_from_name(std::string_view name) {
  for (std::size_t i = 0; i < kDirectionNames.size(); ++i) {
    if (iequals(kDirectionNames[i], name)) return static_cast<Direction>(i);
  }
  return std::nullopt;
}

std::optional<Direction> find_direction(std::span<const Attribute> attributes) {
  for (const auto& a : attributes) {
    if (a.value) continue;  // direction attributes are properties: no value
    if (auto d = direction_from_name(a.name)) return d;
  }
  return std::nullopt;
}

Direction effective_direction(const Session& session, const Media& media) {
  if (auto d = find_direction(media.attributes)) return *d;
  if (auto d = find_direction(session.attributes)) return *d;
  return Direction::SendRecv;
}

namespace {
bool is_direction_attribute(const Attribute& a) {
  return !a.value && direction_from_name(a.name).has_value();
}

// Removes the attributes `drop(index, attribute)` picks, keeping each
// unknown line where it was relative to the attributes that stay.
template <typename Drop>
void erase_attributes(std::vector<Attribute>& attributes, std::vector<UnknownLine>& unknown,
                      Drop drop) {
  const std::size_t n = attributes.size();
  std::vector<std::size_t> new_index(n + 1);
  std::vector<Attribute> kept;
  kept.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    new_index[i] = kept.size();
    if (!drop(i, attributes[i])) kept.push_back(std::move(attributes[i]));
  }
  new_index[n] = kept.size();
  for (auto& u : unknown) u.position = new_index[std::min(u.position, n)];
  attributes = std::move(kept);
}
}  // namespace

void set_direction(Media& media, Direction d) {
  auto& attrs = media.attributes;
  const auto first = std::find_if(attrs.begin(), attrs.end(), is_direction_attribute);
  if (first == attrs.end()) {
    attrs.push_back(Attribute{std::string(direction_name(d)), std::nullopt});
    return;
  }
  first->name = std::string(direction_name(d));
  // A second direction attribute would contradict the first; drop any.
  const auto keep = static_cast<std::size_t>(first - attrs.begin());
  erase_attributes(attrs, media.unknown_lines, [keep](std::size_t i, const Attribute& a) {
    return i != keep && is_direction_attribute(a);
  });
}

void clear_session_direction(Session& session) {
  erase_attributes(session.attributes, session.unknown_lines,
                   [](std::size_t, const Attribute& a) { return is_direction_attribute(a); });
}

bool sends(Direction d) {
  return d == Direction::SendRecv || d == Direction::SendOnly;
}
bool receives(Direction d) {
  return d == Direction::SendRecv || d == Direction::RecvOnly;
}

Direction make_direction(bool send, bool receive) {
  if (send && receive) return Direction::SendRecv;
  if (send) return Direction::SendOnly;
  if (receive) return Direction::RecvOnly;
  return Direction::Inactive;
}

Direction reverse(Direction d) {
  return make_direction(receives(d), sends(d));
}

// ---------------------------------------------------------------------------
// Public: addresses, hold, comparison

const Connection* effective_connection(const Session& session, const Media& media) {
  if (media.connection) return &*media.connection;
  if (session.connection) return &*session.connection;
  return nullptr;
}

Hold hold_state(const Session& session, const Media& media) {
  if (media.is_rejected()) return Hold::None;
  // RFC 3264 §8.4: "If the stream to be placed on hold was previously a
  // sendrecv media stream, it is placed on hold by marking it as sendonly.
  // If the stream to be placed on hold was previously a recvonly media
  // stream, it is placed on hold by marking it inactive."
  switch (effective_direction(session, media)) {
    case Direction::SendOnly:
      return Hold::SendOnly;
    case Direction::Inactive:
      return Hold::Inactive;
    default:
      break;
  }
  // RFC 3264 §8.4: "RFC 2543 specified that placing a user on hold was
  // accomplished by setting the connection address to 0.0.0.0 ... An agent
  // MUST be capable of receiving SDP with a connection address of 0.0.0.0".
  const Connection* c = effective_connection(session, media);
  if (c != nullptr && c->is_unspecified()) return Hold::ZeroAddress;
  return Hold::None;
}

bool is_held(const Session& session) {
  bool any_active = false;
  for (const auto& m : session.media) {
    if (m.is_rejected()) continue;
    any_active = true;
    if (hold_state(session, m) == Hold::None) return false;
  }
  return any_active;
}

bool same_media(const Session& a, const Session& b) {
  // Everything but the version, without copying either session. Keep this
  // list in step with the fields of Session.
  const Origin& x = a.origin;
  const Origin& y = b.origin;
  const bool same_origin = x.username == y.username && x.session_id == y.session_id &&
                           x.net_type == y.net_type && x.address_type == y.address_type &&
                           x.address == y.address;
  return same_origin && a.version == b.version && a.name == b.name &&
         a.information == b.information && a.uri == b.uri && a.emails == b.emails &&
         a.phones == b.phones && a.connection == b.connection && a.bandwidths == b.bandwidths &&
         a.timings == b.timings && a.time_zones == b.time_zones && a.key == b.key &&
         a.attributes == b.attributes && a.unknown_lines == b.unknown_lines && a.media == b.media;
}

}  // namespace cvw::sdp
