#include "sip/transaction/message_builders.hpp"

#include "sip/response_routing.hpp"

#include "sip/header_values.hpp"

namespace cvw::sip::txn {
namespace {

// §8.1.1.6: requests carry Max-Forwards; 70 is the value the RFC recommends.
constexpr std::string_view kMaxForwards = "70";

std::string_view cseq_number_text(const Message& m) {
  const std::string_view cseq = detail::trim_lws(m.header(HeaderId::CSeq));
  std::size_t digits = 0;
  while (digits < cseq.size() && cseq[digits] >= '0' && cseq[digits] <= '9') ++digits;
  return cseq.substr(0, digits);
}

std::string cseq_with_method(const Message& m, std::string_view method) {
  std::string value(cseq_number_text(m));
  value.append(" ").append(method);
  return value;
}

// The header fields a request built from `invite` shares with it: "the
// Request-URI, Call-ID, ... and From header fields ... MUST be identical"
// (§9.1), "a single Via header field ... equal to the top Via header field of
// the original request" (§17.1.1.3, §9.1), and its Route header fields.
Message request_like(const Message& invite, Method method) {
  Message m = Message::request(method, invite.request_uri());
  m.add(HeaderId::Via, top_via_value(invite));
  m.add(HeaderId::MaxForwards, kMaxForwards);
  m.copy_headers(invite, HeaderId::Route);
  m.add(HeaderId::From, invite.header(HeaderId::From));
  return m;
}

}  // namespace

std::string_view first_list_value(std::string_view value) {
  bool quoted = false;
  for (std::size_t i = 0; i < value.size(); ++i) {
    const char c = value[i];
    if (quoted) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        quoted = false;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      return detail::trim_lws(value.substr(0, i));
    }
  }
  return detail::trim_lws(value);
}

std::string_view top_via_value(const Message& m) {
  return first_list_value(m.header(HeaderId::Via));
}

std::string to_tag(const Message& m) {
  return tag_of(m.header(HeaderId::To));
}

Message make_response(const Message& request, int status, std::string_view tag) {
  return sip::make_response(request, status, {}, tag);
}

Message make_ack(const Message& invite, const Message& response) {
  // §17.1.1.3: "The ACK request constructed by the client transaction MUST
  // contain values for the Call-ID, From, and Request-URI that are equal to
  // the values of those header fields in the request passed to the transport
  // by the client transaction ... The To header field in the ACK MUST equal
  // the To header field in the response being acknowledged ... The CSeq
  // header field in the ACK MUST contain the same value for the sequence
  // number as was present in the original request, but the method parameter
  // MUST be equal to "ACK"."
  Message ack = request_like(invite, Method::Ack);
  ack.add(HeaderId::To, response.header(HeaderId::To));
  ack.add(HeaderId::CallId, invite.header(HeaderId::CallId));
  ack.add(HeaderId::CSeq, cseq_with_method(invite, "ACK"));
  return ack;
}

Message make_cancel(const Message& invite, std::string_view reason) {
  // §9.1: "The Request-URI, Call-ID, To, the numeric part of CSeq, and From
  // header fields in the CANCEL request MUST be identical to those in the
  // request being cancelled, including tags. ... If the request being
  // cancelled contains a Route header field, the CANCEL request MUST include
  // that Route header field's values."
  Message cancel = request_like(invite, Method::Cancel);
  cancel.add(HeaderId::To, invite.header(HeaderId::To));
  cancel.add(HeaderId::CallId, invite.header(HeaderId::CallId));
  cancel.add(HeaderId::CSeq, cseq_with_method(invite, "CANCEL"));
  if (!reason.empty()) cancel.add(HeaderId::Reason, reason);
  return cancel;
}

}  // namespace cvw::sip::txn
