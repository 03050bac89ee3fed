// Channels and engines destroyed at awkward moments: while playing, from
// inside a completion handler, while inbound packets are pending, engine
// first; and what becomes of the pair then: the engine's pool (reuse as a
// fresh channel, stale packets dropped, the bound, the rest, exhaustion).
// Meant to run under ASan (CVW_SANITIZE=ON).
#include <gtest/gtest.h>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdio>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <thread>

#include "media/media_engine.hpp"
#include "media_test_support.hpp"

namespace cvw::media {
namespace {

using namespace std::chrono_literals;
using test::bindable;
using test::kLoopback;
using test::Receiver;
using test::udp;

using Bytes = std::vector<std::uint8_t>;

// Version 2, then bytes that tell packets apart.
Bytes rtp_packet(std::uint8_t seed) {
  Bytes b(60);
  for (std::size_t i = 0; i < b.size(); ++i) b[i] = static_cast<std::uint8_t>(seed * 31 + i * 7);
  b[0] = 0x80;
  return b;
}
Bytes rtcp_packet(std::uint8_t seed) {
  return Bytes{0x80, 201, 0x00, 0x01, 0xde, 0xad, 0xbe, seed};
}

// Bytes the kernel holds for the UDP socket bound to 127.0.0.1:`port` (its
// rx_queue in /proc/net/udp), 0 when there is none.
std::size_t queued_bytes(std::uint16_t port) {
  std::ifstream table("/proc/net/udp");
  std::string line;
  char wanted[16];
  std::snprintf(wanted, sizeof wanted, "0100007F:%04X", port);
  while (std::getline(table, line)) {
    std::istringstream fields(line);
    std::string slot, local, remote, state, queues;
    if (!(fields >> slot >> local >> remote >> state >> queues) || local != wanted) continue;
    return std::stoul(queues.substr(queues.find(':') + 1), nullptr, 16);
  }
  return 0;
}

// A peer that sends from an ephemeral port of 127.0.0.1.
class Sender {
 public:
  explicit Sender(boost::asio::io_context& io) : socket_(io, udp::endpoint(kLoopback, 0)) {}
  udp::endpoint endpoint() const { return socket_.local_endpoint(); }
  void send(const Bytes& bytes, std::uint16_t port) {
    socket_.send_to(boost::asio::buffer(bytes), udp::endpoint(kLoopback, port));
  }
  // The same, returning once the datagram is queued at `port`, a socket
  // nothing reads meanwhile. A loopback datagram is usually there when
  // send_to returns, but under load the kernel may leave the delivery to
  // ksoftirqd, and a test that counts what a release finds must not race it.
  void send_queued(const Bytes& bytes, std::uint16_t port) {
    const std::size_t before = queued_bytes(port);
    send(bytes, port);
    for (int i = 0; i < 1000 && queued_bytes(port) <= before; ++i) std::this_thread::sleep_for(1ms);
  }

 private:
  udp::socket socket_;
};

class ChannelLifetimeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config_ = test::loopback_config();
    ASSERT_NE(config_.port_min, 0) << "no free block of 8 UDP ports on 127.0.0.1";
  }

  // Runs the loop until `done` or a second passed.
  void run_until(const std::function<bool()>& done) {
    const auto end = std::chrono::steady_clock::now() + 1s;
    while (!done() && std::chrono::steady_clock::now() < end) test::run_for(io_, 5ms);
  }

  boost::asio::io_context io_;
  MediaConfig config_;
};

TEST_F(ChannelLifetimeTest, DestroyedFromAHandlerWhilePlayingTheOtherGoesOn) {
  MediaEngine engine(io_, config_);
  Receiver phone(io_);
  std::unique_ptr<MediaChannel> doomed = engine.open().value();
  std::unique_ptr<MediaChannel> kept = engine.open().value();
  doomed->play_ringback(phone.endpoint(), 0);
  kept->play_ringback(phone.endpoint(), 8);

  boost::asio::steady_timer timer(io_, 50ms);
  timer.async_wait([&](boost::system::error_code) { doomed.reset(); });
  test::run_for(io_, 80ms);
  ASSERT_FALSE(doomed);
  phone.drain();

  const std::vector<test::Datagram> later = phone.collect(io_, 3);
  ASSERT_GE(later.size(), 3u);
  for (const test::Datagram& d : later) EXPECT_EQ(d.from.port(), kept->port());
  EXPECT_TRUE(kept->playing());
  EXPECT_EQ(engine.metrics().channels_open, 1u);
}

