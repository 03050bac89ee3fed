#include "sip/peer.hpp"

#include <algorithm>

namespace cvw::sip {

AddressText::AddressText(const boost::asio::ip::address& address) {
  if (address.is_v4()) {
    const auto bytes = address.to_v4().to_bytes();
    for (std::size_t i = 0; i < bytes.size(); ++i) {
      if (i != 0) buf_[size_++] = '.';
      const unsigned octet = bytes[i];
      if (octet >= 100) buf_[size_++] = static_cast<char>('0' + octet / 100);
      if (octet >= 10) buf_[size_++] = static_cast<char>('0' + octet / 10 % 10);
      buf_[size_++] = static_cast<char>('0' + octet % 10);
    }
    return;
  }
  const std::string text = address.to_string();
  size_ = std::min(text.size(), buf_.size());
  std::copy_n(text.data(), size_, buf_.data());
}

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
  const AddressText host(address);
  if (address.is_v6())
    out.append("[").append(host.view()).append("]");
  else
    out.append(host.view());
  out.append(":").append(std::to_string(port));
  return out;
}

}  // namespace cvw::sip
