// The media engine: channels, the shared 20 ms tick, the play list, the relay;
// see media_engine.hpp for the threading and ownership rules.
#include "media/media_engine.hpp"

#include <algorithm>
#include <array>
#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstring>
#include <deque>
#include <limits>
#include <vector>

#include "common/log.hpp"
#include "common/random.hpp"
#include "media/rtp_header.hpp"
#include "media/rtp_ports.hpp"
#include "media/tone_cycle.hpp"

namespace cvw::media {
namespace detail {
namespace {

namespace asio = boost::asio;
using asio::ip::udp;
using Clock = std::chrono::steady_clock;

constexpr Clock::duration kFrame = std::chrono::milliseconds(20);
// A loop late by up to this many frames sends them in a small burst, so the
// phone's jitter buffer gets every frame; later than that the frames are
// skipped (timestamps jump as the wall clock did), as a burst of a second of
// audio would only overflow that jitter buffer.
constexpr std::int64_t kMaxCatchUpFrames = 2;
constexpr std::size_t kNotPlaying = std::numeric_limits<std::size_t>::max();
// Datagrams read per wake-up before the other handlers get their turn.
constexpr int kDrainBatch = 64;
// RFC 3550 §A.1/A.2: the fixed RTP header; an RTCP header plus the SSRC of an
// empty receiver report, the smallest compound packet.
constexpr std::size_t kMinRtpBytes = rtp::kHeaderBytes;
constexpr std::size_t kMinRtcpBytes = 8;
// Reads per socket when a pair is released or reused, to empty what it holds.
// A default socket buffer (rmem_default, 208 KiB) holds a few hundred small
// datagrams; a socket that still yields after this many is being sent to
// faster than it is read, and what comes then cannot be told apart from what
// came before (any open port takes that, pooled or not: set_latching()).
constexpr int kMaxStaleReads = 1024;

}  // namespace

// What one call sets on a channel: reset as a whole when its pair is reused,
// so that a reused pair cannot carry anything over from its last call.
struct CallState {
  std::size_t player_slot = kNotPlaying;  // index in EngineCore::players_
  // The RTP source while silent, so that playing again continues it.
  rtp::Header stream;
  Clock::time_point stopped_at{};
  bool has_played = false;

  // Where relayed packets to this channel go; port 0: nowhere (yet). A
  // playing ringback keeps its own copy in its Player.
  udp::endpoint remote;
  udp::endpoint remote_rtcp;  // remote port + 1; port 0 when there is none
  bool latching = false;
  bool latch_armed = true;  // no packet latched since open() or the last set_remote()
  // forward_to(): `forwarding` says it was asked, `forward` is the target, or
  // nullptr once the target is closed. `forwarded_from` lists every channel
  // whose `forward` is this one, so that closing this one can clear theirs.
  bool forwarding = false;
  ChannelState* forward = nullptr;
  std::vector<ChannelState*> forwarded_from;
};

// A bound RTP/RTCP pair and, while a MediaChannel uses it, that channel's
// call. Shared with the pair's pending socket waits, so it outlives them, and
// with the engine's pool, so it outlives the MediaChannel. `engine` is cleared
// when the sockets close, which is what the waits check.
struct ChannelState {
  explicit ChannelState(asio::io_context& io) : rtp(io), rtcp(io) {}

