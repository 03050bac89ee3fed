// Anchored media: two channels relaying between two test "phones" (plain UDP
// sockets on 127.0.0.1), byte for byte, RTP and RTCP; ringback handover,
// destruction while packets flow (meant for ASan), bad packets, latching.
#include <gtest/gtest.h>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>

#include "media/media_engine.hpp"
#include "media_test_support.hpp"

namespace cvw::media {
namespace {

using namespace std::chrono_literals;
using test::Datagram;
using test::kLoopback;
using test::udp;
using Bytes = std::vector<std::uint8_t>;

// A phone's RTP socket on an ephemeral port and its RTCP socket on the port
// above, read when the test likes.
class Phone {
 public:
  explicit Phone(boost::asio::io_context& io) : rtp_(io), rtcp_(io) {
    for (int attempt = 0; attempt < 100; ++attempt) {
      boost::system::error_code ec;
      rtp_.open(udp::v4());
      rtp_.bind(udp::endpoint(kLoopback, 0));
      const std::uint16_t port = rtp_.local_endpoint().port();
      if (port % 2 == 0) {
        rtcp_.open(udp::v4());
        rtcp_.bind(udp::endpoint(kLoopback, static_cast<std::uint16_t>(port + 1)), ec);
        if (!ec) break;
        rtcp_.close();
      }
      rtp_.close();
    }
    for (udp::socket* s : {&rtp_, &rtcp_}) {
      s->non_blocking(true);
      s->set_option(boost::asio::socket_base::receive_buffer_size(1 << 20));
    }
  }

  udp::endpoint rtp() const { return rtp_.local_endpoint(); }
  udp::endpoint rtcp() const { return rtcp_.local_endpoint(); }

  void send_rtp(const Bytes& bytes, std::uint16_t to_port) {
    rtp_.send_to(boost::asio::buffer(bytes), udp::endpoint(kLoopback, to_port));
  }
  void send_rtcp(const Bytes& bytes, std::uint16_t to_port) {
    rtcp_.send_to(boost::asio::buffer(bytes), udp::endpoint(kLoopback, to_port));
  }

  // What arrived on each socket, running `io` in slices until `count` have
  // or `limit` passed.
  std::vector<Datagram> collect_rtp(boost::asio::io_context& io, std::size_t count,
                                    std::chrono::milliseconds limit = 2000ms) {
    return collect(io, rtp_, count, limit);
  }
  std::vector<Datagram> collect_rtcp(boost::asio::io_context& io, std::size_t count,
                                     std::chrono::milliseconds limit = 2000ms) {
    return collect(io, rtcp_, count, limit);
  }

 private:
  static std::vector<Datagram> collect(boost::asio::io_context& io, udp::socket& s,
                                       std::size_t count, std::chrono::milliseconds limit) {
    std::vector<Datagram> out;
    const auto end = std::chrono::steady_clock::now() + limit;
    for (;;) {
      for (;;) {
        Bytes buffer(4096);
        udp::endpoint from;
        boost::system::error_code ec;
        const std::size_t n = s.receive_from(boost::asio::buffer(buffer), from, 0, ec);
        if (ec) break;
        buffer.resize(n);
        out.push_back(Datagram{std::move(buffer), from});
      }
      if (out.size() >= count || std::chrono::steady_clock::now() >= end) return out;
      test::run_for(io, 10ms);
    }
  }

  udp::socket rtp_;
  udp::socket rtcp_;
};

// An RTP packet of `size` bytes (>= 12): version 2, then bytes that differ
// per packet so a swapped or altered one shows.
Bytes rtp_packet(std::size_t size, std::uint8_t seed) {
  Bytes b(size);
  for (std::size_t i = 0; i < size; ++i) b[i] = static_cast<std::uint8_t>(seed * 31 + i * 7);
  b[0] = 0x80;
  return b;
}

// A receiver report with no report block (8 bytes, RFC 3550 §6.4.2).
Bytes rtcp_packet(std::uint8_t seed) {
  return Bytes{0x80, 201, 0x00, 0x01, 0xde, 0xad, 0xbe, seed};
}

std::vector<Bytes> payloads(const std::vector<Datagram>& d) {
  std::vector<Bytes> out;
  for (const Datagram& x : d) out.push_back(x.bytes);
  return out;
}

class RelayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // The phones exist before the range is chosen, so it cannot hold their
    // ports (a remote in cvw's own range is refused).
    config_ = test::loopback_config();
    ASSERT_NE(config_.port_min, 0) << "no free block of 8 UDP ports on 127.0.0.1";
    engine_ = std::make_unique<MediaEngine>(io_, config_);
    a_ = open();
    b_ = open();
    ASSERT_TRUE(a_ && b_);
  }

