// The RTP stream of a playing channel, read off a loopback socket: framing,
// rate, audio content, stop and replay, the shared tick, inbound packets.
#include <gtest/gtest.h>

#include <boost/asio/post.hpp>
#include <map>
#include <thread>

#include "media/media_engine.hpp"
#include "media/tone_cycle.hpp"
#include "media_test_support.hpp"

namespace cvw::media {
namespace {

using namespace std::chrono_literals;
using test::Datagram;
using test::kLoopback;
using test::Receiver;
using test::udp;

class RtpStreamTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config_ = test::loopback_config();
    ASSERT_NE(config_.port_min, 0) << "no free block of 8 UDP ports on 127.0.0.1";
  }

  std::unique_ptr<MediaChannel> open(MediaEngine& engine) {
    Result<std::unique_ptr<MediaChannel>> c = engine.open();
    EXPECT_TRUE(c.ok()) << c.error().message;
    return c.ok() ? std::move(*c) : nullptr;
  }

  boost::asio::io_context io_;
  MediaConfig config_;
};

// The decoded audio of the first `frames` packets.
std::vector<std::int16_t> audio(const std::vector<Datagram>& packets, std::size_t frames,
                                unsigned payload_type) {
  std::vector<std::int16_t> pcm;
  for (std::size_t i = 0; i < frames && i < packets.size(); ++i) {
    const std::vector<std::int16_t> part =
        test::decode(std::span(packets[i].bytes).subspan(12), payload_type);
    pcm.insert(pcm.end(), part.begin(), part.end());
  }
  return pcm;
}

TEST_F(RtpStreamTest, PacketsAreFramedAsPcmuAtFiftyPerSecond) {
  MediaEngine engine(io_, config_);
  auto channel = open(engine);
  ASSERT_TRUE(channel);
  Receiver phone(io_);
  EXPECT_FALSE(channel->playing());
  channel->play_ringback(phone.endpoint(), 0);
  EXPECT_TRUE(channel->playing());

  const auto start = std::chrono::steady_clock::now();
  test::run_for(io_, 500ms);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const std::vector<Datagram> packets = phone.drain();

  // 50 packets/s, plus the first one sent at once; generous for a loaded machine.
  EXPECT_GE(static_cast<double>(packets.size()), 50 * seconds * 0.8);
  EXPECT_LE(static_cast<double>(packets.size()), 50 * seconds * 1.2 + 1);
  ASSERT_GE(packets.size(), 2u);
  EXPECT_EQ(engine.metrics().packets_sent, packets.size());
  EXPECT_EQ(engine.metrics().send_errors, 0u);

  const test::RtpHeader first = test::parse_rtp(packets[0].bytes);
  for (std::size_t i = 0; i < packets.size(); ++i) {
    SCOPED_TRACE("packet " + std::to_string(i));
    ASSERT_EQ(packets[i].bytes.size(), 172u);
    EXPECT_EQ(packets[i].from,
              udp::endpoint(kLoopback, channel->port()));  // symmetric RTP: from our RTP port
    const test::RtpHeader h = test::parse_rtp(packets[i].bytes);
    EXPECT_EQ(h.version, 2u);
    EXPECT_EQ(packets[i].bytes[0], 0x80) << "no padding, extension or CSRC";
    EXPECT_EQ(h.payload_type, 0u);
    EXPECT_EQ(h.marker, i == 0);
    EXPECT_EQ(h.ssrc, first.ssrc);
    EXPECT_EQ(h.sequence, static_cast<std::uint16_t>(first.sequence + i));
    EXPECT_EQ(h.timestamp, static_cast<std::uint32_t>(first.timestamp + 160 * i));
  }
}

TEST_F(RtpStreamTest, PcmuCarriesTheUsToneAtMinus13Dbm0PerFrequency) {
  MediaEngine engine(io_, config_);
  auto channel = open(engine);
  ASSERT_TRUE(channel);
  Receiver phone(io_);
  channel->play_ringback(phone.endpoint(), 0);
  const std::vector<Datagram> packets = phone.collect(io_, 10);
  ASSERT_GE(packets.size(), 10u);
  // 10 packets = 200 ms from the start of the cadence: inside the 2 s "on" part.
  const std::vector<std::int16_t> pcm = audio(packets, 10, 0);
  EXPECT_NEAR(test::dbm0(test::goertzel_amplitude(pcm, 440)), -13.0, 3.0);
  EXPECT_NEAR(test::dbm0(test::goertzel_amplitude(pcm, 480)), -13.0, 3.0);
  const std::vector<double> tone = {440, 480};
  EXPECT_GT(test::share_of_power(pcm, tone), 0.9);
  EXPECT_LT(test::dbm0(test::goertzel_amplitude(pcm, 425)), -40.0);
}

