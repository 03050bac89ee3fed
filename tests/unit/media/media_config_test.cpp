// Ringback tone names and the validation of the [media] section.
#include "media/media_config.hpp"

#include <gtest/gtest.h>

namespace cvw::media {
namespace {

using boost::asio::ip::make_address;

TEST(RingbackToneTest, ParsesEachNameAndWritesItBack) {
  for (const RingbackTone tone : {RingbackTone::Us, RingbackTone::Eu, RingbackTone::Uk}) {
    const Result<RingbackTone> parsed = parse_ringback_tone(to_string(tone));
    ASSERT_TRUE(parsed.ok()) << to_string(tone);
    EXPECT_EQ(*parsed, tone);
  }
  EXPECT_EQ(to_string(RingbackTone::Us), "us");
  EXPECT_EQ(to_string(RingbackTone::Eu), "eu");
  EXPECT_EQ(to_string(RingbackTone::Uk), "uk");
}

TEST(RingbackToneTest, UnknownNameIsAnErrorNamingIt) {
  for (const char* bad : {"fr", "US", "", "us "}) {
    const Result<RingbackTone> parsed = parse_ringback_tone(bad);
    ASSERT_FALSE(parsed.ok()) << '"' << bad << '"';
    EXPECT_NE(parsed.error().message.find(std::string("\"") + bad + "\""), std::string::npos)
        << parsed.error().message;
    EXPECT_NE(parsed.error().message.find("\"us\", \"eu\" or \"uk\""), std::string::npos);
  }
}

TEST(MediaConfigTest, DefaultsAreValid) {
  EXPECT_TRUE(validate(MediaConfig{}).ok());
}

TEST(MediaConfigTest, ThePoolMayBeOffOrAtItsLimits) {
  MediaConfig c;
  c.pool_pairs = 0;
  c.pool_rest_ms = 0;
  EXPECT_TRUE(validate(c).ok());
  c.pool_pairs = kMaxPoolPairs;
  c.pool_rest_ms = kMaxPoolRestMs;
  EXPECT_TRUE(validate(c).ok());
}

TEST(MediaConfigTest, OneEvenPortIsEnough) {
  MediaConfig c;
  c.port_min = c.port_max = 40000;
  EXPECT_TRUE(validate(c).ok());
  c.address = make_address("::1");
  EXPECT_TRUE(validate(c).ok());
}

TEST(MediaConfigTest, ErrorsNameTheKey) {
  struct Case {
    MediaConfig config;
    const char* expected;  // a part of the message
  };
  MediaConfig reversed;
  reversed.port_min = 30000;
  reversed.port_max = 29999;
  MediaConfig odd_only;
  odd_only.port_min = odd_only.port_max = 40001;
  MediaConfig zero;
  zero.port_min = 0;
  MediaConfig any_v4;
  any_v4.address = make_address("0.0.0.0");
  MediaConfig any_v6;
  any_v6.address = make_address("::");
  MediaConfig multicast;
  multicast.address = make_address("239.1.1.1");
  MediaConfig big_pool;
  big_pool.pool_pairs = 32769;
  MediaConfig long_rest;
  long_rest.pool_rest_ms = 60001;
  const Case cases[] = {
      {reversed, "media.port_min: must not exceed media.port_max (got 30000 > 29999)"},
      {odd_only,
       "media.port_min: the range media.port_min..media.port_max holds no even port for RTP (got "
       "40001..40001)"},
      {zero, "media.port_min: must be between 1 and 65535 (got 0)"},
      {any_v4, "media.address: must be a specific local address"},
      {any_v6, "media.address: must be a specific local address"},
      {multicast, "media.address: must not be a multicast address (got 239.1.1.1)"},
      {big_pool, "media.pool_pairs: must be between 0 and 32768 (got 32769)"},
      {long_rest, "media.pool_rest_ms: must be between 0 and 60000 (got 60001)"},
  };
  for (const Case& c : cases) {
    const Result<void> r = validate(c.config);
    ASSERT_FALSE(r.ok()) << c.expected;
    EXPECT_NE(r.error().message.find(c.expected), std::string::npos) << r.error().message;
  }
}

}  // namespace
}  // namespace cvw::media