TEST_F(ChannelLifetimeTest, DestroyedWithInboundPacketsAndTicksPending) {
  MediaEngine engine(io_, config_);
  udp::socket phone(io_, udp::endpoint(kLoopback, 0));
  phone.non_blocking(true);
  const std::array<std::uint8_t, 40> packet{0x80};
  // Destroy the channel after 0..5 handler runs: before or after its socket
  // waits completed, before or after the tick fired.
  for (int i = 0; i < 24; ++i) {
    std::unique_ptr<MediaChannel> channel = engine.open().value();
    channel->play_ringback(phone.local_endpoint(), i % 2 == 0 ? 0 : 8);
    boost::system::error_code ignore;
    phone.send_to(boost::asio::buffer(packet), udp::endpoint(kLoopback, channel->port()), 0,
                  ignore);
    phone.send_to(boost::asio::buffer(packet),
                  udp::endpoint(kLoopback, static_cast<std::uint16_t>(channel->port() + 1)), 0,
                  ignore);
    io_.restart();
    for (int k = 0; k < i % 6; ++k) io_.run_one_for(20ms);
    if (i % 3 == 0) {
      boost::asio::post(io_, [&channel] { channel.reset(); });
      io_.restart();
      io_.poll();
    }
    channel.reset();
  }
  test::run_for(io_, 50ms);
  EXPECT_EQ(engine.metrics().channels_open, 0u);
  EXPECT_EQ(engine.metrics().channels_opened, 24u);
}

TEST_F(ChannelLifetimeTest, EngineDestroyedFirstLeavesInertChannels) {
  auto engine = std::make_unique<MediaEngine>(io_, config_);
  Receiver phone(io_);
  std::unique_ptr<MediaChannel> channel = engine->open().value();
  const std::uint16_t port = channel->port();
  channel->play_ringback(phone.endpoint(), 0);
  ASSERT_GE(phone.collect(io_, 2).size(), 2u);

  engine.reset();  // with the tick and socket waits still pending
  EXPECT_FALSE(channel->playing());
  EXPECT_EQ(channel->port(), port);
  EXPECT_EQ(channel->address(), "127.0.0.1");
  channel->play_ringback(phone.endpoint(), 0);
  EXPECT_FALSE(channel->playing());
  channel->stop();
  phone.drain();
  test::run_for(io_, 50ms);
  EXPECT_TRUE(phone.drain().empty());
  channel.reset();
  test::run_for(io_, 10ms);
}

TEST_F(ChannelLifetimeTest, AReusedPairIsAFreshChannelOnTheSamePort) {
  config_.pool_rest_ms = 0;
  MediaEngine engine(io_, config_);
  Receiver phone(io_);
  Sender stranger(io_);
  std::unique_ptr<MediaChannel> first = engine.open().value();
  std::unique_ptr<MediaChannel> other = engine.open().value();
  const std::uint16_t port = first->port();
  first->set_latching(true);
  first->play_ringback(phone.endpoint(), 0);
  const std::vector<test::Datagram> before = phone.collect(io_, 3);
  ASSERT_GE(before.size(), 3u);
  const std::uint32_t old_ssrc = test::parse_rtp(before.back().bytes).ssrc;
  first->forward_to(other.get());
  other->forward_to(first.get());
  first->play_ringback(phone.endpoint(), 0);  // forward_to() stopped it; playing again at release

  first.reset();
  EXPECT_EQ(engine.metrics().channels_pooled, 1u);
  EXPECT_EQ(engine.metrics().channels_open, 1u);
  std::unique_ptr<MediaChannel> again = engine.open().value();
  EXPECT_EQ(again->port(), port);
  EXPECT_EQ(engine.metrics().channels_reused, 1u);
  EXPECT_EQ(engine.metrics().channels_pooled, 0u);
  EXPECT_EQ(engine.metrics().channels_opened, 3u);
  EXPECT_FALSE(again->playing());
  EXPECT_FALSE(again->forwarding());
  EXPECT_EQ(again->remote().port(), 0);
  phone.drain();
  test::run_for(io_, 60ms);
  EXPECT_TRUE(phone.drain().empty()) << "the last call's ringback goes on";

  // Latching is off again: a stranger's packet is read but moves nothing.
  stranger.send(rtp_packet(1), port);
  run_until([&] { return engine.metrics().packets_received >= 1; });
  EXPECT_EQ(engine.metrics().packets_received, 1u);
  EXPECT_EQ(again->remote().port(), 0);

  // A new RTP source (RFC 3550 §5.1), starting a talkspurt.
  again->play_ringback(phone.endpoint(), 8);
  const std::vector<test::Datagram> after = phone.collect(io_, 1);
  ASSERT_GE(after.size(), 1u);
  const test::RtpHeader h = test::parse_rtp(after.front().bytes);
  EXPECT_NE(h.ssrc, old_ssrc);
  EXPECT_TRUE(h.marker);
  EXPECT_EQ(h.payload_type, 8u);
  EXPECT_EQ(after.front().from.port(), port);
}

