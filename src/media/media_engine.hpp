// Server-side media for click-to-call: RTP endpoints that play a ringback tone
// (G.711) to the user's own phone while the callee rings, and, when media is
// anchored (issue #4), relay RTP/RTCP between two of them.
//
// Cost model (the reason for the shape): a ringback packet is the same 160
// bytes for every call at the same point of the cadence, so one cycle of the
// tone (us: 6 s = 300 frames) is rendered and encoded once per engine and
// codec, lazily. One 20 ms tick serves the whole engine and sends a packet for
// every playing channel: a 12-byte RTP header, a memcpy from the cycle, one
// non-blocking send_to. No allocation, no per-channel timer, no copy of the
// tone per call. A relayed packet costs one recvfrom into the engine's one
// receive buffer, a size and version check and one non-blocking sendto: no
// allocation, no parsing, no rewriting, no queue (a packet that cannot be sent
// at once is dropped, as the network would).
//
// Threading: everything runs on the one io_context thread that owns the SIP
// state (docs/ARCHITECTURE.md), so the tick walks the play list, the receive
// path follows a channel's forward pointer and both count their metrics without
// a lock or an atomic. Nothing here may be called from another thread.
//
// Ownership and lifetime:
//  - MediaEngine owns what channels share: the tone cycles, the tick, the play
//    list, the metrics, one receive buffer, and the pool of bound pairs. The
//    io_context must outlive it.
//  - A MediaChannel uses two sockets (RTP, RTCP) it does not keep. Destroying
//    it (at any time, also from inside another completion handler) takes it
//    off the play list and out of any forwarding at once and hands its pair
//    back to the engine, which keeps it bound in the pool or, when the pool
//    is full (media.pool_pairs), closes it. The pair's socket waits hold its
//    inner state alive until Asio has run them: on a closed pair they do
//    nothing; on a pooled one they stay armed and read and discard whatever
//    arrives (below).
//  - The pool (issue #4: opening and closing the pair was a third of the
//    system calls of a click-to-call): open() takes the pair that has rested
//    longest, once nothing has come for it for media.pool_rest_ms, else
//    binds a new one, else (the range is full) takes the pair that has rested
//    longest anyway; 503 only when the pool is empty and nothing can be
//    bound. A reused pair keeps its sockets, its epoll registration and its
//    armed waits (a call then costs four reads that find nothing, two on
//    release and two on reuse, instead of twelve system calls), and is a new
//    channel in every other respect: new random SSRC, sequence and
//    timestamp, no remote, not playing, not forwarding, latching off.
//    Nothing addressed to its last call reaches the next one: what is queued
//    is read and dropped when the pair is released and again when it is
//    reused, what comes while it rests is read and dropped as it comes
//    (stale_packets_dropped), the rest lets the last call's peer fall silent
//    first, and a pair whose peer does not is closed at the end of its rest
//    instead of reused (stale_pairs_closed).
//  - Forwarding is a plain pointer between the channels' inner states, kept by
//    the engine in both directions (a channel knows who forwards to it), so
//    closing either end clears it in the same call: a pointer is cheaper per
//    packet than locking a weak_ptr, and one thread means no window where it
//    dangles. A channel whose target is gone keeps reading and counts drops.
//  - Destroying the engine first closes every channel it opened and every
//    pooled pair; such a channel stays a safe, silent object (play_ringback()
//    does nothing).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "common/result.hpp"
#include "media/media_config.hpp"

namespace cvw::media {

// Counters for /metrics; plain integers, written on the loop thread only.
struct MediaMetrics {
  std::uint64_t channels_open = 0;    // gauge
  std::uint64_t channels_opened = 0;  // open() calls that gave a channel, fresh or reused
  std::uint64_t channels_pooled = 0;  // gauge: pairs of ended calls kept bound for reuse
  std::uint64_t channels_reused = 0;  // open() calls served from the pool
  // Read on a pooled pair, or still queued on a pair when it was released or
  // reused: addressed to a call that has ended, never relayed nor latched to,
  // and not in packets_received.
  std::uint64_t stale_packets_dropped = 0;
  // Pooled pairs closed instead of reused: datagrams for their last call
  // were still coming at the end of their rest.
  std::uint64_t stale_pairs_closed = 0;
  std::uint64_t packets_sent = 0;      // ringback packets cvw itself sent
  std::uint64_t packets_received = 0;  // RTP and RTCP datagrams read, relayed or not
  std::uint64_t packets_relayed = 0;   // RTP and RTCP sent on by forward_to()
  // Received by a forwarding channel and not sent on: the target is gone or has
  // no remote (yet), or the send failed (buffer full, unreachable...).
  std::uint64_t relay_drops = 0;
  // Received by a forwarding channel and refused as not RTP/RTCP: shorter than
  // a header, not version 2, or larger than kMaxRelayedBytes.
  std::uint64_t relay_malformed = 0;
  std::uint64_t open_failures = 0;  // range exhausted or address not bindable
  std::uint64_t send_errors =
      0;  // a ringback send_to failed (buffer full, unreachable...): the packet is dropped
  std::uint64_t frames_skipped =
      0;  // 20 ms frames not sent because the loop was late by more than a few
};

// The largest datagram relayed; bigger ones are dropped (relay_malformed).
// Above what any audio or video RTP packet sent within a 1500-byte MTU needs.
inline constexpr std::size_t kMaxRelayedBytes = 2048;

class MediaEngine;
class MediaChannel;

namespace detail {
class EngineCore;
struct ChannelState;
// Sends one frame for every playing channel now, as a tick does, without
// waiting for the timer: for bench/media_tick.
void send_frame_now(MediaEngine& engine);
// Reads (and relays) what is queued on the channel's RTP socket now, until
// the socket is empty, as its readiness handler does: for bench/media_tick.
void drain_rtp_now(MediaChannel& channel);
}  // namespace detail

class MediaEngine {
 public:
  // `config` should have passed validate(); an empty range only makes open() fail.
  MediaEngine(boost::asio::io_context& io, MediaConfig config);
  ~MediaEngine();
  MediaEngine(const MediaEngine&) = delete;
  MediaEngine& operator=(const MediaEngine&) = delete;

