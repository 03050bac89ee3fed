// libFuzzer target: the SIP message layer on arbitrary bytes.
// Whatever arrives, parsing and validation return a verdict; a message that
// validates survives serialize -> parse with the same start line and body,
// and the structured parsers never crash on any header value.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "sip/framing.hpp"
#include "sip/header_values.hpp"
#include "sip/message.hpp"
#include "sip/validate.hpp"

using namespace cvw::sip;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  (void)find_frame(bytes, ParseLimits{});
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
  const std::string wire = m->serialize();
  cvw::Result<Message> again = Message::parse(wire, Framing::Stream);
  if (!again || again->body() != m->body() || again->headers().size() < m->headers().size() ||
      again->request_uri() != m->request_uri() || again->status() != m->status()) {
    std::abort();  // our own output must parse back to the same message
  }
  return 0;
}
