// The media engine: channels, the shared 20 ms tick, the play list; see
// media_engine.hpp for the threading and ownership rules.
#include "media/media_engine.hpp"

#include <array>
#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstring>
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

}  // namespace

// What a MediaChannel is. Shared with the channel's pending socket waits, so
// it outlives them; `engine` is cleared on close, which is what they check.
struct ChannelState {
  explicit ChannelState(asio::io_context& io) : rtp(io), rtcp(io) {}

  EngineCore* engine = nullptr;
  udp::socket rtp;
  udp::socket rtcp;
  std::string address;
  std::uint16_t port = 0;
  std::size_t channel_slot = 0;           // index in EngineCore::channels_
  std::size_t player_slot = kNotPlaying;  // index in EngineCore::players_
  // The RTP source while silent, so that playing again continues it.
  rtp::Header stream;
  Clock::time_point stopped_at{};
  bool has_played = false;
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

void close_sockets(ChannelState& c) {
  boost::system::error_code ignore;
  c.rtp.close(ignore);
  c.rtcp.close(ignore);
}

std::string sdp_address(const asio::ip::address& address) {
  std::string text = address.to_string();
  // c= carries no IPv6 zone ("fe80::1%eth0").
  if (const std::size_t zone = text.find('%'); zone != std::string::npos) text.erase(zone);
  return text;
}

std::string show(const udp::endpoint& e) {
  return e.address().is_v6() ? "[" + e.address().to_string() + "]:" + std::to_string(e.port())
                             : e.address().to_string() + ":" + std::to_string(e.port());
}

}  // namespace

class EngineCore : public std::enable_shared_from_this<EngineCore> {
 public:
  EngineCore(asio::io_context& io, MediaConfig config)
      : io_(io),
        config_(std::move(config)),
        address_(sdp_address(config_.address)),
        ports_(config_.port_min, config_.port_max),
        timer_(io) {}

  const MediaConfig& config() const { return config_; }
  const MediaMetrics& metrics() const { return metrics_; }

  Result<std::shared_ptr<ChannelState>> open() {
    auto channel = std::make_shared<ChannelState>(io_);
    const Result<std::uint16_t> port = ports_.bind(config_.address, channel->rtp, channel->rtcp);
    if (!port) {
      ++metrics_.open_failures;
      log().warn("media: cannot open an RTP channel: {}", port.error().message);
      return port.error();
    }
    channel->engine = this;
    channel->address = address_;
    channel->port = *port;
    // RFC 3550 §5.1: SSRC, first sequence number and timestamp are random.
    const std::uint64_t bits = random_engine()();
    channel->stream.ssrc = static_cast<std::uint32_t>(bits);
    channel->stream.sequence = static_cast<std::uint16_t>(bits >> 32);
    channel->stream.timestamp = static_cast<std::uint32_t>(random_engine()());
    channel->channel_slot = channels_.size();
    channels_.push_back(channel.get());
    ++metrics_.channels_open;
    ++metrics_.channels_opened;
    watch(channel, channel->rtp);
    watch(channel, channel->rtcp);
    log().debug("media: opened RTP {} port {}", address_, channel->port);
    return channel;
  }

  void close(ChannelState& c) {
    stop(c);
    ChannelState* last = channels_.back();
    channels_[c.channel_slot] = last;
    last->channel_slot = c.channel_slot;
    channels_.pop_back();
    close_sockets(c);
    c.engine = nullptr;
    --metrics_.channels_open;
    log().debug("media: closed RTP port {}", c.port);
  }

  void play(ChannelState& c, const udp::endpoint& remote, std::uint8_t payload_type) {
    const char* refused = nullptr;
    if (payload_type != kPayloadTypePcmu && payload_type != kPayloadTypePcma)
      refused = "the payload type is neither PCMU (0) nor PCMA (8)";
    else if (remote.port() == 0)
      refused = "port 0 (a rejected stream)";
    else if (remote.address().is_v4() != config_.address.is_v4())
      refused = "the address family differs from media.address";
    if (refused != nullptr) {
      log().warn("media: port {}: no ringback to {} with payload type {}: {}", c.port, show(remote),
                 unsigned{payload_type}, refused);
      stop(c);
      return;
    }
    const std::vector<std::uint8_t>& cycle = cycle_for(payload_type);
    if (c.player_slot == kNotPlaying) {
      // The timestamp counts sampling instants (RFC 3550 §5.1), so it moves
      // on by the silence since the last packet.
      if (c.has_played)
        c.stream.timestamp +=
            static_cast<std::uint32_t>((Clock::now() - c.stopped_at) / kFrame * kFrameSamples);
      c.player_slot = players_.size();
      Player& added = players_.emplace_back();
      added.channel = &c;
      added.header = c.stream;
    }
    Player& p = players_[c.player_slot];
    p.cycle = cycle.data();
    p.cycle_frames = static_cast<std::uint32_t>(cycle.size() / kFrameSamples);
    p.frame = 0;
    p.remote = remote;
    p.header.payload_type = payload_type;
    p.header.marker = true;
    c.has_played = true;
    if (!ticking_) start_tick();
  }

  void stop(ChannelState& c) {
    if (c.player_slot == kNotPlaying) return;
    const std::size_t slot = c.player_slot;
    c.stream = players_[slot].header;
    c.stopped_at = Clock::now();
    if (slot + 1 != players_.size()) {
      players_[slot] = players_.back();
      players_[slot].channel->player_slot = slot;
    }
    players_.pop_back();
    c.player_slot = kNotPlaying;
  }

  // The engine is going: its channels become inert objects.
  void shutdown() {
    players_.clear();
    for (ChannelState* c : channels_) {
      close_sockets(*c);
      c->engine = nullptr;
      c->player_slot = kNotPlaying;
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

 private:
  static void watch(std::shared_ptr<ChannelState> channel, udp::socket& socket) {
    socket.async_wait(udp::socket::wait_read, [channel = std::move(channel),
                                               &socket](boost::system::error_code ec) mutable {
      if (ec || channel->engine == nullptr) return;
      channel->engine->drain(socket);
      watch(std::move(channel), socket);
    });
  }

  // The phone's RTP and RTCP are read only so the socket buffers never fill;
  // the bytes go to one engine-wide scratch buffer, nobody reads them.
  void drain(udp::socket& socket) {
    for (int i = 0; i < kDrainBatch; ++i) {
      boost::system::error_code ec;
      socket.receive(asio::buffer(sink_), 0, ec);
      if (ec == asio::error::would_block || ec == asio::error::try_again) return;
      // Another error (an ICMP error queued on the socket) is consumed by this read.
      if (!ec) ++metrics_.packets_received;
    }
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
  std::vector<ChannelState*> channels_;  // every open channel, to close them when the engine goes
  std::vector<Player> players_;
  std::array<std::vector<std::uint8_t>, 2> cycles_;  // PCMU, PCMA
  asio::steady_timer timer_;
  bool ticking_ = false;
  Clock::time_point next_tick_{};
  std::array<std::uint8_t, rtp::kHeaderBytes + kFrameSamples> packet_{};
  std::array<std::uint8_t, 2048> sink_{};
};

void send_frame_now(MediaEngine& engine) {
  engine.core_->send_frames(1, 0);
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
  if (state_->engine != nullptr) state_->engine->close(*state_);
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
  return state_->player_slot != detail::kNotPlaying;
}

}  // namespace cvw::media