  std::unique_ptr<MediaChannel> open() {
    Result<std::unique_ptr<MediaChannel>> c = engine_->open();
    EXPECT_TRUE(c.ok()) << c.error().message;
    return c.ok() ? std::move(*c) : nullptr;
  }

  // a faces phone A, b faces phone B, each forwards to the other.
  void anchor() {
    a_->set_remote(phone_a_.rtp());
    b_->set_remote(phone_b_.rtp());
    a_->forward_to(b_.get());
    b_->forward_to(a_.get());
  }

  // Runs the loop until `done` or a second passed.
  void run_until(const std::function<bool()>& done) {
    const auto end = std::chrono::steady_clock::now() + 1s;
    while (!done() && std::chrono::steady_clock::now() < end) test::run_for(io_, 5ms);
  }
  void run_until_received(std::uint64_t packets) {
    run_until([&] { return metrics().packets_received >= packets; });
  }

  const MediaMetrics& metrics() const { return engine_->metrics(); }

  boost::asio::io_context io_;
  Phone phone_a_{io_};
  Phone phone_b_{io_};
  Phone behind_nat_{io_};  // where phone A's packets really come from
  Phone stranger_{io_};
  MediaConfig config_;
  std::unique_ptr<MediaEngine> engine_;
  std::unique_ptr<MediaChannel> a_;
  std::unique_ptr<MediaChannel> b_;
};

TEST_F(RelayTest, RtpAndRtcpCrossByteForByteFromTheChannelsOwnPorts) {
  anchor();
  EXPECT_TRUE(a_->forwarding());
  const std::vector<Bytes> a_to_b = {rtp_packet(172, 1), rtp_packet(12, 2), rtp_packet(1400, 3)};
  const std::vector<Bytes> b_to_a = {rtp_packet(172, 4), rtp_packet(33, 5)};
  for (const Bytes& p : a_to_b) phone_a_.send_rtp(p, a_->port());
  for (const Bytes& p : b_to_a) phone_b_.send_rtp(p, b_->port());
  phone_a_.send_rtcp(rtcp_packet(6), static_cast<std::uint16_t>(a_->port() + 1));
  phone_b_.send_rtcp(rtcp_packet(7), static_cast<std::uint16_t>(b_->port() + 1));

  const std::vector<Datagram> at_b = phone_b_.collect_rtp(io_, a_to_b.size());
  const std::vector<Datagram> at_a = phone_a_.collect_rtp(io_, b_to_a.size());
  const std::vector<Datagram> rtcp_at_b = phone_b_.collect_rtcp(io_, 1);
  const std::vector<Datagram> rtcp_at_a = phone_a_.collect_rtcp(io_, 1);

  EXPECT_EQ(payloads(at_b), a_to_b);
  EXPECT_EQ(payloads(at_a), b_to_a);
  ASSERT_EQ(rtcp_at_b.size(), 1u);
  ASSERT_EQ(rtcp_at_a.size(), 1u);
  EXPECT_EQ(rtcp_at_b[0].bytes, rtcp_packet(6));
  EXPECT_EQ(rtcp_at_a[0].bytes, rtcp_packet(7));
  // Symmetric RTP: each phone sees cvw's port it was told about, nothing else.
  for (const Datagram& d : at_b) EXPECT_EQ(d.from, udp::endpoint(kLoopback, b_->port()));
  for (const Datagram& d : at_a) EXPECT_EQ(d.from, udp::endpoint(kLoopback, a_->port()));
  EXPECT_EQ(rtcp_at_b[0].from,
            udp::endpoint(kLoopback, static_cast<std::uint16_t>(b_->port() + 1)));
  EXPECT_EQ(rtcp_at_a[0].from,
            udp::endpoint(kLoopback, static_cast<std::uint16_t>(a_->port() + 1)));

  EXPECT_EQ(metrics().packets_relayed, 7u);
  EXPECT_EQ(metrics().packets_received, 7u);
  EXPECT_EQ(metrics().relay_drops, 0u);
  EXPECT_EQ(metrics().relay_malformed, 0u);
  EXPECT_EQ(metrics().packets_sent, 0u);  // nothing of cvw's own
}