TEST_F(ChannelLifetimeTest, StalePacketsAreDroppedAndCountedNeverRelayedNorLatchedToInTheNextCall) {
  // No rest, so that the pair is reused with the late packets still queued
  // (with a rest they would make it be closed instead: the test below).
  config_.pool_rest_ms = 0;
  MediaEngine engine(io_, config_);
  Sender old_peer(io_);
  Receiver phone_a(io_);
  Receiver sink(io_);  // where b sends
  std::unique_ptr<MediaChannel> a = engine.open().value();
  std::unique_ptr<MediaChannel> b = engine.open().value();
  const std::uint16_t port = a->port();

  // Queued in the kernel, never read by a handler (the loop does not run),
  // when the call ends: the release reads and drops them.
  for (std::uint8_t i = 0; i < 3; ++i) old_peer.send_queued(rtp_packet(i), port);
  for (std::uint8_t i = 0; i < 2; ++i)
    old_peer.send_queued(rtcp_packet(i), static_cast<std::uint16_t>(port + 1));
  a.reset();
  EXPECT_EQ(engine.metrics().stale_packets_dropped, 5u);

  // Late ones, queued while the pair rests and still unread when it is
  // reused: the reuse reads and drops them.
  for (std::uint8_t i = 10; i < 14; ++i) old_peer.send_queued(rtp_packet(i), port);
  a = engine.open().value();
  ASSERT_EQ(a->port(), port);
  EXPECT_EQ(engine.metrics().stale_packets_dropped, 9u);

  a->set_latching(true);
  a->set_remote(phone_a.endpoint());
  b->set_remote(sink.endpoint());
  a->forward_to(b.get());
  b->forward_to(a.get());
  test::run_for(io_, 50ms);
  EXPECT_TRUE(sink.drain().empty()) << "a stale packet reached the next call";
  EXPECT_EQ(a->remote(), phone_a.endpoint()) << "latched to the last call's peer";
  EXPECT_EQ(engine.metrics().packets_received, 0u);
  EXPECT_EQ(engine.metrics().packets_relayed, 0u);
  EXPECT_EQ(engine.metrics().stale_packets_dropped, 9u);

  // The new call's own packets go through (and latch, as asked).
  Sender new_peer(io_);
  new_peer.send(rtp_packet(20), port);
  new_peer.send(rtp_packet(21), port);
  const std::vector<test::Datagram> relayed = sink.collect(io_, 2);
  ASSERT_EQ(relayed.size(), 2u);
  EXPECT_EQ(relayed[0].bytes, rtp_packet(20));
  EXPECT_EQ(relayed[1].bytes, rtp_packet(21));
  EXPECT_EQ(a->remote(), new_peer.endpoint());
  EXPECT_EQ(engine.metrics().packets_relayed, 2u);
}

TEST_F(ChannelLifetimeTest, WhileAPairRestsWhatArrivesIsReadAndDropped) {
  MediaEngine engine(io_, config_);
  Sender old_peer(io_);
  std::unique_ptr<MediaChannel> a = engine.open().value();
  const std::uint16_t port = a->port();
  test::run_for(io_, 10ms);
  a.reset();
  // Its socket waits stay armed in the pool: the loop reads these as they
  // come, so they fill no socket buffer until a reuse.
  for (std::uint8_t i = 0; i < 100; ++i) {
    old_peer.send(rtp_packet(i), port);
    old_peer.send(rtcp_packet(i), static_cast<std::uint16_t>(port + 1));
  }
  run_until([&] { return engine.metrics().stale_packets_dropped >= 200; });
  EXPECT_EQ(engine.metrics().stale_packets_dropped, 200u);
  EXPECT_EQ(engine.metrics().packets_received, 0u);
  EXPECT_EQ(engine.metrics().channels_pooled, 1u);
}