  EngineCore* engine = nullptr;
  udp::socket rtp;
  udp::socket rtcp;
  std::string address;
  std::uint16_t port = 0;
  std::size_t channel_slot = 0;  // index in EngineCore::channels_ while a channel uses it
  bool pooled = false;           // in EngineCore::pool_: what arrives is stale
  Clock::time_point released_at{};
  Clock::time_point last_heard{};  // the last stale datagram read, or the release
  CallState call;
};

namespace {

// A playing channel: all the tick needs, in one dense array.
struct Player {
  ChannelState* channel = nullptr;
  const std::uint8_t* cycle = nullptr;  // the engine's encoded cycle for the payload type
  std::uint32_t cycle_frames = 0;
  std::uint32_t frame = 0;  // next frame of the cycle to send
  udp::endpoint remote;
  rtp::Header header;  // of the next packet
};

// Closes the channel's pair and detaches it from the engine: from then on it
// is an inert object whose pending waits end with operation_aborted.
void retire(ChannelState& c) {
  boost::system::error_code ignore;
  c.rtp.close(ignore);
  c.rtcp.close(ignore);
  c.engine = nullptr;
}

std::string sdp_address(const asio::ip::address& address) {
  std::string text = address.to_string();
  // c= carries no IPv6 zone ("fe80::1%eth0").
  if (const std::size_t zone = text.find('%'); zone != std::string::npos) text.erase(zone);
  return text;
}

// Built by appending: GCC 12 at -O3 sees a false -Wrestrict overlap in
// "[" + std::string.
std::string show(const udp::endpoint& e) {
  const bool v6 = e.address().is_v6();
  std::string text;
  if (v6) text += '[';
  text += e.address().to_string();
  if (v6) text += ']';
  text += ':';
  text += std::to_string(e.port());
  return text;
}

// RTP and RTCP both start with the version in the top two bits (RFC 3550 §5.1,
// §6.4); a datagram of kMaxRelayedBytes + 1 was cut by the read: too big.
bool relayable(const std::uint8_t* bytes, std::size_t size, bool rtcp) {
  return size >= (rtcp ? kMinRtcpBytes : kMinRtpBytes) && size <= kMaxRelayedBytes &&
         (bytes[0] >> 6) == rtp::kVersion;
}

// The channel leaves the forwarded_from list of its target.
void unlink_forward(ChannelState& c) {
  if (c.call.forward != nullptr) {
    std::vector<ChannelState*>& from = c.call.forward->call.forwarded_from;
    if (const auto it = std::find(from.begin(), from.end(), &c); it != from.end()) from.erase(it);
    c.call.forward = nullptr;
  }
}

}  // namespace

class EngineCore : public std::enable_shared_from_this<EngineCore> {
 public:
  EngineCore(asio::io_context& io, MediaConfig config)
      : io_(io),
        config_(std::move(config)),
        address_(sdp_address(config_.address)),
        ports_(config_.port_min, config_.port_max),
        rest_(config_.pool_rest_ms),
        timer_(io) {}

  const MediaConfig& config() const { return config_; }
  const MediaMetrics& metrics() const { return metrics_; }

  Result<std::shared_ptr<ChannelState>> open() {
    bool reused = true;
    // media.pool_rest_ms = 0: no rest, whatever comes for the pair.
    std::shared_ptr<ChannelState> channel =
        take_pooled(rest_.count() == 0 ? Clock::time_point::max() : Clock::now() - rest_);
    if (!channel) {
      Result<std::shared_ptr<ChannelState>> bound = bind_pair();
      if (bound) {
        channel = std::move(bound).value();
        reused = false;
      } else {
        // The range is full (or the address unbindable): a pair that has not
        // rested long enough is still better than a 503.
        channel = take_pooled(Clock::time_point::max());
        if (!channel) {
          ++metrics_.open_failures;
          log().warn("media: cannot open an RTP channel: {}", bound.error().message);
          return bound.error();
        }
      }
    }
    begin_call(*channel);
    ++metrics_.channels_opened;
    if (reused) ++metrics_.channels_reused;
    log().debug("media: opened RTP {} port {}{}", address_, channel->port,
                reused ? " (reused)" : "");
    return channel;
  }

  // The channel's call is over: it leaves the play list and the forwarding,
  // and its pair goes to the pool, or is closed when the pool is full.
  void release(std::shared_ptr<ChannelState> state) {
    ChannelState& c = *state;
    end_call(c);
    if (pool_.size() >= config_.pool_pairs) {
      retire(c);
      log().debug("media: closed RTP port {}", c.port);
      return;
    }
    c.pooled = true;
    c.released_at = c.last_heard = Clock::now();
    // The pooled wait and the reuse would catch these too; read here, the
    // pair enters the pool empty and what came for the call is counted as
    // it ends. Two reads (EAGAIN) when nothing is queued.
    discard_queued(c);
    pool_.push_back(std::move(state));
    ++metrics_.channels_pooled;
    log().debug("media: RTP port {} to the pool", c.port);
  }

