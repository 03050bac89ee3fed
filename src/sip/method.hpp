// SIP request methods (RFC 3261 §7.1 and the extensions cvw speaks).
#pragma once

#include <cstdint>
#include <string_view>

namespace cvw::sip {

enum class Method : std::uint8_t {
  Unknown,  // an extension method: compare by name (Message::method_name())
  Invite,
  Ack,
  Bye,
  Cancel,
  Options,
  Register,
  Prack,      // RFC 3262
  Subscribe,  // RFC 6665
  Notify,
  Publish,  // RFC 3903
  Info,     // RFC 6086
  Refer,    // RFC 3515
  Message,  // RFC 3428
  Update,   // RFC 3311
};

// Methods are case-sensitive (RFC 3261 §7.1): "invite" is an extension method.
Method method_from_name(std::string_view name);
std::string_view method_name(Method m);

}  // namespace cvw::sip
