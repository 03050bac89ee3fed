// The RTP/RTCP port pairs of the [media] range, handed out next-fit.
//
// Next-fit (start after the last pair handed out, wrap around) rather than
// lowest-free, as rtpengine and FreeSWITCH do: a port just released is taken
// again only once the rest of the range has been used, so stray packets of an
// ended call seldom reach the next one. The kernel is the record of what is
// taken (ours or another program's): a pair is tried by binding it. Pairs
// the engine keeps bound in its pool (media_engine.hpp) are taken here too:
// the pool hands them out again itself, after a rest that plays the part
// next-fit plays for pairs bound anew.
#pragma once

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/udp.hpp>
#include <cstdint>

#include "common/result.hpp"

namespace cvw::media {

class RtpPortRange {
 public:
  RtpPortRange(std::uint16_t port_min, std::uint16_t port_max);

  // Opens and binds `rtp` to an even port of the range and `rtcp` to the port
  // above it, both non-blocking; a pair where either is taken is skipped.
  // Returns the RTP port. Errors (status 503): every pair is taken, or the
  // address cannot be bound at all (then trying more ports is pointless).
  Result<std::uint16_t> bind(const boost::asio::ip::address& address,
                             boost::asio::ip::udp::socket& rtp, boost::asio::ip::udp::socket& rtcp);

  // What bind() returns when every pair is taken: for a caller that knows it
  // holds them all and need not try.
  Error exhausted() const;

  std::uint32_t pairs() const { return pairs_; }

 private:
  std::uint16_t port_min_;
  std::uint16_t port_max_;
  std::uint32_t first_even_ = 0;  // 32 bits: no overflow at 65534 + 2
  std::uint32_t pairs_ = 0;
  std::uint32_t next_ = 0;  // index of the pair to try first
};

}  // namespace cvw::media