TEST_F(RelayTest, ABurstLargerThanOneReadBatchIsAllRelayed) {
  anchor();
  // Queued before the loop runs: one readiness for all of them, more than one
  // batch of reads; no later packet comes to wake the socket up again.
  constexpr std::uint64_t kBurst = 150;
  for (std::uint64_t i = 0; i < kBurst; ++i)
    phone_a_.send_rtp(rtp_packet(40, static_cast<std::uint8_t>(i)), a_->port());
  run_until([&] { return metrics().packets_relayed >= kBurst; });
  EXPECT_EQ(metrics().packets_relayed, kBurst);
  const std::vector<Datagram> at_b = phone_b_.collect_rtp(io_, kBurst);
  ASSERT_EQ(at_b.size(), kBurst);
  for (std::uint64_t i = 0; i < kBurst; ++i)
    EXPECT_EQ(at_b[i].bytes, rtp_packet(40, static_cast<std::uint8_t>(i))) << i;
}

TEST_F(RelayTest, ForwardToStopsTheRingbackOfBothAndTheRemoteComesFromPlayRingback) {
  a_->play_ringback(phone_a_.rtp(), 0);
  b_->play_ringback(phone_b_.rtp(), 8);
  ASSERT_GE(phone_b_.collect_rtp(io_, 2).size(), 2u);
  a_->forward_to(b_.get());
  EXPECT_FALSE(a_->playing());
  EXPECT_FALSE(b_->playing());
  EXPECT_EQ(b_->remote(), phone_b_.rtp());
  phone_a_.collect_rtp(io_, 0);
  phone_b_.collect_rtp(io_, 0);  // ringback sent before forward_to()

  const Bytes voice = rtp_packet(172, 9);
  phone_a_.send_rtp(voice, a_->port());
  const std::vector<Datagram> at_b = phone_b_.collect_rtp(io_, 2, 200ms);
  ASSERT_EQ(at_b.size(), 1u) << "the relayed packet and no more ringback";
  EXPECT_EQ(at_b[0].bytes, voice);
  EXPECT_TRUE(phone_a_.collect_rtp(io_, 1, 100ms).empty());
}

TEST_F(RelayTest, ForwardToNullptrStopsRelaying) {
  anchor();
  phone_a_.send_rtp(rtp_packet(100, 1), a_->port());
  ASSERT_EQ(phone_b_.collect_rtp(io_, 1).size(), 1u);

  a_->forward_to(nullptr);
  EXPECT_FALSE(a_->forwarding());
  EXPECT_TRUE(b_->forwarding());
  phone_a_.send_rtp(rtp_packet(100, 2), a_->port());
  phone_a_.send_rtcp(rtcp_packet(3), static_cast<std::uint16_t>(a_->port() + 1));
  run_until_received(3);
  EXPECT_EQ(metrics().packets_received, 3u);  // still read, so the socket never fills
  EXPECT_TRUE(phone_b_.collect_rtp(io_, 1, 50ms).empty());
  EXPECT_TRUE(phone_b_.collect_rtcp(io_, 1, 50ms).empty());
  EXPECT_EQ(metrics().packets_relayed, 1u);
  EXPECT_EQ(metrics().relay_drops, 0u) << "not forwarding is no drop";

  // b -> a still works; and forwarding again resumes.
  phone_b_.send_rtp(rtp_packet(60, 4), b_->port());
  EXPECT_EQ(phone_a_.collect_rtp(io_, 1).size(), 1u);
  a_->forward_to(b_.get());
  phone_a_.send_rtp(rtp_packet(100, 5), a_->port());
  const std::vector<Datagram> at_b = phone_b_.collect_rtp(io_, 1);
  ASSERT_EQ(at_b.size(), 1u);
  EXPECT_EQ(at_b[0].bytes, rtp_packet(100, 5));
}