TEST_F(ChannelLifetimeTest, AForwarderOfAReleasedPairDoesNotReachItsNextCall) {
  config_.pool_rest_ms = 0;
  MediaEngine engine(io_, config_);
  Sender phone_x(io_);
  Receiver phone_y(io_);
  std::unique_ptr<MediaChannel> x = engine.open().value();
  std::unique_ptr<MediaChannel> y = engine.open().value();
  y->set_remote(phone_y.endpoint());
  x->forward_to(y.get());
  const std::uint16_t y_port = y->port();
  y.reset();
  // The same pair (the same inner state) serves the next call; x must not
  // find its way to it.
  y = engine.open().value();
  ASSERT_EQ(y->port(), y_port);
  y->set_remote(phone_y.endpoint());
  EXPECT_TRUE(x->forwarding());
  phone_x.send(rtp_packet(1), x->port());
  run_until([&] { return engine.metrics().packets_received >= 1; });
  EXPECT_EQ(engine.metrics().relay_drops, 1u);
  EXPECT_EQ(engine.metrics().packets_relayed, 0u);
  test::run_for(io_, 20ms);
  EXPECT_TRUE(phone_y.drain().empty());
}

TEST_F(ChannelLifetimeTest, ThePoolKeepsAtMostPoolPairsAndHandsOutTheOldestFirst) {
  config_.pool_pairs = 2;
  config_.pool_rest_ms = 0;
  MediaEngine engine(io_, config_);
  std::vector<std::unique_ptr<MediaChannel>> channels;
  std::vector<std::uint16_t> ports;
  for (int i = 0; i < 4; ++i) {
    channels.push_back(engine.open().value());
    ports.push_back(channels.back()->port());
  }
  for (auto& c : channels) c.reset();  // released in the order opened
  EXPECT_EQ(engine.metrics().channels_pooled, 2u);
  EXPECT_EQ(engine.metrics().channels_open, 0u);
  EXPECT_FALSE(bindable(ports[0]));
  EXPECT_FALSE(bindable(static_cast<std::uint16_t>(ports[1] + 1)));
  EXPECT_TRUE(bindable(ports[2])) << "beyond media.pool_pairs a released pair is closed";
  EXPECT_TRUE(bindable(static_cast<std::uint16_t>(ports[2] + 1)));
  EXPECT_TRUE(bindable(ports[3]));

  std::unique_ptr<MediaChannel> first = engine.open().value();
  std::unique_ptr<MediaChannel> second = engine.open().value();
  EXPECT_EQ(first->port(), ports[0]);
  EXPECT_EQ(second->port(), ports[1]);
  EXPECT_EQ(engine.metrics().channels_reused, 2u);
  EXPECT_EQ(engine.metrics().channels_pooled, 0u);
}

TEST_F(ChannelLifetimeTest, ARestingPairIsLeftAloneWhileAnotherCanBeBound) {
  config_.pool_rest_ms = 200;
  MediaEngine engine(io_, config_);
  std::unique_ptr<MediaChannel> a = engine.open().value();
  const std::uint16_t first = a->port();
  a.reset();
  std::unique_ptr<MediaChannel> b = engine.open().value();
  const std::uint16_t second = b->port();
  EXPECT_NE(second, first) << "reused before its rest";
  EXPECT_EQ(engine.metrics().channels_reused, 0u);
  b.reset();
  EXPECT_EQ(engine.metrics().channels_pooled, 2u);

  std::this_thread::sleep_for(250ms);
  a = engine.open().value();
  b = engine.open().value();
  EXPECT_EQ(a->port(), first);
  EXPECT_EQ(b->port(), second);
  EXPECT_EQ(engine.metrics().channels_reused, 2u);
}

TEST_F(ChannelLifetimeTest, APairStillSentToAfterItsRestIsClosedNotReused) {
  config_.pool_rest_ms = 150;
  MediaEngine engine(io_, config_);
  Sender old_peer(io_);
  std::unique_ptr<MediaChannel> a = engine.open().value();
  std::unique_ptr<MediaChannel> b = engine.open().value();
  const std::uint16_t noisy = a->port();
  const std::uint16_t quiet = b->port();
  a.reset();  // the first to be reused, were it quiet
  b.reset();
  // a's last peer never got the BYE and keeps sending (read by the pooled
  // pair's wait as it comes); b's stopped.
  const auto end = std::chrono::steady_clock::now() + 400ms;
  while (std::chrono::steady_clock::now() < end) {
    old_peer.send(rtp_packet(1), noisy);
    test::run_for(io_, 10ms);
  }
  std::unique_ptr<MediaChannel> c = engine.open().value();
  EXPECT_EQ(c->port(), quiet);
  EXPECT_EQ(engine.metrics().stale_pairs_closed, 1u);
  EXPECT_EQ(engine.metrics().channels_reused, 1u);
  EXPECT_EQ(engine.metrics().channels_pooled, 0u);
  EXPECT_GE(engine.metrics().stale_packets_dropped, 10u);
  EXPECT_TRUE(bindable(noisy)) << "closed, so that its peer gets port unreachable";
  EXPECT_TRUE(bindable(static_cast<std::uint16_t>(noisy + 1)));
}

