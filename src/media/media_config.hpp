// The [media] section of the configuration: where cvw's own RTP lives.
#pragma once

#include <boost/asio/ip/address.hpp>
#include <cstdint>

#include "common/result.hpp"
#include "media/ringback_tone.hpp"

namespace cvw::media {

struct MediaConfig {
  // Sent from / received on, and written into SDP c=: a specific local
  // address, never 0.0.0.0 or ::, since the phone has to reach it.
  boost::asio::ip::address address = boost::asio::ip::make_address("127.0.0.1");
  // RTP uses the even ports of [port_min, port_max]; RTCP is RTP + 1 and is
  // bound too (RFC 3550 §11), so no other program takes it.
  std::uint16_t port_min = 20000, port_max = 29999;
  RingbackTone ringback = RingbackTone::Us;
};

// The error (status 0: a configuration problem) names the key: media.address,
// media.port_min or media.port_max.
Result<void> validate(const MediaConfig& config);

}  // namespace cvw::media