TEST_F(RelayTest, DestroyingTheTargetWhilePacketsFlowLeavesTheOtherCountingDrops) {
  anchor();
  // Packets keep coming from both phones while a handler destroys b half way.
  boost::asio::steady_timer doom(io_, 30ms);
  doom.async_wait([&](boost::system::error_code) { b_.reset(); });
  for (int round = 0; round < 12; ++round) {
    for (int i = 0; i < 5; ++i) {
      phone_a_.send_rtp(rtp_packet(172, static_cast<std::uint8_t>(i)), a_->port());
      phone_a_.send_rtcp(rtcp_packet(1), static_cast<std::uint16_t>(a_->port() + 1));
      if (b_) phone_b_.send_rtp(rtp_packet(172, 2), b_->port());
    }
    test::run_for(io_, 5ms);
  }
  ASSERT_FALSE(b_);
  EXPECT_TRUE(a_->forwarding());

  const MediaMetrics before = metrics();
  for (int i = 0; i < 10; ++i) phone_a_.send_rtp(rtp_packet(172, 3), a_->port());
  run_until_received(before.packets_received + 10);
  EXPECT_EQ(metrics().relay_drops, before.relay_drops + 10);
  EXPECT_EQ(metrics().packets_relayed, before.packets_relayed);
  EXPECT_GT(before.relay_drops, 0u);
  EXPECT_GT(before.packets_relayed, 0u);

  // a, forwarded to by nobody now, goes too; then the engine.
  a_.reset();
  test::run_for(io_, 20ms);
  EXPECT_EQ(metrics().channels_open, 0u);
}

TEST_F(RelayTest, DestroyingTheSourceWithABacklogAndTheEngineFirstIsSafe) {
  anchor();
  for (int i = 0; i < 150; ++i) phone_a_.send_rtp(rtp_packet(50, 1), a_->port());
  // The readiness handler reads one batch and waits again for the rest...
  io_.restart();
  io_.run_one_for(200ms);
  // ...and a (the source) is gone before that wait completes.
  a_.reset();
  test::run_for(io_, 20ms);
  EXPECT_LT(metrics().packets_relayed, 150u);
  phone_b_.send_rtp(rtp_packet(50, 2), b_->port());
  run_until([&] { return metrics().relay_drops >= 1; });
  EXPECT_EQ(metrics().relay_drops, 1u);

  // A pair still forwarding when the engine goes: both become inert.
  std::unique_ptr<MediaChannel> c = open();
  ASSERT_TRUE(c);
  c->set_remote(phone_a_.rtp());
  b_->forward_to(c.get());
  c->forward_to(b_.get());
  phone_b_.send_rtp(rtp_packet(50, 3), b_->port());
  engine_.reset();
  EXPECT_FALSE(b_->forwarding());
  EXPECT_FALSE(c->forwarding());
  b_->forward_to(c.get());
  EXPECT_FALSE(b_->forwarding());
  test::run_for(io_, 20ms);
  c.reset();
  b_.reset();
  test::run_for(io_, 10ms);
}

TEST_F(RelayTest, PacketsThatCannotBeRtpAreDroppedAndCounted) {
  anchor();
  Bytes version1 = rtp_packet(172, 1);
  version1[0] = 0x40;
  Bytes version0 = rtp_packet(172, 2);
  version0[0] = 0x00;
  Bytes short_one = rtp_packet(12, 3);
  short_one.pop_back();
  const std::vector<Bytes> bad = {Bytes{},
                                  short_one,
                                  version1,
                                  version0,
                                  rtp_packet(kMaxRelayedBytes + 1, 4),
                                  rtp_packet(4000, 5)};
  const Bytes smallest = rtp_packet(12, 6);
  const Bytes largest = rtp_packet(kMaxRelayedBytes, 7);
  for (const Bytes& p : bad) phone_a_.send_rtp(p, a_->port());
  phone_a_.send_rtp(smallest, a_->port());
  phone_a_.send_rtp(largest, a_->port());
  phone_a_.send_rtcp(Bytes{0x80, 201, 0, 1, 0, 0, 0}, static_cast<std::uint16_t>(a_->port() + 1));
  phone_a_.send_rtcp(Bytes{0x40, 201, 0, 1, 0, 0, 0, 0},
                     static_cast<std::uint16_t>(a_->port() + 1));

  run_until_received(bad.size() + 4);
  EXPECT_EQ(metrics().packets_received, bad.size() + 4);
  EXPECT_EQ(metrics().relay_malformed, bad.size() + 2);
  EXPECT_EQ(metrics().packets_relayed, 2u);
  EXPECT_EQ(metrics().relay_drops, 0u);
  EXPECT_EQ(payloads(phone_b_.collect_rtp(io_, 3, 200ms)), (std::vector<Bytes>{smallest, largest}));
  EXPECT_TRUE(phone_b_.collect_rtcp(io_, 1, 50ms).empty());
}

