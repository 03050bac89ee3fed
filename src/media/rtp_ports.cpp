// Port pair allocation; see rtp_ports.hpp.
#include "media/rtp_ports.hpp"

#include <boost/asio/error.hpp>
#include <string>

namespace cvw::media {
namespace {

namespace asio = boost::asio;
using asio::ip::udp;

// Opens and binds one socket; leaves it closed on failure.
boost::system::error_code bind_one(udp::socket& socket, const udp::endpoint& at) {
  boost::system::error_code ec;
  socket.open(at.protocol(), ec);
  if (!ec) socket.bind(at, ec);
  // Sends happen from the 20 ms tick and must never wait for buffer space.
  if (!ec) socket.non_blocking(true, ec);
  if (ec) {
    boost::system::error_code ignore;
    socket.close(ignore);
  }
  return ec;
}

}  // namespace

RtpPortRange::RtpPortRange(std::uint16_t port_min, std::uint16_t port_max)
    : port_min_(port_min), port_max_(port_max) {
  // Port 0 would mean "any port": the first usable even port is 2.
  first_even_ = port_min < 2 ? 2u : port_min + (port_min % 2u);
  if (first_even_ <= port_max) pairs_ = (port_max - first_even_) / 2 + 1;
}

Result<std::uint16_t> RtpPortRange::bind(const asio::ip::address& address, udp::socket& rtp,
                                         udp::socket& rtcp) {
  for (std::uint32_t tried = 0; tried < pairs_; ++tried) {
    const std::uint32_t index = (next_ + tried) % pairs_;
    const auto port = static_cast<std::uint16_t>(first_even_ + 2 * index);
    boost::system::error_code ec = bind_one(rtp, udp::endpoint(address, port));
    if (!ec) {
      ec = bind_one(rtcp, udp::endpoint(address, static_cast<std::uint16_t>(port + 1)));
      if (ec) {
        boost::system::error_code ignore;
        rtp.close(ignore);
      }
    }
    if (!ec) {
      next_ = (index + 1) % pairs_;
      return port;
    }
    if (ec != asio::error::address_in_use && ec != asio::error::access_denied)
      return Error{503, "cannot bind RTP on " + address.to_string() + " port " +
                            std::to_string(port) + ": " + ec.message()};
  }
  return exhausted();
}

Error RtpPortRange::exhausted() const {
  return Error{503, "no free RTP port pair in media.port_min..media.port_max (" +
                        std::to_string(port_min_) + ".." + std::to_string(port_max_) + ")"};
}

}  // namespace cvw::media