TEST_F(RtpStreamTest, PcmaCarriesTheEuTone) {
  config_.ringback = RingbackTone::Eu;
  MediaEngine engine(io_, config_);
  auto channel = open(engine);
  ASSERT_TRUE(channel);
  Receiver phone(io_);
  channel->play_ringback(phone.endpoint(), 8);
  const std::vector<Datagram> packets = phone.collect(io_, 10);
  ASSERT_GE(packets.size(), 10u);
  EXPECT_EQ(test::parse_rtp(packets[0].bytes).payload_type, 8u);
  const std::vector<std::int16_t> pcm = audio(packets, 10, 8);
  EXPECT_NEAR(test::dbm0(test::goertzel_amplitude(pcm, 425)), -13.0, 3.0);
  const std::vector<double> tone = {425};
  EXPECT_GT(test::share_of_power(pcm, tone), 0.9);
  EXPECT_LT(test::dbm0(test::goertzel_amplitude(pcm, 440)), -40.0);
}

TEST_F(RtpStreamTest, StopEndsThePacketsAndPlayRestartsTheCadenceOfTheSameSource) {
  MediaEngine engine(io_, config_);
  auto channel = open(engine);
  ASSERT_TRUE(channel);
  Receiver phone(io_);
  channel->play_ringback(phone.endpoint(), 0);
  const std::vector<Datagram> before = phone.collect(io_, 5);
  ASSERT_GE(before.size(), 5u);
  channel->stop();
  EXPECT_FALSE(channel->playing());
  const std::vector<Datagram> queued = phone.drain();  // sent before stop()
  const test::RtpHeader last = test::parse_rtp((queued.empty() ? before : queued).back().bytes);

  test::run_for(io_, 100ms);
  EXPECT_TRUE(phone.drain().empty());

  channel->play_ringback(phone.endpoint(), 0);
  const std::vector<Datagram> after = phone.collect(io_, 2);
  ASSERT_GE(after.size(), 2u);
  const test::RtpHeader h = test::parse_rtp(after[0].bytes);
  EXPECT_TRUE(h.marker);
  EXPECT_EQ(h.ssrc, last.ssrc);
  EXPECT_EQ(h.sequence, static_cast<std::uint16_t>(last.sequence + 1));
  // The timestamp moved on by the silence (>= 100 ms = 800 samples), not just one frame.
  EXPECT_GE(static_cast<std::uint32_t>(h.timestamp - last.timestamp), 800u);
  EXPECT_LT(static_cast<std::uint32_t>(h.timestamp - last.timestamp), 8000u);
  // Back at the beginning of the cadence: the payload is the cycle's first frame.
  const std::vector<std::uint8_t> cycle = detail::ringback_cycle(RingbackTone::Us, 0);
  EXPECT_TRUE(std::equal(after[0].bytes.begin() + 12, after[0].bytes.end(), cycle.begin()));
  EXPECT_FALSE(test::parse_rtp(after[1].bytes).marker);
}

TEST_F(RtpStreamTest, PlayWhilePlayingRestartsTheCadenceForTheNewRemoteAndCodec) {
  MediaEngine engine(io_, config_);
  auto channel = open(engine);
  ASSERT_TRUE(channel);
  Receiver old_phone(io_);
  Receiver new_phone(io_);
  channel->play_ringback(old_phone.endpoint(), 0);
  ASSERT_GE(old_phone.collect(io_, 3).size(), 3u);
  channel->play_ringback(new_phone.endpoint(), 8);
  const std::vector<Datagram> packets = new_phone.collect(io_, 2);
  ASSERT_GE(packets.size(), 2u);
  EXPECT_EQ(test::parse_rtp(packets[0].bytes).payload_type, 8u);
  EXPECT_TRUE(test::parse_rtp(packets[0].bytes).marker);
  const std::vector<std::uint8_t> cycle = detail::ringback_cycle(RingbackTone::Us, 8);
  EXPECT_TRUE(std::equal(packets[0].bytes.begin() + 12, packets[0].bytes.end(), cycle.begin()));
  old_phone.drain();
  test::run_for(io_, 60ms);
  EXPECT_TRUE(old_phone.drain().empty());
}

TEST_F(RtpStreamTest, OneTickServesEveryChannelAndStopsWhenNobodyPlays) {
  MediaEngine engine(io_, config_);
  Receiver phone(io_);
  std::vector<std::unique_ptr<MediaChannel>> channels;
  for (int i = 0; i < 3; ++i) {
    channels.push_back(open(engine));
    ASSERT_TRUE(channels.back());
    channels.back()->play_ringback(phone.endpoint(), 0);
  }
  std::vector<Datagram> packets = phone.collect(io_, 30);
  std::map<std::uint16_t, int> per_port;
  std::map<std::uint32_t, int> per_ssrc;
  for (const Datagram& d : packets) {
    ++per_port[d.from.port()];
    ++per_ssrc[test::parse_rtp(d.bytes).ssrc];
  }
  EXPECT_EQ(per_port.size(), 3u);
  EXPECT_EQ(per_ssrc.size(), 3u);
  for (const auto& [port, count] : per_port) EXPECT_GE(count, 8) << port;

  for (auto& c : channels) c->stop();
  channels.clear();
  // Nothing left to do: the pending tick finds no player and is not re-armed,
  // so the loop sleeps instead of waking every 20 ms (it does not run out of
  // work: the pooled pairs keep their socket waits armed).
  io_.restart();
  const std::size_t handlers = io_.run_for(300ms);
  EXPECT_LE(handlers, 1u);
  EXPECT_EQ(engine.metrics().channels_open, 0u);
  EXPECT_EQ(engine.metrics().channels_pooled, 3u);
}