TEST_F(RelayTest, ATargetWithoutRemoteCountsDrops) {
  a_->set_remote(phone_a_.rtp());
  a_->forward_to(b_.get());  // b was never told where to send
  phone_a_.send_rtp(rtp_packet(172, 1), a_->port());
  phone_a_.send_rtcp(rtcp_packet(2), static_cast<std::uint16_t>(a_->port() + 1));
  run_until_received(2);
  EXPECT_EQ(metrics().relay_drops, 2u);
  EXPECT_EQ(metrics().packets_relayed, 0u);

  // Port 0 (a rejected stream) takes the remote away again.
  b_->set_remote(phone_b_.rtp());
  phone_a_.send_rtp(rtp_packet(172, 3), a_->port());
  EXPECT_EQ(phone_b_.collect_rtp(io_, 1).size(), 1u);
  b_->set_remote(udp::endpoint(kLoopback, 0));
  EXPECT_EQ(b_->remote().port(), 0);
  phone_a_.send_rtp(rtp_packet(172, 4), a_->port());
  run_until_received(4);
  EXPECT_EQ(metrics().relay_drops, 3u);
  EXPECT_EQ(metrics().packets_relayed, 1u);
}

TEST_F(RelayTest, ARemoteInsideCvwsOwnPortRangeIsRefusedSoNothingLoops) {
  // b's remote is a itself: a -> b -> a -> b ... would spin the loop thread.
  a_->set_remote(phone_a_.rtp());
  a_->forward_to(b_.get());
  b_->forward_to(a_.get());
  b_->set_remote(udp::endpoint(kLoopback, a_->port()));
  EXPECT_EQ(b_->remote().port(), 0);
  b_->set_remote(udp::endpoint(kLoopback, config_.port_max));
  EXPECT_EQ(b_->remote().port(), 0);
  phone_a_.send_rtp(rtp_packet(172, 1), a_->port());
  run_until_received(1);
  test::run_for(io_, 30ms);
  EXPECT_EQ(metrics().packets_received, 1u);
  EXPECT_EQ(metrics().relay_drops, 1u);

  // Nor does latching follow a source inside the range (b's ringback here).
  a_->set_latching(true);
  a_->set_remote(phone_a_.rtp());
  b_->forward_to(nullptr);
  b_->play_ringback(udp::endpoint(kLoopback, a_->port()), 0);
  run_until([&] { return metrics().packets_received >= 3; });
  EXPECT_EQ(a_->remote(), phone_a_.rtp());
}

TEST_F(RelayTest, LatchingFollowsTheFirstSourceThenStaysUntilTheNextSetRemote) {
  anchor();
  a_->set_latching(true);
  a_->set_remote(phone_a_.rtp());  // what A's SDP said

  behind_nat_.send_rtp(rtp_packet(172, 1), a_->port());
  EXPECT_EQ(phone_b_.collect_rtp(io_, 1).size(), 1u);
  EXPECT_EQ(a_->remote(), behind_nat_.rtp());

  // B's audio, RTP and RTCP, now goes where A really is.
  phone_b_.send_rtp(rtp_packet(172, 2), b_->port());
  phone_b_.send_rtcp(rtcp_packet(3), static_cast<std::uint16_t>(b_->port() + 1));
  EXPECT_EQ(behind_nat_.collect_rtp(io_, 1).size(), 1u);
  EXPECT_EQ(behind_nat_.collect_rtcp(io_, 1).size(), 1u);
  EXPECT_TRUE(phone_a_.collect_rtp(io_, 1, 50ms).empty());

  // Once latched it stays: a stranger's packets are relayed, but do not move it.
  stranger_.send_rtp(rtp_packet(172, 4), a_->port());
  EXPECT_EQ(phone_b_.collect_rtp(io_, 1).size(), 1u);
  EXPECT_EQ(a_->remote(), behind_nat_.rtp());

  // A new set_remote() latches again, and not to something that is not RTP.
  a_->set_remote(phone_a_.rtp());
  stranger_.send_rtp(Bytes(11, 0x80), a_->port());
  run_until_received(5);
  EXPECT_EQ(a_->remote(), phone_a_.rtp());
  stranger_.send_rtp(rtp_packet(172, 5), a_->port());
  run_until_received(6);
  EXPECT_EQ(a_->remote(), stranger_.rtp());
}

