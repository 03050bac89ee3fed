// The precomputed cadence cycles: timing of the on/off parts, the
// frequencies that carry the energy, the level, and the G.711 encoding.
#include "media/tone_cycle.hpp"

#include <gtest/gtest.h>

#include <numeric>

#include "media_test_support.hpp"

namespace cvw::media {
namespace {

using detail::kFrameSamples;

// Per 20 ms frame of `pcm`: does it carry any signal?
std::vector<bool> frames_on(const std::vector<std::int16_t>& pcm) {
  std::vector<bool> on;
  for (std::size_t f = 0; f * kFrameSamples < pcm.size(); ++f) {
    const auto begin = pcm.begin() + static_cast<std::ptrdiff_t>(f * kFrameSamples);
    on.push_back(std::any_of(begin, begin + kFrameSamples, [](std::int16_t v) { return v != 0; }));
  }
  return on;
}

// `frames` as runs of "on" / "off" lengths in ms, starting with "on".
std::vector<int> runs_ms(const std::vector<bool>& frames) {
  std::vector<int> runs;
  bool current = true;
  int length = 0;
  for (const bool on : frames) {
    if (on != current) {
      runs.push_back(length * 20);
      current = on;
      length = 0;
    }
    ++length;
  }
  runs.push_back(length * 20);
  return runs;
}

TEST(ToneCycleTest, UsCycleIsTwoSecondsOnFourOffAndSilenceStartsAtTwoSeconds) {
  const std::vector<std::int16_t> pcm = detail::render_cycle(RingbackTone::Us);
  ASSERT_EQ(pcm.size(), 6u * 8000u);
  EXPECT_EQ(runs_ms(frames_on(pcm)), (std::vector<int>{2000, 4000}));
  // The last sample that is not silence lies just before 2 s.
  std::size_t last = 0;
  for (std::size_t i = 0; i < pcm.size(); ++i)
    if (pcm[i] != 0) last = i;
  EXPECT_GE(last, 16000u - 8u);
  EXPECT_LT(last, 16000u);
}

TEST(ToneCycleTest, EuAndUkCadences) {
  const std::vector<std::int16_t> eu = detail::render_cycle(RingbackTone::Eu);
  EXPECT_EQ(eu.size(), 5u * 8000u);
  EXPECT_EQ(runs_ms(frames_on(eu)), (std::vector<int>{1000, 4000}));
  const std::vector<std::int16_t> uk = detail::render_cycle(RingbackTone::Uk);
  EXPECT_EQ(uk.size(), 3u * 8000u);
  EXPECT_EQ(runs_ms(frames_on(uk)), (std::vector<int>{400, 200, 400, 2000}));
}

struct Spectrum {
  RingbackTone tone;
  std::vector<double> hz;
  double elsewhere;  // a frequency the tone must not have
};

class ToneSpectrumTest : public ::testing::TestWithParam<std::uint8_t> {};

// 1600 samples (200 ms, inside the first "on" part of every cadence) hold a
// whole number of periods of every frequency here, so the Goertzel amplitude is
// exact up to G.711 quantization.
TEST_P(ToneSpectrumTest, FrequenciesCarryTheEnergyAtAboutMinus13Dbm0Each) {
  const std::uint8_t payload_type = GetParam();
  const Spectrum spectra[] = {
      {RingbackTone::Us, {440, 480}, 425},
      {RingbackTone::Eu, {425}, 440},
      {RingbackTone::Uk, {400, 450}, 440},
  };
  for (const Spectrum& s : spectra) {
    SCOPED_TRACE(std::string(to_string(s.tone)) + " payload type " + std::to_string(payload_type));
    const std::vector<std::uint8_t> cycle = detail::ringback_cycle(s.tone, payload_type);
    ASSERT_EQ(cycle.size(), detail::render_cycle(s.tone).size());
    const std::vector<std::int16_t> pcm = test::decode(std::span(cycle).first(1600), payload_type);
    for (const double hz : s.hz)
      EXPECT_NEAR(test::dbm0(test::goertzel_amplitude(pcm, hz)), -13.0, 3.0) << hz << " Hz";
    EXPECT_LT(test::dbm0(test::goertzel_amplitude(pcm, s.elsewhere)), -40.0);
    EXPECT_GT(test::share_of_power(pcm, s.hz), 0.95);
  }
}

INSTANTIATE_TEST_SUITE_P(G711, ToneSpectrumTest,
                         ::testing::Values(std::uint8_t{0}, std::uint8_t{8}),
                         [](const ::testing::TestParamInfo<std::uint8_t>& param_info) {
                           return std::string(param_info.param == 0 ? "Pcmu" : "Pcma");
                         });

TEST(ToneCycleTest, SilenceIsTheG711ZeroCode) {
  const std::vector<std::uint8_t> pcmu = detail::ringback_cycle(RingbackTone::Us, 0);
  const std::vector<std::uint8_t> pcma = detail::ringback_cycle(RingbackTone::Us, 8);
  ASSERT_EQ(pcmu.size(), 48000u);
  ASSERT_EQ(pcma.size(), 48000u);
  // Linear 0 is 0xFF in mu-law and 0xD5 in A-law.
  EXPECT_TRUE(
      std::all_of(pcmu.begin() + 16000, pcmu.end(), [](std::uint8_t c) { return c == 0xFF; }));
  EXPECT_TRUE(
      std::all_of(pcma.begin() + 16000, pcma.end(), [](std::uint8_t c) { return c == 0xD5; }));
  EXPECT_NE(pcmu[1], 0xFF);
}

TEST(ToneCycleTest, OtherPayloadTypesHaveNoCycle) {
  EXPECT_TRUE(detail::ringback_cycle(RingbackTone::Us, 9).empty());
  EXPECT_TRUE(detail::ringback_cycle(RingbackTone::Us, 18).empty());
}

}  // namespace
}  // namespace cvw::media
