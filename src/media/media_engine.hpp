// Server-side media for click-to-call: RTP endpoints that play a ringback tone
// (G.711) to the user's own phone while the callee rings.
//
// Cost model (the reason for the shape): a ringback packet is the same 160
// bytes for every call at the same point of the cadence, so one cycle of the
// tone (us: 6 s = 300 frames) is rendered and encoded once per engine and
// codec, lazily. One 20 ms tick serves the whole engine and sends a packet for
// every playing channel: a 12-byte RTP header, a memcpy from the cycle, one
// non-blocking send_to. No allocation, no per-channel timer, no copy of the
// tone per call.
//
// Threading: everything runs on the one io_context thread that owns the SIP
// state (docs/ARCHITECTURE.md), so the tick walks the play list and counts its
// metrics without a lock or an atomic. Nothing here may be called from another
// thread.
//
// Ownership and lifetime:
//  - MediaEngine owns what channels share: the tone cycles, the tick, the play
//    list, the metrics, one receive buffer. The io_context must outlive it.
//  - A MediaChannel owns its two sockets. Destroying it (at any time, also
//    from inside another completion handler) closes them and takes it off the
//    play list at once; its pending socket waits hold the channel's inner state
//    alive until Asio has run them, and do nothing once it is closed.
//  - Destroying the engine first closes every channel it opened; such a
//    channel stays a safe, silent object (play_ringback() does nothing).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <cstdint>
#include <memory>
#include <string>

#include "common/result.hpp"
#include "media/media_config.hpp"

namespace cvw::media {

// Counters for /metrics; plain integers, written on the loop thread only.
struct MediaMetrics {
  std::uint64_t channels_open = 0;  // gauge
  std::uint64_t channels_opened = 0;
  std::uint64_t packets_sent = 0;
  std::uint64_t packets_received = 0;  // RTP and RTCP read and discarded
  std::uint64_t open_failures = 0;     // range exhausted or address not bindable
  std::uint64_t send_errors =
      0;  // send_to failed (buffer full, unreachable...): the packet is dropped
  std::uint64_t frames_skipped =
      0;  // 20 ms frames not sent because the loop was late by more than a few
};

class MediaEngine;
class MediaChannel;

namespace detail {
class EngineCore;
struct ChannelState;
// Sends one frame for every playing channel now, as a tick does, without
// waiting for the timer: for bench/media_tick.
void send_frame_now(MediaEngine& engine);
}  // namespace detail

class MediaEngine {
 public:
  // `config` should have passed validate(); an empty range only makes open() fail.
  MediaEngine(boost::asio::io_context& io, MediaConfig config);
  ~MediaEngine();
  MediaEngine(const MediaEngine&) = delete;
  MediaEngine& operator=(const MediaEngine&) = delete;

  // Binds an even RTP port and RTCP on port + 1 from the range, trying the next
  // pair when one is taken. Error status 503 when the range is exhausted (or
  // media.address cannot be bound), with a message saying which.
  Result<std::unique_ptr<MediaChannel>> open();

  const MediaMetrics& metrics() const;
  const MediaConfig& config() const;

 private:
  friend void detail::send_frame_now(MediaEngine& engine);
  std::shared_ptr<detail::EngineCore> core_;
};

class MediaChannel {
 public:
  ~MediaChannel();  // closes its sockets, leaves the engine's play list
  MediaChannel(const MediaChannel&) = delete;
  MediaChannel& operator=(const MediaChannel&) = delete;

  const std::string& address() const;  // as it goes into SDP c= (IPv4 or IPv6 literal, no brackets)
  std::uint16_t port() const;          // RTP port (RTCP is port() + 1)

  // Starts, or restarts at the beginning of the cadence, sending the ringback
  // to `remote` as 20 ms packets of payload type 0 (PCMU) or 8 (PCMA). The
  // first packet goes out with the engine's next tick (within 20 ms); it
  // carries the marker bit (RFC 3551 §4.1: first packet of a talkspurt), no
  // other does. SSRC, sequence number and timestamp start random at open() and
  // continue across stop/play (one RTP source per channel, RFC 3550 §5.1).
  // Refused with a warning in the log (the channel then is stopped) for any
  // other payload type, port 0, or a remote of the other address family.
  void play_ringback(const boost::asio::ip::udp::endpoint& remote, std::uint8_t payload_type);

  void stop();  // stops sending; the channel stays bound and can play again
  bool playing() const;

 private:
  friend class MediaEngine;
  explicit MediaChannel(std::shared_ptr<detail::ChannelState> state);
  std::shared_ptr<detail::ChannelState> state_;
};

}  // namespace cvw::media
