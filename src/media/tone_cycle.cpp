// Ringback rendering with spandsp's cadenced tone generator; see tone_cycle.hpp.
#include "media/tone_cycle.hpp"

#include <spandsp.h>

#include <memory>
#include <numeric>

namespace cvw::media::detail {
namespace {

struct DescriptorFree {
  void operator()(tone_gen_descriptor_t* d) const { tone_gen_descriptor_free(d); }
};
struct GeneratorFree {
  void operator()(tone_gen_state_t* s) const { tone_gen_free(s); }
};

}  // namespace

Cadence cadence_of(RingbackTone tone) {
  switch (tone) {
    case RingbackTone::Us:
      return Cadence{440, 480, {2000, 4000, 0, 0}};
    case RingbackTone::Eu:
      return Cadence{425, 0, {1000, 4000, 0, 0}};
    case RingbackTone::Uk:
      return Cadence{400, 450, {400, 200, 400, 2000}};
  }
  return Cadence{440, 480, {2000, 4000, 0, 0}};
}

std::vector<std::int16_t> render_cycle(RingbackTone tone) {
  const Cadence c = cadence_of(tone);
  const int cycle_ms = std::accumulate(c.ms.begin(), c.ms.end(), 0);
  const std::size_t samples = static_cast<std::size_t>(cycle_ms) * kSampleRate / 1000;
  std::vector<std::int16_t> pcm(samples, 0);  // zeros: whatever the generator leaves out is silence

  // Not repeating: exactly one cycle is rendered, the engine loops over it.
  const std::unique_ptr<tone_gen_descriptor_t, DescriptorFree> descriptor(tone_gen_descriptor_init(
      nullptr, c.f1_hz, kToneLevelDbm0, c.f2_hz, c.f2_hz != 0 ? kToneLevelDbm0 : 0, c.ms[0],
      c.ms[1], c.ms[2], c.ms[3], 0));
  if (!descriptor) return pcm;
  const std::unique_ptr<tone_gen_state_t, GeneratorFree> generator(
      tone_gen_init(nullptr, descriptor.get()));
  if (!generator) return pcm;
  tone_gen(generator.get(), pcm.data(), static_cast<int>(pcm.size()));
  return pcm;
}

std::vector<std::uint8_t> encode_g711(std::span<const std::int16_t> pcm,
                                      std::uint8_t payload_type) {
  std::vector<std::uint8_t> out;
  if (payload_type != kPayloadTypePcmu && payload_type != kPayloadTypePcma) return out;
  out.reserve(pcm.size());
  for (const std::int16_t sample : pcm)
    out.push_back(payload_type == kPayloadTypePcmu ? linear_to_ulaw(sample)
                                                   : linear_to_alaw(sample));
  return out;
}

}  // namespace cvw::media::detail
