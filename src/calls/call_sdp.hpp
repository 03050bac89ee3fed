// SDP as the B2BUA's call flows write it: the o= line cvw owns on each leg,
// and a party's media turned into an endpoint cvw can answer with on that
// party's behalf. Shared by every flow (click-to-call, incoming calls).
#pragma once

#include <cstdint>
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

// What a party asks for in a description of its own: the direction of its
// first active stream, RFC 2543 hold (c=0.0.0.0) read as "do not send to
// me" (sdp::offered_direction); sendrecv when no stream is active. Read from
// the party's own offers and from its answers to offers that asked for
// everything (the set-up): a hold of its own, or a device that only listens.
sdp::Direction stance_of(const sdp::Session& described);

// The direction with which cvw shows a party whose stance is `from` to the
// other party, whose stance is `to`: it sends what it wants to send and the
// other wants to receive, and likewise back. Built from both stances, never
// from how a party answered the other's hold, so a hold is passed on once
// and does not come back as the held party's own.
sdp::Direction shown_direction(sdp::Direction from, sdp::Direction to);

// `described` (the other party's own description) as an offer to one party:
// sdp::build_offer_from with every active stream set to `shown`.
sdp::Session shown_offer(const sdp::Session& described, sdp::Direction shown);

// What cvw told a party of the other one, reduced to where its RTP goes and
// whether it flows: each active stream's type, address and port, and the
// direction shown. Formats are left out: a party's answer to a re-offer
// names the formats the two share, fewer than its first description, and
// that must not read as a change to pass on. Nor does an o= version alone
// (a session refresh).
std::uint64_t media_fingerprint(const sdp::Session& described, sdp::Direction shown);

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
  // The party's stance (stance_of), which the flow sets from the party's
  // own offers and set-up answer, not from its answers to our re-offers.
  sdp::Direction wish() const { return wish_; }
  void set_wish(sdp::Direction d) { wish_ = d; }

 private:
  std::string text_;
  sdp::Direction wish_ = sdp::Direction::SendRecv;
};

}  // namespace cvw::calls