TEST_F(RelayTest, LatchingMovesAPlayingRingbackAndWorksWithoutAnySdpAddress) {
  a_->set_latching(true);
  a_->play_ringback(phone_a_.rtp(), 0);
  ASSERT_GE(phone_a_.collect_rtp(io_, 1).size(), 1u);
  behind_nat_.send_rtp(rtp_packet(172, 1), a_->port());
  run_until_received(1);
  phone_a_.collect_rtp(io_, 0);
  EXPECT_GE(behind_nat_.collect_rtp(io_, 2).size(), 2u) << "the ringback followed";
  EXPECT_TRUE(phone_a_.collect_rtp(io_, 1, 60ms).empty());

  // b: no set_remote() at all, as when the SDP address is useless.
  b_->set_latching(true);
  b_->forward_to(a_.get());
  a_->forward_to(b_.get());
  phone_b_.send_rtp(rtp_packet(172, 2), b_->port());
  run_until_received(2);
  EXPECT_EQ(b_->remote(), phone_b_.rtp());
  behind_nat_.collect_rtp(io_, 0);
  behind_nat_.send_rtp(rtp_packet(172, 3), a_->port());
  const std::vector<Datagram> at_b = phone_b_.collect_rtp(io_, 1);
  ASSERT_EQ(at_b.size(), 1u);
  EXPECT_EQ(at_b[0].bytes, rtp_packet(172, 3));
}

TEST_F(RelayTest, WithoutLatchingAStrangersPacketsAreRelayedButTheRemoteStays) {
  // The inherent risk of an open UDP port: anyone may send into the call.
  // Without latching that is all: the audio never goes to the stranger_.
  anchor();
  stranger_.send_rtp(rtp_packet(172, 1), a_->port());
  const std::vector<Datagram> at_b = phone_b_.collect_rtp(io_, 1);
  ASSERT_EQ(at_b.size(), 1u);
  EXPECT_EQ(at_b[0].bytes, rtp_packet(172, 1));
  EXPECT_EQ(a_->remote(), phone_a_.rtp());

  phone_b_.send_rtp(rtp_packet(172, 2), b_->port());
  EXPECT_EQ(phone_a_.collect_rtp(io_, 1).size(), 1u);
  EXPECT_TRUE(stranger_.collect_rtp(io_, 1, 50ms).empty());
}

TEST_F(RelayTest, ForwardingToAChannelOfAnotherEngineIsRefused) {
  MediaConfig other_config = config_;
  other_config.port_min = static_cast<std::uint16_t>(config_.port_min + 4);
  MediaEngine other(io_, other_config);
  std::unique_ptr<MediaChannel> foreign = other.open().value();
  a_->forward_to(b_.get());
  a_->forward_to(foreign.get());
  EXPECT_FALSE(a_->forwarding());
  // Once refused nothing is relayed, even to the channel of before.
  b_->set_remote(phone_b_.rtp());
  phone_a_.send_rtp(rtp_packet(172, 1), a_->port());
  run_until_received(1);
  EXPECT_TRUE(phone_b_.collect_rtp(io_, 1, 50ms).empty());
  EXPECT_EQ(metrics().relay_drops, 0u);
}

TEST_F(RelayTest, AChannelForwardingToItselfEchoes) {
  a_->set_remote(phone_a_.rtp());
  a_->forward_to(a_.get());
  phone_a_.send_rtp(rtp_packet(172, 1), a_->port());
  const std::vector<Datagram> echo = phone_a_.collect_rtp(io_, 1);
  ASSERT_EQ(echo.size(), 1u);
  EXPECT_EQ(echo[0].bytes, rtp_packet(172, 1));
  a_.reset();  // its own forwarder: nothing left pointing at it
  test::run_for(io_, 10ms);
}

TEST_F(RelayTest, EveryPacketReceivedWhileForwardingIsRelayedDroppedOrMalformed) {
  anchor();
  std::uint64_t sent = 0;
  for (std::uint8_t i = 0; i < 40; ++i, ++sent) {
    Bytes p = rtp_packet(20 + i, i);
    if (i % 7 == 0) p[0] = 0x00;
    phone_a_.send_rtp(p, a_->port());
    if (i == 20) b_->set_remote(udp::endpoint(kLoopback, 0));
    test::run_for(io_, 1ms);
  }
  run_until_received(sent);
  const MediaMetrics& m = metrics();
  EXPECT_EQ(m.packets_received, sent);
  EXPECT_EQ(m.packets_received, m.packets_relayed + m.relay_drops + m.relay_malformed);
  EXPECT_EQ(m.relay_malformed, 6u);  // 0, 7, ..., 35
  EXPECT_GT(m.packets_relayed, 0u);
  EXPECT_GT(m.relay_drops, 0u);
  EXPECT_EQ(phone_b_.collect_rtp(io_, m.packets_relayed).size(), m.packets_relayed);
}

}  // namespace
}  // namespace cvw::media
