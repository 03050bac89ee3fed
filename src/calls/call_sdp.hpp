// SDP as the B2BUA's call flows write it: the o= line cvw owns on each leg,
// and a party's media turned into an endpoint cvw can answer with on that
// party's behalf. Shared by every flow (click-to-call, incoming calls).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "sdp/offer_answer.hpp"
#include "sdp/session.hpp"
#include "sip/dialog/call_leg.hpp"

namespace cvw::calls {

inline constexpr std::string_view kSdp = "application/sdp";

// A fresh o= line for a leg whose SDP cvw writes from `address`: random
// session id (RFC 8866 §5.2 allows any number unique to the session, and a
// random one says nothing about the server's clock), version = id.
sdp::Origin origin_for(const std::string& address);

// The media a party described, as an endpoint cvw can answer a re-offer with
// on its behalf: its address, ports and formats (rejected streams left out).
sdp::LocalEndpoint endpoint_of(const sdp::Session& described);

// The media one party last described, kept as the SDP text it sent and
// parsed again when a re-offer, a transfer or the relay needs it. A call
// keeps one per side for its whole life, and the text is a fraction of a
// parsed Session's size; the parse is paid on those rare events only.
class PartyMedia {
 public:
  // `text` is a description the caller has parsed (and chosen to keep).
  void keep(std::string text) { text_ = std::move(text); }
  // The SDP `leg`'s peer last sent, taken from its session (which then
  // holds no copy) when it parses; the description kept so far stays when
  // it does not. Returns it parsed, or nothing.
  std::optional<sdp::Session> take(sip::dialog::CallLeg& leg);
  explicit operator bool() const { return !text_.empty(); }
  // Empty before keep(). A text that parsed once parses again.
  sdp::Session parsed() const;

 private:
  std::string text_;
};

}  // namespace cvw::calls
