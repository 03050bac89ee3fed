// The server's own media for one click-to-call, as the call flow sees it.
//
// Every call has an RTP endpoint offered to the user's phone: it plays the
// ringback while the callee rings. Where media is anchored ([calls] media =
// "anchored"), the call has a second endpoint, offered to the callee, and
// from the moment the callee sends media the two relay RTP and RTCP between
// the phone and the callee: neither side ever learns the other's address, no
// re-INVITE is needed to connect them, and a party that moves its media (a
// re-offer, a transfer) is followed by pointing one side of the relay
// elsewhere. Direct media (the default) has no callee-side endpoint: the
// flow points the two phones at each other (docs/ARCHITECTURE.md).
//
// Implemented on src/media by engine_media.hpp; tests use a recording fake.
#pragma once

#include <boost/asio/ip/udp.hpp>

#include <cstdint>
#include <string>

namespace cvw::calls {

class CallMedia {
 public:
  virtual ~CallMedia() = default;
  // For c= of both endpoints (an IPv4 or IPv6 literal).
  virtual const std::string& address() const = 0;
  // RTP port of the endpoint offered to the phone (RTCP is port + 1).
  virtual std::uint16_t phone_port() const = 0;
  // RTP port of the endpoint offered to the callee; 0 when media is direct.
  virtual std::uint16_t callee_port() const = 0;
  bool anchored() const { return callee_port() != 0; }

  // Plays the ringback to the phone as 20 ms packets of payload type 0
  // (PCMU) or 8 (PCMA); stop_ringback() ends it (idempotent).
  virtual void play_ringback(const boost::asio::ip::udp::endpoint& phone, std::uint8_t payload_type) = 0;
  virtual void stop_ringback() = 0;

  // Anchored only: RTP from the phone goes to `callee` and back, from now
  // on (the ringback stops). Called again whenever either side moves; a
  // port 0 endpoint (a side on hold or gone) receives nothing.
  virtual void relay(const boost::asio::ip::udp::endpoint& phone, const boost::asio::ip::udp::endpoint& callee) = 0;

  // The phone now talks to the callee. Direct media: our endpoint carries
  // nothing more for this call (no ringback, no relay; a transfer offers the
  // parties each other's media), so its ports go back to the engine (its
  // pool, or closed) instead of holding two sockets for a call that may last
  // hours: 20,000 calls up would otherwise need 40,000 descriptors and 1.5
  // KiB of socket state each. address() and the ports still read as before;
  // play_ringback() does nothing after. Anchored media: nothing changes.
  virtual void release_if_direct() = 0;
};

}  // namespace cvw::calls