  void play(ChannelState& c, const udp::endpoint& remote, std::uint8_t payload_type) {
    const char* refused = nullptr;
    if (payload_type != kPayloadTypePcmu && payload_type != kPayloadTypePcma)
      refused = "the payload type is neither PCMU (0) nor PCMA (8)";
    else
      refused = unsendable(remote);
    if (refused != nullptr) {
      log().warn("media: port {}: no ringback to {} with payload type {}: {}", c.port, show(remote),
                 unsigned{payload_type}, refused);
      stop(c);
      return;
    }
    const std::vector<std::uint8_t>& cycle = cycle_for(payload_type);
    if (c.call.player_slot == kNotPlaying) {
      // The timestamp counts sampling instants (RFC 3550 §5.1), so it moves
      // on by the silence since the last packet.
      if (c.call.has_played)
        c.call.stream.timestamp +=
            static_cast<std::uint32_t>((Clock::now() - c.call.stopped_at) / kFrame * kFrameSamples);
      c.call.player_slot = players_.size();
      Player& added = players_.emplace_back();
      added.channel = &c;
      added.header = c.call.stream;
    }
    Player& p = players_[c.call.player_slot];
    p.cycle = cycle.data();
    p.cycle_frames = static_cast<std::uint32_t>(cycle.size() / kFrameSamples);
    p.frame = 0;
    p.remote = remote;
    p.header.payload_type = payload_type;
    p.header.marker = true;
    c.call.has_played = true;
    store_remote(c, remote);
    if (!ticking_) start_tick();
  }

  void set_remote(ChannelState& c, const udp::endpoint& remote) {
    if (const char* refused = unsendable(remote)) {
      // Port 0 is no fault: RFC 3264 §6, the peer rejected (or holds no) stream.
      if (remote.port() != 0)
        log().warn("media: port {}: remote {} refused: {}", c.port, show(remote), refused);
      c.call.remote = c.call.remote_rtcp = udp::endpoint();
      c.call.latch_armed = false;  // the peer said where not to send: no stranger overrides that
      stop(c);
      return;
    }
    store_remote(c, remote);
    if (c.call.remote.port() == 0)
      stop(c);  // refused by store_remote: nowhere to send
    else if (c.call.player_slot != kNotPlaying)
      players_[c.call.player_slot].remote = remote;
  }

  void forward_to(ChannelState& c, ChannelState* target) {
    unlink_forward(c);
    c.call.forwarding = false;
    if (target == nullptr) return;
    if (target->engine != this) {
      log().warn("media: port {}: cannot forward to port {}: {}", c.port, target->port,
                 target->engine == nullptr ? "it is closed" : "it belongs to another engine");
      return;
    }
    c.call.forwarding = true;
    c.call.forward = target;
    target->call.forwarded_from.push_back(&c);
    // Relayed audio replaces the tone, on the way there and (with the usual
    // forward_to the other way round) on the way back.
    stop(c);
    stop(*target);
  }

  void stop(ChannelState& c) {
    if (c.call.player_slot == kNotPlaying) return;
    const std::size_t slot = c.call.player_slot;
    c.call.stream = players_[slot].header;
    c.call.stopped_at = Clock::now();
    if (slot + 1 != players_.size()) {
      players_[slot] = players_.back();
      players_[slot].channel->call.player_slot = slot;
    }
    players_.pop_back();
    c.call.player_slot = kNotPlaying;
  }

  // The engine is going: its channels become inert objects, its pooled pairs
  // are closed (their waits then end with operation_aborted).
  void shutdown() {
    for (const std::shared_ptr<ChannelState>& c : pool_) {
      retire(*c);
    }
    pool_.clear();
    metrics_.channels_pooled = 0;
    players_.clear();
    for (ChannelState* c : channels_) {
      retire(*c);
      c->call.player_slot = kNotPlaying;
      c->call.forwarding = false;
      c->call.forward = nullptr;
      c->call.forwarded_from.clear();
    }
    channels_.clear();
    metrics_.channels_open = 0;
    timer_.cancel();
    ticking_ = false;
  }

