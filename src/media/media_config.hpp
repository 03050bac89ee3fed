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
  // The pool of bound pairs (media_engine.hpp): at most pool_pairs pairs of
  // ended calls stay bound for the next open(), two file descriptors each; 0
  // closes every pair at once, as before the pool. A pair is reused once
  // nothing has come for it for pool_rest_ms, sooner only when no other pair
  // can be bound. 1 s is longer than late packets of a call take to arrive
  // (and than a peer takes to stop on the BYE), and short enough that the
  // pool serves every open() up to pool_pairs releases per pool_rest_ms
  // (1,024 a second); beyond that the other releases close and the other
  // opens bind, as without the pool.
  std::uint32_t pool_pairs = 1024;
  std::uint32_t pool_rest_ms = 1000;
};

inline constexpr std::uint32_t kMaxPoolPairs = 32768;  // every even port there is
inline constexpr std::uint32_t kMaxPoolRestMs = 60000;

// The error (status 0: a configuration problem) names the key: media.address,
// media.port_min, media.port_max, media.pool_pairs or media.pool_rest_ms.
Result<void> validate(const MediaConfig& config);

}  // namespace cvw::media
