// The ringback tones cvw can play while a callee rings, by country family:
// the [media] ringback key of the configuration.
#pragma once

#include <string_view>

#include "common/result.hpp"

namespace cvw::media {

// us: 440+480 Hz, 2 s on 4 s off (North America)
// eu: 425 Hz, 1 s on 4 s off (CEPT, most of Europe)
// uk: 400+450 Hz, 0.4 s on 0.2 s off 0.4 s on 2 s off (BT)
enum class RingbackTone { Us, Eu, Uk };

// "us" | "eu" | "uk" (as written in the configuration, lower case); the error
// names the value and the accepted ones.
Result<RingbackTone> parse_ringback_tone(std::string_view name);

std::string_view to_string(RingbackTone tone);

}  // namespace cvw::media