  // One frame for every player (`packets` of them when catching up), after
  // moving each on by `skipped` frames.
  void send_frames(std::int64_t packets, std::int64_t skipped) {
    for (Player& p : players_) {
      if (skipped > 0) {
        p.header.timestamp +=
            static_cast<std::uint32_t>(skipped * static_cast<std::int64_t>(kFrameSamples));
        p.frame = static_cast<std::uint32_t>((p.frame + static_cast<std::uint64_t>(skipped)) %
                                             p.cycle_frames);
      }
      for (std::int64_t i = 0; i < packets; ++i) send(p);
    }
  }

  // Reads what the socket holds, kDrainBatch datagrams at most; true when it
  // is empty. Each datagram is relayed if `c` forwards, else only read so the
  // socket buffer never fills; on a pooled pair it is stale and dropped.
  bool drain(ChannelState& c, udp::socket& socket) {
    const bool rtcp = &socket == &c.rtcp;
    for (int i = 0; i < kDrainBatch; ++i) {
      boost::system::error_code ec;
      udp::endpoint from;
      // One byte more than kMaxRelayedBytes, so that a datagram too big to
      // relay shows as one (the read cuts it silently).
      const std::size_t size = socket.receive_from(asio::buffer(buffer_), from, 0, ec);
      if (ec == asio::error::would_block || ec == asio::error::try_again) return true;
      // Another error (an ICMP error queued on the socket) is consumed by this read.
      if (ec) continue;
      if (c.pooled) {
        ++metrics_.stale_packets_dropped;
        c.last_heard = Clock::now();
        continue;
      }
      ++metrics_.packets_received;
      const bool valid = relayable(buffer_.data(), size, rtcp);
      if (valid && !rtcp && c.call.latching && c.call.latch_armed) latch(c, from);
      if (c.call.forwarding) relay(c.call.forward, rtcp, valid, size);
    }
    return false;
  }

 private:
  // The pooled pair that has rested longest, if nothing has come for it since
  // `quiet_by` (and it was released by then); emptied of what came for its
  // last call. A rested pair that is still sent to is closed on the way, as
  // it would have been without the pool: reused, it would carry a peer that
  // does not stop into the next call, while a closed port answers that peer
  // with ICMP port unreachable.
  std::shared_ptr<ChannelState> take_pooled(Clock::time_point quiet_by) {
    while (!pool_.empty() && pool_.front()->released_at <= quiet_by) {
      std::shared_ptr<ChannelState> channel = std::move(pool_.front());
      pool_.pop_front();
      --metrics_.channels_pooled;
      // Its waits are still armed (a pooled pair's handler re-arms, and only
      // a closed socket ends a wait), but a datagram may have come since its
      // handler last ran and a completion may be queued: read it now, so that
      // no handler of the new call ever sees it.
      discard_queued(*channel);
      if (channel->last_heard <= quiet_by) {
        channel->pooled = false;
        return channel;
      }
      ++metrics_.stale_pairs_closed;
      log().debug("media: RTP port {} closed: still sent to {} ms after its call", channel->port,
                  std::chrono::duration_cast<std::chrono::milliseconds>(channel->last_heard -
                                                                        channel->released_at)
                      .count());
      retire(*channel);
    }
    return nullptr;
  }

  // A pair bound now, its waits armed. Not tried when the engine itself holds
  // every pair of the range (open or pooled): each try would fail.
  Result<std::shared_ptr<ChannelState>> bind_pair() {
    if (channels_.size() + pool_.size() >= ports_.pairs()) return ports_.exhausted();
    auto channel = std::make_shared<ChannelState>(io_);
    const Result<std::uint16_t> port = ports_.bind(config_.address, channel->rtp, channel->rtcp);
    if (!port) return port.error();
    channel->engine = this;
    channel->address = address_;
    channel->port = *port;
    watch(channel, channel->rtp);
    watch(channel, channel->rtcp);
    return channel;
  }

