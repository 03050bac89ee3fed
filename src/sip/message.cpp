#include "sip/message.hpp"

#include <algorithm>
#include <charconv>
#include <cstring>

#include "sip/charset.hpp"
#include "sip/header_values.hpp"

namespace cvw::sip {
namespace {

constexpr std::size_t kFirstArenaChunk = 256;
constexpr std::size_t kArenaChunk = 1024;
// Built once: a temporary CharSet fills its 256-entry table on every call.
constexpr CharSet kBlank{" \t"};
constexpr CharSet kLineBreak{"\r\n"};

bool is_ws(char c) { return c == ' ' || c == '\t'; }

std::string_view trim(std::string_view s) { return detail::trim_lws(s); }

bool iequal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x + 32);
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y + 32);
    if (x != y) return false;
  }
  return true;
}

// RFC 3261 §7.1: SIP-Version is case-insensitive ("SIP/2.0").
bool is_sip_2_0(std::string_view v) { return iequal(v, "SIP/2.0"); }
bool looks_like_version(std::string_view v) { return v.size() >= 4 && iequal(v.substr(0, 4), "SIP/"); }

}  // namespace

// The parser is a friend class so it can fill a Message without a public
// mutable-view API; it is the only code that builds views into wire_.
class MessageParser {
 public:
  MessageParser(Message& m, const char* data, std::size_t size, Framing framing,
                const ParseLimits& limits)
      : m_(m), data_(data), size_(size), framing_(framing), limits_(limits) {}

  Result<void> run() {
    std::size_t pos = 0;
    const std::string_view start_line = next_line(pos);
    if (pos == size_ && start_line.size() == size_) return Error{0, "no end of start line"};
    if (Result<void> r = parse_start_line(start_line); !r) return r;
    if (Result<void> r = parse_headers(pos); !r) return r;
    frame_body(pos);
    if (m_.is_response() && m_.defect_) return Error{0, m_.defect_->message};
    return {};
  }

 private:
  // Returns the line starting at `pos` without its CRLF (or bare LF) and moves
  // `pos` past the line end; at the end of the data the line is the rest.
  std::string_view next_line(std::size_t& pos) {
    const void* nl = std::memchr(data_ + pos, '\n', size_ - pos);
    const std::size_t end = nl ? static_cast<std::size_t>(static_cast<const char*>(nl) - data_) : size_;
    std::size_t len = end - pos;
    if (len > 0 && data_[pos + len - 1] == '\r') --len;
    std::string_view line(data_ + pos, len);
    pos = nl ? end + 1 : size_;
    return line;
  }

  void defect(int status, std::string message) {
    if (!m_.defect_) m_.defect_ = Error{status, std::move(message)};
  }

  Result<void> parse_start_line(std::string_view line) {
    if (looks_like_version(line)) return parse_status_line(line);
    return parse_request_line(line);
  }

  // RFC 3261 §25.1: Request-Line = Method SP Request-URI SP SIP-Version CRLF.
  // Extra or trailing SPs (RFC 4475 §3.1.2.9, §3.1.2.10) and LWS inside the
  // Request-URI (§3.1.2.8) are defects: answered with 400, never forwarded.
  Result<void> parse_request_line(std::string_view line) {
    const std::size_t sp = line.find(' ');
    if (sp == std::string_view::npos || sp == 0) return Error{0, "not a SIP request line"};
    const std::string_view method = line.substr(0, sp);
    if (!is_token(method)) return Error{0, "request method is not a token"};
    std::string_view rest = line.substr(sp + 1);
    if (!rest.empty() && rest.back() == ' ') defect(400, "trailing SP in request line");
    if (!rest.empty() && rest.front() == ' ') defect(400, "more than one SP in request line");
    rest = trim(rest);
    const std::size_t last_sp = rest.rfind(' ');
    if (last_sp == std::string_view::npos) return Error{0, "request line has no SIP version"};
    const std::string_view version = rest.substr(last_sp + 1);
    std::string_view uri = rest.substr(0, last_sp);
    if (!uri.empty() && uri.back() == ' ') defect(400, "more than one SP in request line");
    uri = trim(uri);
    if (!looks_like_version(version)) return Error{0, "request line has no SIP version"};
    if (!is_sip_2_0(version)) defect(505, "SIP version not supported");
    if (uri.empty()) return Error{0, "empty Request-URI"};
    if (find_first(uri, kBlank) != std::string_view::npos) defect(400, "whitespace in Request-URI");
    if (uri.front() == '<') defect(400, "Request-URI enclosed in <>");
    m_.method_name_ = method;
    m_.method_ = method_from_name(method);
    m_.request_uri_ = uri;
    return {};
  }