  // An even RTP port and RTCP on port + 1 from the range: the pooled pair
  // that has rested longest if it has been quiet media.pool_rest_ms, else a pair
  // bound now (trying the next pair when one is taken), else the pooled pair
  // that has rested longest however short a time. Error status 503 when the
  // pool is empty and the range is exhausted (or media.address cannot be
  // bound), with a message saying which.
  Result<std::unique_ptr<MediaChannel>> open();

  const MediaMetrics& metrics() const;
  const MediaConfig& config() const;

 private:
  friend void detail::send_frame_now(MediaEngine& engine);
  std::shared_ptr<detail::EngineCore> core_;
};

class MediaChannel {
 public:
  ~MediaChannel();  // leaves the play list, hands the pair back to the engine (pool or close)
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
  // `remote` also becomes the channel's remote, as with set_remote().
  void play_ringback(const boost::asio::ip::udp::endpoint& remote, std::uint8_t payload_type);

  void stop();  // stops sending ringback; the channel stays bound and can play again
  bool playing() const;

  // Where this channel sends: relayed RTP to `remote`, relayed RTCP to
  // remote.port() + 1; a playing ringback moves there too. Port 0 (RFC 3264
  // §6: a rejected stream) clears it and stops the ringback, as does, with a
  // warning, a remote of the other address family. A remote inside cvw's own
  // media.port_min..port_max on media.address is never kept (warning): a
  // packet relayed there would come back in and go round for ever, so an SDP
  // that points there must not be able to spin the loop thread. Starts
  // latching over (set_latching()); after a refused remote (port 0 included)
  // latching waits for the next set_remote().
  void set_remote(const boost::asio::ip::udp::endpoint& remote);
  // The current remote (after latching, the latched source); none: port 0.
  boost::asio::ip::udp::endpoint remote() const;

  // Anchored media: every RTP packet this channel receives is sent on, byte
  // for byte, from `to`'s RTP socket to `to`'s remote; RTCP received on this
  // channel's RTCP socket goes from `to`'s RTCP socket to `to`'s remote port
  // + 1. Nothing is parsed or rewritten; only what cannot be RTP (RTCP) is
  // refused: fewer than 12 (8) bytes, not version 2, or more than
  // kMaxRelayedBytes (RFC 3550 §A.1, §A.2, the cheap part). A packet that
  // cannot be sent at once is dropped, never queued.
  // Stops the ringback of both channels (relayed audio replaces it).
  // Channels may forward to each other (the usual case: a.forward_to(&b);
  // b.forward_to(&a)); a channel may forward to itself (an echo). nullptr
  // stops forwarding (packets are then read and discarded again). Destroying
  // either channel at any time is safe: one whose target is gone forwards
  // nowhere, counting relay_drops, until the next forward_to(). Refused with a
  // warning (forwarding then stops) when `to` belongs to another engine or its
  // engine is gone.
  void forward_to(MediaChannel* to);
  bool forwarding() const;  // forward_to() a channel, also one destroyed since

  // Symmetric RTP (RFC 4961; "latching" in rtpengine, "comedia" in Asterisk):
  // when on, the remote moves to the source of the first RTP packet (12+
  // bytes, version 2) this channel receives from ANY address after open(),
  // set_remote() or play_ringback(), before or after forward_to(), and then
  // stays put until the next set_remote(). This gets media through a NAT the
  // SDP address knows nothing of. Off by default: on loopback and on a LAN
  // the SDP address is right, and latching believes whoever sends first:
  // anyone who reaches the port before the phone does (ports are guessable)
  // takes the call's audio. Off or on, a UDP port is open to everyone (only
  // SRTP would close it): packets from any source are relayed, so a stranger
  // can inject audio into the call; with latching off he can never redirect it.
  void set_latching(bool on);

 private:
  friend class MediaEngine;
  friend void detail::drain_rtp_now(MediaChannel& channel);
  explicit MediaChannel(std::shared_ptr<detail::ChannelState> state);
  std::shared_ptr<detail::ChannelState> state_;
};

}  // namespace cvw::media