  // A new call on a pair, fresh or pooled: everything a call sets starts
  // from scratch (the vector keeps its capacity, nothing else carries over).
  void begin_call(ChannelState& c) {
    std::vector<ChannelState*> forwarded_from = std::move(c.call.forwarded_from);
    forwarded_from.clear();
    c.call = CallState{};
    c.call.forwarded_from = std::move(forwarded_from);
    // RFC 3550 §5.1: SSRC, first sequence number and timestamp are random.
    const std::uint64_t bits = random_engine()();
    c.call.stream.ssrc = static_cast<std::uint32_t>(bits);
    c.call.stream.sequence = static_cast<std::uint16_t>(bits >> 32);
    c.call.stream.timestamp = static_cast<std::uint32_t>(random_engine()());
    c.channel_slot = channels_.size();
    channels_.push_back(&c);
    ++metrics_.channels_open;
  }

  // Off the play list and out of every forwarding, both ways; off channels_.
  void end_call(ChannelState& c) {
    stop(c);
    unlink_forward(c);
    c.call.forwarding = false;
    for (ChannelState* source : c.call.forwarded_from)
      source->call.forward = nullptr;  // they count drops
    c.call.forwarded_from.clear();
    ChannelState* last = channels_.back();
    channels_[c.channel_slot] = last;
    last->channel_slot = c.channel_slot;
    channels_.pop_back();
    --metrics_.channels_open;
  }

  // Reads and drops what both sockets hold now (kMaxStaleReads each at most).
  void discard_queued(ChannelState& c) {
    for (udp::socket* socket : {&c.rtp, &c.rtcp}) {
      for (int i = 0; i < kMaxStaleReads; ++i) {
        boost::system::error_code ec;
        socket->receive(asio::buffer(buffer_), 0, ec);
        if (ec == asio::error::would_block || ec == asio::error::try_again) break;
        if (ec) continue;  // an ICMP error queued on the socket, consumed by this read
        ++metrics_.stale_packets_dropped;
        c.last_heard = Clock::now();
      }
    }
  }

  // Asio starts each wait with EPOLL_CTL_MOD, which reports a socket still
  // holding datagrams as ready again at once: what a batch left is read on the
  // next turn, after the other ready handlers.
  //
  // A pooled pair keeps its wait armed, and what arrives is read and dropped
  // at once (drain()), rather than left queued until the pair is reused: a
  // flood to a pooled port then costs what a flood to a port in use costs,
  // one recvfrom per datagram and kDrainBatch per turn (CPU in proportion to
  // the flood, never more per turn), and its socket buffer stays empty. With
  // the wait cancelled instead, every pooled socket could hold a full buffer
  // of junk (2 x media.pool_pairs x rmem_default: hundreds of MiB of kernel
  // memory, charged to the same udp_mem as the SIP sockets), the rest could
  // not tell a peer that keeps sending from one that stopped, and each reuse
  // would pay an EPOLL_CTL_MOD to arm the wait again.
  static void watch(std::shared_ptr<ChannelState> channel, udp::socket& socket) {
    socket.async_wait(udp::socket::wait_read, [channel = std::move(channel),
                                               &socket](boost::system::error_code ec) mutable {
      if (ec || channel->engine == nullptr) return;
      channel->engine->drain(*channel, socket);
      watch(std::move(channel), socket);
    });
  }

  // Sends the `size` bytes in buffer_ on from `target` (nullptr: closed since).
  void relay(ChannelState* target, bool rtcp, bool valid, std::size_t size) {
    if (!valid) {
      ++metrics_.relay_malformed;
      return;
    }
    if (target == nullptr) {
      ++metrics_.relay_drops;
      return;
    }
    const udp::endpoint& to = rtcp ? target->call.remote_rtcp : target->call.remote;
    if (to.port() == 0) {
      ++metrics_.relay_drops;
      return;
    }
    boost::system::error_code ec;
    (rtcp ? target->rtcp : target->rtp).send_to(asio::buffer(buffer_.data(), size), to, 0, ec);
    if (ec)
      ++metrics_.relay_drops;  // dropped, as the network drops packets; the stream goes on
    else
      ++metrics_.packets_relayed;
  }

