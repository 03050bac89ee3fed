#include "sip/response_routing.hpp"

#include <spdlog/fmt/fmt.h>

#include <array>
#include <charconv>
#include <iterator>
#include <optional>
#include <string>

#include "common/random.hpp"
#include "sip/header_values.hpp"

namespace cvw::sip {

namespace {

// The text of the top Via value and its parsed form.
struct TopVia {
  std::string_view text;
  Via via;
};

std::optional<TopVia> top_via(const Message& m, std::string& scratch) {
  const std::string_view line = m.header(HeaderId::Via);
  const std::size_t end = list_item_end(line);
  if (end == std::string_view::npos) return std::nullopt;
  const std::string_view text = detail::trim_lws(line.substr(0, end));
  Result<Via> via = parse_via(text, scratch);
  if (!via) return std::nullopt;
  return TopVia{text, *via};
}

Peer destination(const Via& via, const Peer& source) {
  // Never aim a response anywhere but the source address: received= is the
  // source address by construction, and sent-by may be any name or address.
  // `connection` stays: the stream the request came on, or the UDP listener
  // it arrived at (the response leaves from there, RFC 3581 §4).
  Peer to = source;
  const std::uint16_t sent_by_port = via.port != 0 ? via.port : 5060;
  if (is_reliable(source.protocol)) {
    // §18.2.2: on the same connection; "If that connection is no longer
    // open, the server SHOULD open a connection to the IP address in the
    // received parameter, using the port in the sent-by value".
    to.port = sent_by_port;
    return to;
  }
  if (auto rport = via.rport(); rport && !rport->empty()) {
    Result<std::uint32_t> p = parse_uint(*rport, 65535, "rport");
    if (p) to.port = static_cast<std::uint16_t>(*p);
  } else if (!via.rport()) {
    to.port = sent_by_port;
  }
  return to;
}

}  // namespace

Peer stamp_received(Message& request, const Peer& source) {
  std::string scratch;
  std::optional<TopVia> top = top_via(request, scratch);
  if (!top) return source;
  // Read before the Via is rewritten: the stamped one leads to the same place
  // (rport=<source port> where the client sent a bare rport).
  const Peer reply_to = destination(top->via, source);
  const AddressText source_text(source.address);
  const std::string_view source_ip = source_text.view();
  const bool wants_rport = top->via.rport().has_value() && top->via.rport()->empty();
  if (!wants_rport && top->via.host == source_ip)
    return reply_to;  // the common case: nothing to add
  // Built on the stack (500 bytes inline; a longer Via grows it): the
  // message copies the value into its own arena anyway.
  fmt::memory_buffer value;
  const auto put = [&value](std::string_view text) {
    value.append(text.data(), text.data() + text.size());
  };
  // A port by std::to_chars: fmt's format-string machinery cost more than
  // the rest of the stamp.
  const auto put_port = [&value](std::string_view before, std::uint16_t port) {
    std::array<char, 8> digits{};
    const auto end = std::to_chars(digits.data(), digits.data() + digits.size(), port).ptr;
    value.append(before.data(), before.data() + before.size());
    value.append(digits.data(), end);
  };
  put("SIP/2.0/");
  put(top->via.transport);
  put(" ");
  if (top->via.ipv6) {
    put("[");
    put(top->via.host);
    put("]");
  } else {
    put(top->via.host);
  }
  if (top->via.port != 0) put_port(":", top->via.port);
  for_each_param(top->via.params.text, [&](std::string_view n, std::string_view v, bool has_value) {
    if (n == "received" || n == "rport") return true;
    put(";");
    put(n);
    if (has_value) {
      put("=");
      put(v);
    }
    return true;
  });
  // RFC 3581 §4: with rport, received is added even when it equals sent-by.
  put(";received=");
  put(source_ip);
  if (wants_rport) {
    put_port(";rport=", source.port);
  } else if (top->via.rport()) {
    put(";rport=");
    put(*top->via.rport());
  }
  request.remove_first_value(HeaderId::Via);
  request.add_front(HeaderId::Via, std::string_view(value.data(), value.size()));
  return reply_to;
}

Peer reply_destination(const Message& request, const Peer& source) {
  std::string scratch;
  std::optional<TopVia> top = top_via(request, scratch);
  return top ? destination(top->via, source) : source;
}

namespace {

// What a response copies from its request, in this order (§8.2.6.2): every
// Via, the From, To, Call-ID and CSeq; a 100 (Trying) also the Timestamps
// (§8.2.6.1: "If there is a Timestamp header field in the request, the UAS
// MUST copy it into the 100 (Trying) response"). make_response() and
// trying_wire() both follow it, so the two cannot drift apart.
struct CopiedHeader {
  HeaderId id;
  bool every_value;  // all lines of it, else the first
  bool only_in_100;
};
constexpr std::array<CopiedHeader, 6> kCopiedFromRequest{{
    {HeaderId::Via, true, false},
    {HeaderId::From, false, false},
    {HeaderId::To, false, false},
    {HeaderId::CallId, false, false},
    {HeaderId::CSeq, false, false},
    {HeaderId::Timestamp, true, true},
}};

}  // namespace

Message make_response(const Message& request, int status, std::string_view reason, std::string_view to_tag) {
  Message response = Message::response(status, reason);
  for (const CopiedHeader& copied : kCopiedFromRequest) {
    if (copied.only_in_100 && status != 100) continue;
    if (copied.every_value) {
      response.copy_headers(request, copied.id);
      continue;
    }
    const HeaderField* h = request.find(copied.id);
    if (!h) continue;
    if (copied.id == HeaderId::To && status > 100) {
      std::string scratch;
      Result<std::optional<std::string_view>> tag = find_tag_param(h->value, scratch);
      if (tag && !*tag) {
        // §8.2.6.2: "the UAS MUST add a tag to the To header field in the response".
        response.add(HeaderId::To, std::string(h->value) + ";tag=" +
                                       (to_tag.empty() ? random_token(10) : std::string(to_tag)));
        continue;
      }
    }
    response.add(copied.id, h->value);
  }
  return response;
}

std::string trying_wire(const Message& request) {
  std::string out;
  out.reserve(request.wire_size_estimate() - request.body().size());
  out.append("SIP/2.0 100 Trying\r\n");
  const auto line = [&](HeaderId id, std::string_view value) {
    out.append(header_name(id)).append(": ").append(value).append("\r\n");
  };
  for (const CopiedHeader& copied : kCopiedFromRequest) {
    if (!copied.every_value) {
      if (const HeaderField* h = request.find(copied.id)) line(copied.id, h->value);
      continue;
    }
    for (const HeaderField& h : request.headers()) {
      if (h.id == copied.id) line(copied.id, h.value);
    }
  }
  out.append("Content-Length: 0\r\n\r\n");
  return out;
}

}  // namespace cvw::sip
