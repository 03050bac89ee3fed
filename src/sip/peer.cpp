#include "sip/peer.hpp"

namespace cvw::sip {

std::string_view protocol_name(Protocol p) {
  switch (p) {
    case Protocol::Udp: return "UDP";
    case Protocol::Tcp: return "TCP";
    case Protocol::Tls: return "TLS";
  }
  return "UDP";
}

std::string Peer::to_string() const {
  std::string out = protocol == Protocol::Udp ? "udp:" : protocol == Protocol::Tcp ? "tcp:" : "tls:";
  if (address.is_v6()) out.append("[").append(address.to_string()).append("]");
  else out.append(address.to_string());
  out.append(":").append(std::to_string(port));
  return out;
}

}  // namespace cvw::sip