  void latch(ChannelState& c, const udp::endpoint& from) {
    if (from == c.call.remote) {
      c.call.latch_armed = false;
      return;
    }
    // A (spoofed) source of our own would make relaying loop; the phone's own
    // packet may still come.
    if (in_own_range(from)) return;
    log().info("media: port {}: latched to {} (was {})", c.port, show(from),
               c.call.remote.port() == 0 ? std::string("none") : show(c.call.remote));
    c.call.remote = from;
    c.call.remote_rtcp = rtcp_of(from);
    c.call.latch_armed = false;
    if (c.call.player_slot != kNotPlaying) players_[c.call.player_slot].remote = from;
  }

  // Why nothing can be sent to `remote`, or nullptr.
  const char* unsendable(const udp::endpoint& remote) const {
    if (remote.port() == 0) return "port 0 (a rejected stream)";
    if (remote.address().is_v4() != config_.address.is_v4())
      return "the address family differs from media.address";
    return nullptr;
  }

  // An RTP or RTCP port of media.address that RtpPortRange may bind (the top
  // pair's RTCP may be port_max + 1).
  bool in_own_range(const udp::endpoint& e) const {
    return e.address() == config_.address && e.port() >= config_.port_min &&
           std::uint32_t{e.port()} <= std::uint32_t{config_.port_max} + 1;
  }

  static udp::endpoint rtcp_of(const udp::endpoint& remote) {
    if (remote.port() == std::numeric_limits<std::uint16_t>::max()) return {};  // no port + 1
    return udp::endpoint(remote.address(), static_cast<std::uint16_t>(remote.port() + 1));
  }

  // The channel's new remote, and latching starts over. Never one of our own
  // ports: a packet relayed there would come back in and go round for ever.
  // (A ringback may still play there: a tone played into a channel is read,
  // relayed once at most, and gone.)
  void store_remote(ChannelState& c, const udp::endpoint& remote) {
    c.call.latch_armed = true;
    if (in_own_range(remote)) {
      log().warn(
          "media: port {}: nothing will be relayed to {}: it is in cvw's own media port "
          "range (media.port_min..media.port_max), relaying there would loop",
          c.port, show(remote));
      c.call.remote = c.call.remote_rtcp = udp::endpoint();
      return;
    }
    c.call.remote = remote;
    c.call.remote_rtcp = rtcp_of(remote);
  }

  const std::vector<std::uint8_t>& cycle_for(std::uint8_t payload_type) {
    std::vector<std::uint8_t>& cycle = cycles_[payload_type == kPayloadTypePcmu ? 0 : 1];
    // Built once and never resized again: players point into it.
    if (cycle.empty()) cycle = ringback_cycle(config_.ringback, payload_type);
    return cycle;
  }

  void start_tick() {
    ticking_ = true;
    next_tick_ = Clock::now();
    arm_tick();
  }

  // Absolute deadlines (next += 20 ms), so lateness of one wake-up does not
  // add up into drift.
  void arm_tick() {
    timer_.expires_at(next_tick_);
    timer_.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
      const std::shared_ptr<EngineCore> core = weak.lock();
      if (!core) return;
      if (ec) {
        core->ticking_ = false;
        return;
      }
      core->on_tick();
    });
  }

  void on_tick() {
    if (players_.empty()) {  // nobody plays: the loop sleeps until someone does
      ticking_ = false;
      return;
    }
    const Clock::time_point now = Clock::now();
    const std::int64_t behind = now > next_tick_ ? (now - next_tick_) / kFrame : 0;
    if (behind <= kMaxCatchUpFrames) {
      send_frames(1 + behind, 0);
    } else {
      send_frames(1, behind);
      metrics_.frames_skipped += static_cast<std::uint64_t>(behind);
    }
    next_tick_ += (behind + 1) * kFrame;
    arm_tick();
  }

