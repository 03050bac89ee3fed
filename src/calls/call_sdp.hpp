// SDP as the B2BUA's call flows write it: the o= line cvw owns on each leg,
// and a party's media turned into an endpoint cvw can answer with on that
// party's behalf. Shared by every flow (click-to-call, incoming calls).
#pragma once

#include <string>
#include <string_view>

#include "sdp/offer_answer.hpp"

namespace cvw::calls {

inline constexpr std::string_view kSdp = "application/sdp";

// A fresh o= line for a leg whose SDP cvw writes from `address`: random
// session id (RFC 8866 §5.2 allows any number unique to the session, and a
// random one says nothing about the server's clock), version = id.
sdp::Origin origin_for(const std::string& address);

// The media a party described, as an endpoint cvw can answer a re-offer with
// on its behalf: its address, ports and formats (rejected streams left out).
sdp::LocalEndpoint endpoint_of(const sdp::Session& described);

}  // namespace cvw::calls
