// Names of the ringback tones; see ringback_tone.hpp.
#include "media/ringback_tone.hpp"

#include <string>

namespace cvw::media {

Result<RingbackTone> parse_ringback_tone(std::string_view name) {
  for (const RingbackTone tone : {RingbackTone::Us, RingbackTone::Eu, RingbackTone::Uk}) {
    if (name == to_string(tone)) return tone;
  }
  // Status 0: a configuration value, not a request to answer.
  return Error{
      0, "unknown ringback tone \"" + std::string(name) + "\" (expected \"us\", \"eu\" or \"uk\")"};
}

std::string_view to_string(RingbackTone tone) {
  switch (tone) {
    case RingbackTone::Us:
      return "us";
    case RingbackTone::Eu:
      return "eu";
    case RingbackTone::Uk:
      return "uk";
  }
  return "us";
}

}  // namespace cvw::media
