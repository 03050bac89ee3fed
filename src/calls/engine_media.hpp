// The CallMedia of a click-to-call on real RTP endpoints of the media engine
// (src/media): one bound port pair per call, two when media is anchored,
// released with the call.
#pragma once

#include <memory>

#include "calls/call_media.hpp"
#include "common/result.hpp"
#include "media/media_engine.hpp"

namespace cvw::calls {

// Binds the port pair(s); the error says the range is exhausted.
Result<std::unique_ptr<CallMedia>> open_call_media(media::MediaEngine& engine, bool anchored);

}  // namespace cvw::calls
