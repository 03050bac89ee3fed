// libFuzzer target: the SIP message layer on arbitrary bytes.
// Whatever arrives, parsing and validation return a verdict; a message that
// validates survives serialize -> parse with the same start line and body,
// and the structured parsers never crash on any header value. The bytes are
// also read as what an ICMP error quotes of a request of ours (which a forged
// ICMP packet chooses): a key or an error, and for a valid request the key
// its transaction has.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "sip/framing.hpp"
#include "sip/header_values.hpp"
#include "sip/message.hpp"
#include "sip/transaction/matching.hpp"
#include "sip/validate.hpp"

using namespace cvw::sip;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  (void)find_frame(bytes, ParseLimits{});
  const cvw::Result<std::string> quoted_key = txn::client_key_of_prefix(bytes);
  cvw::Result<Message> m = Message::parse(bytes);
  if (!m) return 0;
  const bool valid = m->is_request() ? validate_request(*m).ok() : validate_response(*m).ok();
  for (const HeaderField& h : m->headers()) {
    std::string scratch;
    (void)for_each_list_value(h.value, [&](std::string_view item) -> cvw::Result<void> {
      (void)parse_name_addr(item, scratch);
      (void)parse_via(item, scratch);
      return {};
    });
    (void)parse_cseq(h.value);
    (void)parse_uri(h.value);
  }
  if (!valid) return 0;
  if (m->is_request()) {
    const cvw::Result<CSeq> cseq = parse_cseq(m->header(HeaderId::CSeq));
    const cvw::Result<std::string> key = txn::client_key(*m);
    const cvw::Result<std::string> of_wire = txn::client_key_of_prefix(m->serialize());
    if (cseq && cseq->method_name == m->method_name() && key && (!of_wire || *of_wire != *key))
      std::abort();  // the request's own bytes must name its transaction
  }
  (void)quoted_key;
  const std::string wire = m->serialize();
  cvw::Result<Message> again = Message::parse(wire, Framing::Stream);
  if (!again || again->body() != m->body() || again->headers().size() < m->headers().size() ||
      again->request_uri() != m->request_uri() || again->status() != m->status()) {
    std::abort();  // our own output must parse back to the same message
  }
  return 0;
}
