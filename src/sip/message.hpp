// The SIP message model (RFC 3261 §7): start line, header fields, body.
//
// A parsed Message owns the bytes it was parsed from and every view in it
// (method, Request-URI, header names and values, body) points into them:
// parsing copies the datagram once and allocates nothing per header. Header
// values stay raw text; the structured form of a value (a Via, a name-addr, a
// CSeq) is parsed only when someone asks (see header_values.hpp), so a proxy
// that only reads the top Via never pays for the rest.
//
// Values added or changed by cvw are stored in the Message's own arena, so a
// Message is self-contained: move it freely, views stay valid. Copies are
// explicit (clone()), because a copy means re-pointing every view.
//
// Unknown headers keep their name, order and bytes; serialize() writes every
// header as "Name: value" in order, so a forwarded message differs from the
// received one only where cvw changed it (and in whitespace around ':').
//
// Threading: a Message is a value; no internal synchronisation.
#pragma once

#include <boost/container/small_vector.hpp>

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "sip/header_id.hpp"
#include "sip/method.hpp"

namespace cvw::sip {

struct HeaderField {
  HeaderId id;
  std::string_view name;   // as received (may be compact, any case)
  std::string_view value;  // trimmed; folded lines already joined with one SP
};

// Limits applied while parsing; the transport picks them from configuration.
struct ParseLimits {
  std::size_t max_headers = 256;
  std::size_t max_message_size = 65535;
};

// How the bytes arrived, which decides how the body is framed (§18.3).
enum class Framing {
  Datagram,  // UDP: Content-Length may be absent (body = rest); trailing bytes ignored
  Stream,    // TCP/TLS: the transport already cut the message by Content-Length
};

class Message {
 public:
  Message(Message&&) noexcept = default;
  Message& operator=(Message&&) noexcept = default;
  Message(const Message&) = delete;
  Message& operator=(const Message&) = delete;
  ~Message() = default;

  // Parses one message from `bytes`, copying them once.
  //
  // Two kinds of failure. Input that cannot be split into a start line and
  // header lines at all gives an Error (status 0: not answerable, drop and
  // log). A request that can be split but breaks the grammar (extra spaces in
  // the request line, a foreign SIP version, a bad Content-Length) still gives
  // a Message, with defect() set: the server answers it statelessly with
  // defect()->status (400, 505) and the reason naming the problem, because it
  // has the Via, From, To, Call-ID and CSeq needed to do so. Responses with a
  // defect are errors (a malformed response is dropped, never answered).
  static Result<Message> parse(std::string_view bytes, Framing framing = Framing::Datagram,
                               const ParseLimits& limits = {});

  // New messages built by cvw (UAC requests, UAS responses).
  static Message request(Method method, std::string_view request_uri);
  static Message request(std::string_view method_name, std::string_view request_uri);
  static Message response(int status, std::string_view reason = {});

  // A deep, independent copy.
  Message clone() const;

  // Set when the message parsed but breaks the grammar; see parse().
  const std::optional<Error>& defect() const { return defect_; }

  // --- start line ---------------------------------------------------------
  bool is_request() const { return status_ == 0; }
  bool is_response() const { return status_ != 0; }
  Method method() const { return method_; }               // requests only
  std::string_view method_name() const { return method_name_; }
  std::string_view request_uri() const { return request_uri_; }
  int status() const { return status_; }                  // responses only
  std::string_view reason() const { return reason_; }
  void set_request_uri(std::string_view uri) { request_uri_ = store(uri); }
  // Status codes outside 100-699 become 500: the wire form has three digits.
  void set_status(int status, std::string_view reason = {});

