// One full cadence cycle of a ringback tone, rendered and G.711-encoded once.
//
// Internal to the media layer (the engine builds its cycles with these); it is
// a header of its own so tests can check the signal itself, the silence at 2 s
// of the us cadence for instance, without waiting for it in real time.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "media/ringback_tone.hpp"

namespace cvw::media::detail {

inline constexpr int kSampleRate = 8000;
inline constexpr std::size_t kFrameSamples = 160;  // 20 ms at 8 kHz: one RTP packet
// ITU-T E.180 asks for ringing tone between -10 and -20 dBm0 (-13 nominal in
// many networks); dBm0 as spandsp counts it (a full-scale sine is +3.14 dBm0).
inline constexpr int kToneLevelDbm0 = -13;

inline constexpr std::uint8_t kPayloadTypePcmu = 0;  // RFC 3551 static payload types
inline constexpr std::uint8_t kPayloadTypePcma = 8;

struct Cadence {
  int f1_hz = 0;
  int f2_hz = 0;            // 0: a single frequency
  std::array<int, 4> ms{};  // on, off, on, off; a cycle is their sum
};

Cadence cadence_of(RingbackTone tone);

// The linear 8 kHz samples of one cycle, starting at the beginning of the
// first "on" part; its length is a whole number of 20 ms frames.
std::vector<std::int16_t> render_cycle(RingbackTone tone);

// `pcm` encoded for payload type 0 (PCMU, mu-law) or 8 (PCMA, A-law); any other
// payload type gives an empty vector.
std::vector<std::uint8_t> encode_g711(std::span<const std::int16_t> pcm, std::uint8_t payload_type);

// What the engine plays: render_cycle() encoded for `payload_type`.
inline std::vector<std::uint8_t> ringback_cycle(RingbackTone tone, std::uint8_t payload_type) {
  return encode_g711(render_cycle(tone), payload_type);
}

}  // namespace cvw::media::detail
