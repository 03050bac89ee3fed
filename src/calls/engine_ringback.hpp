// The Ringback of a click-to-call on a real RTP endpoint of the media
// engine (src/media): one bound port pair per call, released with the call.
#pragma once

#include <memory>

#include "calls/click_to_call.hpp"
#include "common/result.hpp"
#include "media/media_engine.hpp"

namespace cvw::calls {

// Binds a port pair; the error says the range is exhausted.
Result<std::unique_ptr<Ringback>> open_ringback(media::MediaEngine& engine);

}  // namespace cvw::calls
