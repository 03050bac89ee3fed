// Channels and engines destroyed at awkward moments: while playing, from
// inside a completion handler, while inbound packets are pending, engine
// first. Meant to run under ASan (CVW_SANITIZE=ON).
#include <gtest/gtest.h>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "media/media_engine.hpp"
#include "media_test_support.hpp"

namespace cvw::media {
namespace {

using namespace std::chrono_literals;
using test::kLoopback;
using test::Receiver;
using test::udp;

class ChannelLifetimeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config_ = test::loopback_config();
    ASSERT_NE(config_.port_min, 0) << "no free block of 8 UDP ports on 127.0.0.1";
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

}  // namespace
}  // namespace cvw::media
