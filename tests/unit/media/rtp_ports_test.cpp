// Port allocation of MediaEngine::open(): even RTP ports with RTCP bound on
// port + 1, taken pairs skipped, exhaustion, reuse, addresses. Real sockets on
// 127.0.0.1, in a block of ports found free at the start of each test.
#include <gtest/gtest.h>

#include <set>

#include "media/media_engine.hpp"
#include "media_test_support.hpp"

namespace cvw::media {
namespace {

using test::bindable;
using test::kLoopback;
using test::udp;

MediaConfig range(std::uint16_t min, std::uint16_t max) {
  MediaConfig c;
  c.address = kLoopback;
  c.port_min = min;
  c.port_max = max;
  return c;
}

class RtpPortsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = test::free_even_block(8);
    ASSERT_NE(base_, 0) << "no free block of 8 UDP ports on 127.0.0.1";
  }
  boost::asio::io_context io_;
  std::uint16_t base_ = 0;
};

TEST_F(RtpPortsTest, OpensEvenPortsWithRtcpBoundAndFailsWhenExhausted) {
  MediaEngine engine(io_, range(base_, static_cast<std::uint16_t>(base_ + 7)));
  std::vector<std::unique_ptr<MediaChannel>> channels;
  std::set<std::uint16_t> ports;
  for (int i = 0; i < 4; ++i) {
    Result<std::unique_ptr<MediaChannel>> c = engine.open();
    ASSERT_TRUE(c.ok()) << c.error().message;
    const std::uint16_t port = (*c)->port();
    EXPECT_EQ(port % 2, 0);
    EXPECT_GE(port, base_);
    EXPECT_LE(port, base_ + 6);
    EXPECT_FALSE(bindable(port));
    EXPECT_FALSE(bindable(static_cast<std::uint16_t>(port + 1)))
        << "RTCP port " << port + 1 << " is not held";
    ports.insert(port);
    channels.push_back(std::move(*c));
  }
  EXPECT_EQ(ports.size(), 4u);

  const Result<std::unique_ptr<MediaChannel>> fifth = engine.open();
  ASSERT_FALSE(fifth.ok());
  EXPECT_EQ(fifth.error().status, 503);
  EXPECT_NE(
      fifth.error().message.find("no free RTP port pair in media.port_min..media.port_max (" +
                                 std::to_string(base_) + ".." + std::to_string(base_ + 7) + ")"),
      std::string::npos)
      << fifth.error().message;
  EXPECT_EQ(engine.metrics().open_failures, 1u);
  EXPECT_EQ(engine.metrics().channels_open, 4u);
  EXPECT_EQ(engine.metrics().channels_opened, 4u);
}

TEST_F(RtpPortsTest, SkipsAPairWhoseRtpOrRtcpPortIsTaken) {
  // Pair 0 (RTP taken) and pair 2 (RTCP taken) belong to someone else.
  udp::socket rtp_holder(io_, udp::endpoint(kLoopback, base_));
  udp::socket rtcp_holder(io_, udp::endpoint(kLoopback, static_cast<std::uint16_t>(base_ + 5)));
  MediaEngine engine(io_, range(base_, static_cast<std::uint16_t>(base_ + 7)));
  Result<std::unique_ptr<MediaChannel>> a = engine.open();
  Result<std::unique_ptr<MediaChannel>> b = engine.open();
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ((*a)->port(), base_ + 2);
  EXPECT_EQ((*b)->port(), base_ + 6);
  EXPECT_FALSE(engine.open().ok());
  // The failed tries left nothing bound: RTP of the RTCP-taken pair is free.
  EXPECT_TRUE(bindable(static_cast<std::uint16_t>(base_ + 4)));
}

TEST_F(RtpPortsTest, PortIsReusedAfterTheChannelIsDestroyed) {
  // The pair stays bound in the engine's pool: no other program can take it,
  // and the next open() gets it even before its rest is over, as the range
  // holds no other.
  MediaEngine engine(io_, range(base_, static_cast<std::uint16_t>(base_ + 1)));
  Result<std::unique_ptr<MediaChannel>> first = engine.open();
  ASSERT_TRUE(first.ok());
  EXPECT_EQ((*first)->port(), base_);
  EXPECT_FALSE(engine.open().ok());
  first->reset();
  EXPECT_EQ(engine.metrics().channels_open, 0u);
  EXPECT_EQ(engine.metrics().channels_pooled, 1u);
  EXPECT_FALSE(bindable(base_));
  EXPECT_FALSE(bindable(static_cast<std::uint16_t>(base_ + 1)));
  Result<std::unique_ptr<MediaChannel>> again = engine.open();
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ((*again)->port(), base_);
  EXPECT_EQ(engine.metrics().channels_opened, 2u);
  EXPECT_EQ(engine.metrics().channels_reused, 1u);
  EXPECT_EQ(engine.metrics().channels_pooled, 0u);
}