  // --- headers ------------------------------------------------------------
  // Header slots kept inside the Message: enough for a plain INVITE through a
  // proxy (10-16 lines); a phone's 20-line INVITE allocates once more. The
  // number keeps sizeof(Message) under glibc's 1,008-byte small-request
  // limit: a Message kept on the heap (a session's INVITE, a client
  // INVITE transaction's) would otherwise be a "large" request, and every
  // large request makes malloc consolidate its fastbins (3-4 % of the UAS's
  // CPU under load, perf).
  static constexpr std::size_t kInlineHeaders = 16;
  using Headers = boost::container::small_vector<HeaderField, kInlineHeaders>;
  const Headers& headers() const { return headers_; }

  // The first header line with this id, or nullptr.
  const HeaderField* find(HeaderId id) const;
  // By name, case-insensitive, long or compact: works for unknown headers.
  const HeaderField* find(std::string_view name) const;
  // The value of the first header line with this id, or empty.
  std::string_view header(HeaderId id) const {
    const HeaderField* h = find(id);
    return h ? h->value : std::string_view{};
  }
  std::string_view header(std::string_view name) const {
    const HeaderField* h = find(name);
    return h ? h->value : std::string_view{};
  }
  std::size_t count(HeaderId id) const;

  // Adds a header line at the end (or, with add_front, before all others of the
  // same id, as a proxy does with Via and Record-Route). Values are copied; a
  // CR or LF in a value becomes a space, so a value can never inject a header
  // line. Unknown headers are added by name (the HeaderId forms ignore Other).
  void add(HeaderId id, std::string_view value);
  void add(std::string_view name, std::string_view value);
  void add_front(HeaderId id, std::string_view value);
  // Replaces every line with this id by one line carrying `value`.
  void set(HeaderId id, std::string_view value);
  // Removes every line with this id; returns how many were removed.
  std::size_t remove(HeaderId id);
  // Removes the first value of a comma-separated header (the top Via, the
  // first Route): the line itself goes when it held only that value.
  void remove_first_value(HeaderId id);
  // Copies every line with `id` from `other`, in order (Via, Record-Route...).
  void copy_headers(const Message& other, HeaderId id);

  // --- body ---------------------------------------------------------------
  std::string_view body() const { return body_; }
  // Sets the body and keeps Content-Type and Content-Length true to it. An
  // empty content type removes Content-Type only when the body is empty too
  // (§20.15: a body always has a type).
  void set_body(std::string_view content_type, std::string_view body);

  // --- wire form ----------------------------------------------------------
  // Appends the wire form to `out`. Content-Length is written from the body
  // (one is added when missing), so framing is always right on the wire.
  void serialize_to(std::string& out) const;
  std::string serialize() const;
  // An upper bound of the serialized size (within ~64 octets), without
  // serializing: for buffer sizing and the §18.1.1 UDP-or-TCP decision.
  std::size_t wire_size_estimate() const;

 private:
  Message() = default;
  std::string_view store(std::string_view s);  // copy into the arena
  std::string_view store_value(std::string_view s);  // copy, CR/LF replaced by SP

  friend class MessageParser;

  // The received bytes (parsed messages) and the values cvw added. Chunks of
  // heap memory never move, so the views above stay valid across moves.
  std::unique_ptr<char[]> wire_;
  std::size_t wire_size_ = 0;
  // Inline room for two chunk pointers: a response we build or a stamped
  // request needs one or two chunks, and no vector allocation besides.
  boost::container::small_vector<std::unique_ptr<char[]>, 2> arena_;
  std::size_t arena_free_ = 0;  // bytes left in arena_.back()
  char* arena_next_ = nullptr;

  Method method_ = Method::Unknown;
  int status_ = 0;
  std::string_view method_name_;
  std::string_view request_uri_;
  std::string_view reason_;
  Headers headers_;
  std::string_view body_;
  std::optional<Error> defect_;
};
// See kInlineHeaders: a heap Message must stay a small malloc request, with
// room for a control block (make_shared) or a small neighbour in one frame.
static_assert(sizeof(Message) <= 992, "Message grew past glibc's small-request limit");

// The standard reason phrase for a status code ("Not Found"), or "Unknown".
std::string_view default_reason(int status);

}  // namespace cvw::sip