  void send(Player& p) {
    rtp::write_header(p.header, packet_.data());
    std::memcpy(packet_.data() + rtp::kHeaderBytes, p.cycle + std::size_t{p.frame} * kFrameSamples,
                kFrameSamples);
    boost::system::error_code ec;
    p.channel->rtp.send_to(asio::buffer(packet_), p.remote, 0, ec);
    if (ec)
      ++metrics_.send_errors;  // dropped, like a packet lost on the way; the stream goes on
    else
      ++metrics_.packets_sent;
    p.header.marker = false;
    ++p.header.sequence;
    p.header.timestamp += kFrameSamples;
    if (++p.frame == p.cycle_frames) p.frame = 0;
  }

  asio::io_context& io_;
  MediaConfig config_;
  std::string address_;
  MediaMetrics metrics_;
  RtpPortRange ports_;
  const std::chrono::milliseconds rest_;  // media.pool_rest_ms
  std::vector<ChannelState*> channels_;   // every open channel, to close them when the engine goes
  // Pairs of ended calls, bound and watched, oldest release first (FIFO):
  // the pair handed out again is the one that has rested longest, so late
  // packets of its last call have had the most time to stop, as next-fit
  // gives pairs bound anew (LIFO would hand out the pair just released).
  std::deque<std::shared_ptr<ChannelState>> pool_;
  std::vector<Player> players_;
  std::array<std::vector<std::uint8_t>, 2> cycles_;  // PCMU, PCMA
  asio::steady_timer timer_;
  bool ticking_ = false;
  Clock::time_point next_tick_{};
  std::array<std::uint8_t, rtp::kHeaderBytes + kFrameSamples> packet_{};
  std::array<std::uint8_t, kMaxRelayedBytes + 1> buffer_{};  // every read, relayed or not
};

void send_frame_now(MediaEngine& engine) {
  engine.core_->send_frames(1, 0);
}

void drain_rtp_now(MediaChannel& channel) {
  ChannelState& c = *channel.state_;
  if (c.engine == nullptr) return;
  while (!c.engine->drain(c, c.rtp)) {
  }
}

}  // namespace detail

MediaEngine::MediaEngine(boost::asio::io_context& io, MediaConfig config)
    : core_(std::make_shared<detail::EngineCore>(io, std::move(config))) {}

MediaEngine::~MediaEngine() {
  core_->shutdown();
}

Result<std::unique_ptr<MediaChannel>> MediaEngine::open() {
  Result<std::shared_ptr<detail::ChannelState>> state = core_->open();
  if (!state) return state.error();
  return std::unique_ptr<MediaChannel>(new MediaChannel(std::move(state).value()));
}

const MediaMetrics& MediaEngine::metrics() const {
  return core_->metrics();
}
const MediaConfig& MediaEngine::config() const {
  return core_->config();
}

MediaChannel::MediaChannel(std::shared_ptr<detail::ChannelState> state)
    : state_(std::move(state)) {}

MediaChannel::~MediaChannel() {
  if (detail::EngineCore* engine = state_->engine) engine->release(std::move(state_));
}

const std::string& MediaChannel::address() const {
  return state_->address;
}
std::uint16_t MediaChannel::port() const {
  return state_->port;
}

void MediaChannel::play_ringback(const boost::asio::ip::udp::endpoint& remote,
                                 std::uint8_t payload_type) {
  if (state_->engine != nullptr) state_->engine->play(*state_, remote, payload_type);
}

void MediaChannel::stop() {
  if (state_->engine != nullptr) state_->engine->stop(*state_);
}

bool MediaChannel::playing() const {
  return state_->call.player_slot != detail::kNotPlaying;
}

void MediaChannel::set_remote(const boost::asio::ip::udp::endpoint& remote) {
  if (state_->engine != nullptr) state_->engine->set_remote(*state_, remote);
}

void MediaChannel::forward_to(MediaChannel* to) {
  if (state_->engine != nullptr)
    state_->engine->forward_to(*state_, to == nullptr ? nullptr : to->state_.get());
}

bool MediaChannel::forwarding() const {
  return state_->call.forwarding;
}

void MediaChannel::set_latching(bool on) {
  state_->call.latching = on;
}

boost::asio::ip::udp::endpoint MediaChannel::remote() const {
  return state_->call.remote;
}

}  // namespace cvw::media