TEST_F(RtpPortsTest, WithoutAPoolThePortIsClosedAndBoundAgain) {
  MediaConfig config = range(base_, static_cast<std::uint16_t>(base_ + 1));
  config.pool_pairs = 0;
  MediaEngine engine(io_, config);
  Result<std::unique_ptr<MediaChannel>> first = engine.open();
  ASSERT_TRUE(first.ok());
  first->reset();
  EXPECT_EQ(engine.metrics().channels_pooled, 0u);
  EXPECT_TRUE(bindable(base_));
  EXPECT_TRUE(bindable(static_cast<std::uint16_t>(base_ + 1)));
  Result<std::unique_ptr<MediaChannel>> again = engine.open();
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ((*again)->port(), base_);
  EXPECT_EQ(engine.metrics().channels_reused, 0u);
}

TEST_F(RtpPortsTest, NextFitMovesOnBeforeReusingAReleasedPair) {
  // The released pair rests in the pool (media.pool_rest_ms, 1 s by default)
  // while free pairs remain: a new one is bound.
  MediaEngine engine(io_, range(base_, static_cast<std::uint16_t>(base_ + 7)));
  Result<std::unique_ptr<MediaChannel>> a = engine.open();
  ASSERT_TRUE(a.ok());
  const std::uint16_t first = (*a)->port();
  a->reset();
  Result<std::unique_ptr<MediaChannel>> b = engine.open();
  ASSERT_TRUE(b.ok());
  EXPECT_EQ((*b)->port(), first + 2);
  EXPECT_EQ(engine.metrics().channels_reused, 0u);
}

TEST_F(RtpPortsTest, OnlyEvenPortsOfAnOddRangeAreUsed) {
  MediaEngine engine(
      io_, range(static_cast<std::uint16_t>(base_ + 1), static_cast<std::uint16_t>(base_ + 4)));
  Result<std::unique_ptr<MediaChannel>> a = engine.open();
  Result<std::unique_ptr<MediaChannel>> b = engine.open();
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ((*a)->port(), base_ + 2);
  EXPECT_EQ((*b)->port(), base_ + 4);  // its RTCP port (base + 5) lies just past port_max
  EXPECT_FALSE(engine.open().ok());
}

TEST_F(RtpPortsTest, AddressIsTheConfiguredOne) {
  MediaEngine engine(io_, range(base_, static_cast<std::uint16_t>(base_ + 7)));
  Result<std::unique_ptr<MediaChannel>> c = engine.open();
  ASSERT_TRUE(c.ok());
  EXPECT_EQ((*c)->address(), "127.0.0.1");

  MediaConfig v6 = range(base_, static_cast<std::uint16_t>(base_ + 7));
  v6.address = boost::asio::ip::make_address("::1");
  MediaEngine engine6(io_, v6);
  Result<std::unique_ptr<MediaChannel>> c6 = engine6.open();
  if (!c6.ok()) GTEST_SKIP() << "no IPv6 loopback here: " << c6.error().message;
  EXPECT_EQ((*c6)->address(), "::1");
}

TEST_F(RtpPortsTest, AnAddressThatIsNotLocalFailsAtOnce) {
  MediaConfig c = range(base_, static_cast<std::uint16_t>(base_ + 7));
  c.address = boost::asio::ip::make_address(
      "192.0.2.1");  // TEST-NET-1: never a local address; nothing is sent
  MediaEngine engine(io_, c);
  const Result<std::unique_ptr<MediaChannel>> r = engine.open();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().status, 503);
  EXPECT_NE(r.error().message.find("cannot bind RTP on 192.0.2.1 port " + std::to_string(base_)),
            std::string::npos)
      << r.error().message;
  EXPECT_EQ(engine.metrics().open_failures, 1u);
}

}  // namespace
}  // namespace cvw::media