TEST_F(RtpStreamTest, ALateLoopSkipsAheadInsteadOfBursting) {
  MediaEngine engine(io_, config_);
  auto channel = open(engine);
  ASSERT_TRUE(channel);
  Receiver phone(io_);
  channel->play_ringback(phone.endpoint(), 0);
  std::vector<Datagram> packets = phone.collect(io_, 3);
  ASSERT_GE(packets.size(), 3u);
  // Some other handler holds the loop for 200 ms (10 frames).
  boost::asio::post(io_, [] { std::this_thread::sleep_for(200ms); });
  for (Datagram& d : phone.collect(io_, 4)) packets.push_back(std::move(d));
  for (Datagram& d : phone.drain()) packets.push_back(std::move(d));

  EXPECT_GE(engine.metrics().frames_skipped, 5u);
  // Sequence numbers stay consecutive (nothing was lost on the way); the
  // timestamps jump by exactly the frames skipped, so the cadence keeps time.
  std::uint64_t jumped_frames = 0;
  for (std::size_t i = 1; i < packets.size(); ++i) {
    const test::RtpHeader a = test::parse_rtp(packets[i - 1].bytes);
    const test::RtpHeader b = test::parse_rtp(packets[i].bytes);
    EXPECT_EQ(b.sequence, static_cast<std::uint16_t>(a.sequence + 1));
    const std::uint32_t delta = b.timestamp - a.timestamp;
    EXPECT_EQ(delta % 160, 0u);
    jumped_frames += delta / 160 - 1;
  }
  EXPECT_EQ(jumped_frames, engine.metrics().frames_skipped);
}

TEST_F(RtpStreamTest, InboundRtpAndRtcpAreReadAndCounted) {
  MediaEngine engine(io_, config_);
  auto channel = open(engine);
  ASSERT_TRUE(channel);
  udp::socket phone(io_, udp::endpoint(kLoopback, 0));
  const std::array<std::uint8_t, 172> packet{0x80};
  for (int i = 0; i < 3; ++i)
    phone.send_to(boost::asio::buffer(packet), udp::endpoint(kLoopback, channel->port()));
  for (int i = 0; i < 2; ++i)
    phone.send_to(boost::asio::buffer(packet, 60),
                  udp::endpoint(kLoopback, static_cast<std::uint16_t>(channel->port() + 1)));
  const auto end = std::chrono::steady_clock::now() + 1s;
  while (engine.metrics().packets_received < 5 && std::chrono::steady_clock::now() < end)
    test::run_for(io_, 10ms);
  EXPECT_EQ(engine.metrics().packets_received, 5u);
}

TEST_F(RtpStreamTest, BadArgumentsAreRefusedAndStopTheChannel) {
  MediaEngine engine(io_, config_);
  auto channel = open(engine);
  ASSERT_TRUE(channel);
  Receiver phone(io_);
  channel->play_ringback(phone.endpoint(), 18);  // G.729: not a tone we have
  EXPECT_FALSE(channel->playing());
  channel->play_ringback(
      udp::endpoint(boost::asio::ip::make_address("::1"), phone.endpoint().port()), 0);
  EXPECT_FALSE(channel->playing());
  channel->play_ringback(udp::endpoint(kLoopback, 0), 0);
  EXPECT_FALSE(channel->playing());

  channel->play_ringback(phone.endpoint(), 0);
  EXPECT_TRUE(channel->playing());
  channel->play_ringback(phone.endpoint(), 3);
  EXPECT_FALSE(channel->playing());
  phone.drain();
  test::run_for(io_, 50ms);
  EXPECT_TRUE(phone.drain().empty());
}

TEST_F(RtpStreamTest, SendingToAClosedPortIsHarmless) {
  MediaEngine engine(io_, config_);
  auto channel = open(engine);
  ASSERT_TRUE(channel);
  std::uint16_t closed_port = 0;
  {
    Receiver gone(io_);
    closed_port = gone.endpoint().port();
  }
  channel->play_ringback(udp::endpoint(kLoopback, closed_port), 0);
  test::run_for(io_, 100ms);
  EXPECT_TRUE(channel->playing());
  EXPECT_GE(engine.metrics().packets_sent + engine.metrics().send_errors, 3u);
}

}  // namespace
}  // namespace cvw::media