  // Status-Line = SIP-Version SP Status-Code SP Reason-Phrase CRLF, where
  // Status-Code is exactly 3 digits (RFC 4475 §3.1.2.19: 4294967301 is not one).
  Result<void> parse_status_line(std::string_view line) {
    if (line.size() < 11 || line[7] != ' ' || !is_sip_2_0(line.substr(0, 7))) {
      return Error{0, "malformed status line"};
    }
    const std::string_view code = line.substr(8, 3);
    if (!std::all_of(code.begin(), code.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
        (line.size() > 11 && line[11] != ' ')) {
      return Error{0, "status code is not 3 digits"};
    }
    const int status = (code[0] - '0') * 100 + (code[1] - '0') * 10 + (code[2] - '0');
    if (status < 100) return Error{0, "status code below 100"};
    m_.status_ = status;
    m_.reason_ = line.size() > 12 ? line.substr(12) : std::string_view{};
    return {};
  }

  // One pass per header line: the name is scanned with the token table up to
  // the colon, the value runs to the line end found by memchr, and a next
  // line starting with SP/HT continues it (RFC 3261 §7.3.1 folding).
  Result<void> parse_headers(std::size_t& pos) {
    const char* p = data_ + pos;
    const char* const end = data_ + size_;
    while (p < end) {
      if (*p == '\r' || *p == '\n') {
        p += (*p == '\r' && p + 1 < end && p[1] == '\n') ? 2 : 1;
        headers_ended_ = true;
        break;
      }
      const char* const name_begin = p;
      while (p < end && charset::is(*p, charset::kToken)) ++p;
      const char* const name_end = p;
      while (p < end && is_ws(*p)) ++p;
      if (p == end || *p != ':') {
        return Error{0, name_end == name_begin && name_begin < end && is_ws(*name_begin)
                            ? "continuation line before any header"
                            : (name_end == name_begin ? "malformed header name" : "header line without ':'")};
      }
      if (name_end == name_begin) return Error{0, "malformed header name"};
      const char* const value_begin = ++p;
      const char* value_end = value_begin;
      bool folded = false;
      while (true) {
        const void* nl = std::memchr(p, '\n', static_cast<std::size_t>(end - p));
        const char* const line_end = nl ? static_cast<const char*>(nl) : end;
        value_end = (line_end > value_begin && line_end[-1] == '\r') ? line_end - 1 : line_end;
        p = nl ? line_end + 1 : end;
        if (p < end && is_ws(*p)) {
          folded = true;
          continue;
        }
        break;
      }
      if (Result<void> r = add_header(static_cast<std::size_t>(name_begin - data_), static_cast<std::size_t>(name_end - data_),
                                      static_cast<std::size_t>(value_begin - data_), static_cast<std::size_t>(value_end - data_),
                                      folded);
          !r) {
        return r;
      }
    }
    pos = static_cast<std::size_t>(p - data_);
    return {};
  }

  Result<void> add_header(std::size_t nb, std::size_t ne, std::size_t vb, std::size_t ve,
                          bool folded) {
    if (m_.headers_.size() >= limits_.max_headers) return Error{0, "too many header lines"};
    const std::string_view name(data_ + nb, ne - nb);
    std::string_view value(data_ + vb, ve - vb);
    if (folded) value = unfold(value);
    value = trim(value);
    const HeaderId id = header_id(name);
    m_.headers_.push_back(HeaderField{id, name, value});
    if (id == HeaderId::ContentLength) note_content_length(value);
    return {};
  }

  // Joins folded lines: every CRLF (or LF) followed by whitespace, together
  // with whitespace around it, becomes one SP. Folding is rare, so the copy
  // into the arena costs nothing on the common path.
  std::string_view unfold(std::string_view v) {
    std::string joined;
    joined.reserve(v.size());
    for (std::size_t i = 0; i < v.size(); ++i) {
      const char c = v[i];
      if (c == '\r' || c == '\n') {
        while (!joined.empty() && is_ws(joined.back())) joined.pop_back();
        while (i + 1 < v.size() && (v[i + 1] == '\r' || v[i + 1] == '\n' || is_ws(v[i + 1]))) ++i;
        joined.push_back(' ');
      } else {
        joined.push_back(c);
      }
    }
    return m_.store(joined);
  }

  // RFC 3261 §20.14 Content-Length = 1*DIGIT. Negative (RFC 4475 §3.1.2.3),
  // non-numeric and conflicting values (§3.3.9) make the body unframeable.
  void note_content_length(std::string_view v) {
    std::uint64_t n = 0;
    const auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (v.empty() || ec != std::errc{} || ptr != v.data() + v.size() || v.front() == '-' ||
        v.front() == '+') {
      defect(400, "invalid Content-Length");
      return;
    }
    if (content_length_ && *content_length_ != n) defect(400, "conflicting Content-Length values");
    content_length_ = n;
  }

  // RFC 3261 §18.3: over UDP a missing Content-Length means the body runs to
  // the end of the datagram; octets beyond Content-Length are ignored; a
  // Content-Length larger than what arrived is an error.
  void frame_body(std::size_t pos) {
    const std::size_t available = headers_ended_ ? size_ - pos : 0;
    const char* body = data_ + std::min(pos, size_);
    if (!content_length_) {
      m_.body_ = std::string_view(body, available);
      return;
    }
    if (*content_length_ > available) {
      defect(400, "Content-Length larger than the message");
      m_.body_ = std::string_view(body, available);
      return;
    }
    m_.body_ = std::string_view(body, static_cast<std::size_t>(*content_length_));
  }

  Message& m_;
  const char* data_;
  std::size_t size_;
  [[maybe_unused]] Framing framing_;
  const ParseLimits& limits_;
  std::optional<std::uint64_t> content_length_;
  bool headers_ended_ = false;
};

Result<Message> Message::parse(std::string_view bytes, Framing framing, const ParseLimits& limits) {
  // RFC 3261 §7.5: CRLFs before the start line are ignored.
  while (!bytes.empty() && (bytes.front() == '\r' || bytes.front() == '\n')) bytes.remove_prefix(1);
  if (bytes.empty()) return Error{0, "empty message"};
  if (bytes.size() > limits.max_message_size) return Error{0, "message larger than the limit"};
  Message m;
  m.wire_ = std::make_unique_for_overwrite<char[]>(bytes.size());
  m.wire_size_ = bytes.size();
  std::memcpy(m.wire_.get(), bytes.data(), bytes.size());
  MessageParser parser(m, m.wire_.get(), bytes.size(), framing, limits);
  if (Result<void> r = parser.run(); !r) return r.error();
  return m;
}

Message Message::request(Method method, std::string_view request_uri) {
  Message m;
  m.method_ = method;
  m.method_name_ = sip::method_name(method);
  m.request_uri_ = m.store(request_uri);
  return m;
}

Message Message::request(std::string_view name, std::string_view request_uri) {
  Message m;
  m.method_ = method_from_name(name);
  m.method_name_ = m.store(name);
  m.request_uri_ = m.store(request_uri);
  return m;
}

Message Message::response(int status, std::string_view reason) {
  Message m;
  m.set_status(status, reason);
  return m;
}

void Message::set_status(int status, std::string_view reason) {
  if (status < 100 || status > 699) status = 500;
  status_ = status;
  reason_ = reason.empty() ? default_reason(status) : store(reason);
}

Message Message::clone() const {
  // Copy the received bytes once and re-point every view that points into
  // them; views into the arena (or static names) are stored anew.
  Message copy;
  if (wire_) {
    copy.wire_ = std::make_unique_for_overwrite<char[]>(wire_size_);
    std::memcpy(copy.wire_.get(), wire_.get(), wire_size_);
    copy.wire_size_ = wire_size_;
  }
  const char* begin = wire_.get();
  const char* end = begin + wire_size_;
  auto rebase = [&](std::string_view v) -> std::string_view {
    if (v.empty()) return {};
    if (begin != nullptr && v.data() >= begin && v.data() + v.size() <= end) {
      return {copy.wire_.get() + (v.data() - begin), v.size()};
    }
    return copy.store(v);
  };
  copy.method_ = method_;
  copy.status_ = status_;
  copy.method_name_ = rebase(method_name_);
  copy.request_uri_ = rebase(request_uri_);
  copy.reason_ = rebase(reason_);
  for (const HeaderField& h : headers_) copy.headers_.push_back(HeaderField{h.id, rebase(h.name), rebase(h.value)});
  copy.body_ = rebase(body_);
  copy.defect_ = defect_;
  return copy;
}

std::string_view Message::store(std::string_view s) {
  if (s.empty()) return {};
  if (s.size() > arena_free_) {
    // The first chunk is small: a parsed message usually gets one or two
    // values (a stamped Via); messages we build fill bigger ones.
    const std::size_t chunk = std::max(arena_.empty() ? kFirstArenaChunk : kArenaChunk, s.size());
    arena_.push_back(std::make_unique_for_overwrite<char[]>(chunk));
    arena_next_ = arena_.back().get();
    arena_free_ = chunk;
  }
  char* dst = arena_next_;
  std::memcpy(dst, s.data(), s.size());
  arena_next_ += s.size();
  arena_free_ -= s.size();
  return {dst, s.size()};
}

std::string_view Message::store_value(std::string_view s) {
  if (find_first(s, kLineBreak) == std::string_view::npos) return store(s);
  std::string clean(s);
  for (char& c : clean) {
    if (c == '\r' || c == '\n') c = ' ';
  }
  return store(clean);
}

const HeaderField* Message::find(HeaderId id) const {
  for (const HeaderField& h : headers_) {
    if (h.id == id) return &h;
  }
  return nullptr;
}

const HeaderField* Message::find(std::string_view name) const {
  const HeaderId id = header_id(name);
  if (id != HeaderId::Other) return find(id);
  for (const HeaderField& h : headers_) {
    if (h.id == HeaderId::Other && iequal(h.name, name)) return &h;
  }
  return nullptr;
}

std::size_t Message::count(HeaderId id) const {
  return static_cast<std::size_t>(
      std::count_if(headers_.begin(), headers_.end(), [id](const HeaderField& h) { return h.id == id; }));
}

void Message::add(HeaderId id, std::string_view value) {
  if (id == HeaderId::Other) return;
  headers_.push_back(HeaderField{id, header_name(id), store_value(value)});
}

void Message::add(std::string_view name, std::string_view value) {
  const HeaderId id = header_id(name);
  if (id == HeaderId::Other && !is_token(name)) return;
  headers_.push_back(HeaderField{id, id == HeaderId::Other ? store(name) : header_name(id), store_value(value)});
}

void Message::add_front(HeaderId id, std::string_view value) {
  if (id == HeaderId::Other) return;
  auto first = std::find_if(headers_.begin(), headers_.end(), [id](const HeaderField& h) { return h.id == id; });
  headers_.insert(first == headers_.end() ? headers_.begin() : first,
                  HeaderField{id, header_name(id), store_value(value)});
}

void Message::set(HeaderId id, std::string_view value) {
  if (id == HeaderId::Other) return;
  auto first = std::find_if(headers_.begin(), headers_.end(), [id](const HeaderField& h) { return h.id == id; });
  if (first == headers_.end()) {
    add(id, value);
    return;
  }
  first->value = store_value(value);
  headers_.erase(std::remove_if(first + 1, headers_.end(), [id](const HeaderField& h) { return h.id == id; }),
                 headers_.end());
}

std::size_t Message::remove(HeaderId id) {
  const std::size_t before = headers_.size();
  headers_.erase(std::remove_if(headers_.begin(), headers_.end(), [id](const HeaderField& h) { return h.id == id; }),
                 headers_.end());
  return before - headers_.size();
}

void Message::remove_first_value(HeaderId id) {
  auto first = std::find_if(headers_.begin(), headers_.end(), [id](const HeaderField& h) { return h.id == id; });
  if (first == headers_.end()) return;
  const std::size_t end = list_item_end(first->value);
  if (end == std::string_view::npos || end >= first->value.size()) {
    headers_.erase(first);
    return;
  }
  first->value = trim(first->value.substr(end + 1));
  if (first->value.empty()) headers_.erase(first);
}

void Message::copy_headers(const Message& other, HeaderId id) {
  for (const HeaderField& h : other.headers_) {
    if (h.id == id) headers_.push_back(HeaderField{id, header_name(id), store(h.value)});
  }
}

void Message::set_body(std::string_view content_type, std::string_view body) {
  body_ = store(body);
  if (content_type.empty()) {
    if (body.empty()) remove(HeaderId::ContentType);
  } else {
    set(HeaderId::ContentType, content_type);
  }
  char digits[24];
  const auto [end, ec] = std::to_chars(digits, digits + sizeof digits, body.size());
  set(HeaderId::ContentLength, std::string_view(digits, static_cast<std::size_t>(end - digits)));
}

void Message::serialize_to(std::string& out) const {
  char length[24];
  const auto [length_end, ec] = std::to_chars(length, length + sizeof length, body_.size());
  const std::string_view length_text(length, static_cast<std::size_t>(length_end - length));

  out.reserve(out.size() + wire_size_estimate());

  if (is_request()) {
    out.append(method_name_).append(" ").append(request_uri_).append(" SIP/2.0\r\n");
  } else {
    char code[4] = {static_cast<char>('0' + status_ / 100), static_cast<char>('0' + status_ / 10 % 10),
                    static_cast<char>('0' + status_ % 10), ' '};
    out.append("SIP/2.0 ").append(code, 4).append(reason_).append("\r\n");
  }
  bool wrote_length = false;
  for (const HeaderField& h : headers_) {
    if (h.id == HeaderId::ContentLength) {
      if (wrote_length) continue;  // one Content-Length on the wire, from the body
      out.append(h.name).append(": ").append(length_text).append("\r\n");
      wrote_length = true;
      continue;
    }
    out.append(h.name).append(": ").append(h.value).append("\r\n");
  }
  if (!wrote_length) out.append("Content-Length: ").append(length_text).append("\r\n");
  out.append("\r\n").append(body_);
}

std::size_t Message::wire_size_estimate() const {
  // Start line and its CRLF, each header's ": " and CRLF, the Content-Length
  // line we may add, the blank line, the body.
  std::size_t size = 64 + method_name_.size() + request_uri_.size() + reason_.size() + body_.size();
  for (const HeaderField& h : headers_) size += h.name.size() + h.value.size() + 4;
  return size;
}

std::string Message::serialize() const {
  std::string out;
  serialize_to(out);
  return out;
}

std::string_view default_reason(int status) {
  switch (status) {
    case 100: return "Trying";
    case 180: return "Ringing";
    case 181: return "Call Is Being Forwarded";
    case 182: return "Queued";
    case 183: return "Session Progress";
    case 200: return "OK";
    case 202: return "Accepted";
    case 300: return "Multiple Choices";
    case 301: return "Moved Permanently";
    case 302: return "Moved Temporarily";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 407: return "Proxy Authentication Required";
    case 408: return "Request Timeout";
    case 410: return "Gone";
    case 413: return "Request Entity Too Large";
    case 415: return "Unsupported Media Type";
    case 416: return "Unsupported URI Scheme";
    case 420: return "Bad Extension";
    case 421: return "Extension Required";
    case 422: return "Session Interval Too Small";
    case 423: return "Interval Too Brief";
    case 480: return "Temporarily Unavailable";
    case 481: return "Call/Transaction Does Not Exist";
    case 482: return "Loop Detected";
    case 483: return "Too Many Hops";
    case 484: return "Address Incomplete";
    case 486: return "Busy Here";
    case 487: return "Request Terminated";
    case 488: return "Not Acceptable Here";
    case 489: return "Bad Event";
    case 491: return "Request Pending";
    case 500: return "Server Internal Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Server Time-out";
    case 505: return "Version Not Supported";
    case 513: return "Message Too Large";
    case 600: return "Busy Everywhere";
    case 603: return "Decline";
    case 604: return "Does Not Exist Anywhere";
    case 606: return "Not Acceptable";
    default: return "Unknown";
  }
}

}  // namespace cvw::sip