TEST_F(ChannelLifetimeTest, ExhaustionIs503OnlyWhenThePoolIsEmptyAndNothingCanBeBound) {
  // Two pairs; the default rest (1 s) does not end during the test, so every
  // reuse here is the pool standing in for a range with nothing left.
  config_.port_max = static_cast<std::uint16_t>(config_.port_min + 3);
  MediaEngine engine(io_, config_);
  std::unique_ptr<MediaChannel> a = engine.open().value();
  std::unique_ptr<MediaChannel> b = engine.open().value();
  const Result<std::unique_ptr<MediaChannel>> full = engine.open();
  ASSERT_FALSE(full.ok());
  EXPECT_EQ(full.error().status, 503);
  EXPECT_NE(full.error().message.find("no free RTP port pair"), std::string::npos)
      << full.error().message;

  const std::uint16_t a_port = a->port();
  a.reset();
  Result<std::unique_ptr<MediaChannel>> c = engine.open();
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ((*c)->port(), a_port);
  EXPECT_EQ(engine.metrics().channels_reused, 1u);

  const Result<std::unique_ptr<MediaChannel>> again = engine.open();
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().status, 503);
  EXPECT_EQ(engine.metrics().open_failures, 2u);
  EXPECT_EQ(engine.metrics().channels_open, 2u);
}

TEST_F(ChannelLifetimeTest, APairHeldByAnotherProgramStillLeavesThePoolToServe) {
  // Pair 0 belongs to someone else: binding fails on it and on pair 1 (in
  // the pool), and the pool serves.
  config_.port_max = static_cast<std::uint16_t>(config_.port_min + 3);
  udp::socket holder(io_, udp::endpoint(kLoopback, config_.port_min));
  MediaEngine engine(io_, config_);
  std::unique_ptr<MediaChannel> a = engine.open().value();
  EXPECT_EQ(a->port(), config_.port_min + 2);
  a.reset();
  Result<std::unique_ptr<MediaChannel>> b = engine.open();
  ASSERT_TRUE(b.ok()) << b.error().message;
  EXPECT_EQ((*b)->port(), config_.port_min + 2);
  EXPECT_FALSE(engine.open().ok());
}

TEST_F(ChannelLifetimeTest, EngineDestroyedWithPooledPairsClosesThem) {
  auto engine = std::make_unique<MediaEngine>(io_, config_);
  Receiver phone(io_);
  Sender old_peer(io_);
  std::unique_ptr<MediaChannel> a = engine->open().value();
  std::unique_ptr<MediaChannel> b = engine->open().value();
  std::unique_ptr<MediaChannel> kept = engine->open().value();
  const std::uint16_t a_port = a->port();
  const std::uint16_t b_port = b->port();
  a->play_ringback(phone.endpoint(), 0);
  b->set_remote(phone.endpoint());
  b->forward_to(kept.get());
  kept->forward_to(b.get());
  ASSERT_GE(phone.collect(io_, 2).size(), 2u);
  a.reset();
  b.reset();
  ASSERT_EQ(engine->metrics().channels_pooled, 2u);
  // Datagrams for the pooled pairs, one read by a pooled handler, the rest
  // with their readiness pending when the engine goes.
  for (std::uint8_t i = 0; i < 20; ++i) {
    old_peer.send(rtp_packet(i), a_port);
    old_peer.send(rtcp_packet(i), static_cast<std::uint16_t>(b_port + 1));
  }
  io_.restart();
  io_.run_one_for(100ms);

  engine.reset();
  EXPECT_TRUE(bindable(a_port));
  EXPECT_TRUE(bindable(static_cast<std::uint16_t>(a_port + 1)));
  EXPECT_TRUE(bindable(b_port));
  EXPECT_TRUE(bindable(static_cast<std::uint16_t>(b_port + 1)));
  EXPECT_FALSE(kept->forwarding());
  kept->play_ringback(phone.endpoint(), 0);
  EXPECT_FALSE(kept->playing());
  old_peer.send(rtp_packet(99), a_port);
  test::run_for(io_, 30ms);  // the aborted waits run, with nothing behind them
  kept.reset();
  test::run_for(io_, 10ms);
}

}  // namespace
}  // namespace cvw::media
