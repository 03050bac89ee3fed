// Direct media between the two parties of a B2BUA call (click-to-call's
// phone and callee, an incoming call's caller and the device that answered):
// their RTP goes from one to the other, and cvw holds both legs' signalling.
// What one party changes in a re-offer (it moves its media, holds or
// resumes the call) is answered at once on behalf of the other and then
// passed on to the other in a re-INVITE of cvw's own (RFC 3725 §4), or its
// RTP would keep going to the old address and a hold would never reach it.
//
// Each side remembers what it was last told of the other party as a
// fingerprint (media_fingerprint: address, port and direction shown per
// stream), so a change is passed on once, and a session refresh that
// changes nothing goes no further. Directions come from each party's own
// stance (PartyMedia::wish), never from how it answered the other's hold.
//
// A flow hands its two sides over as JoinedParties (SidesOf<Flow>), an
// adapter it builds for the duration of a call into here (on the stack, or
// in the frame of the coroutine that awaits): a call held by the thousand
// carries no vtable for it. The coroutines are plain functions defined in the .cpp:
// clang 14 cannot emit coroutines that are inline or templates with
// sanitizers and debug information ("Cannot represent a difference across
// sections").
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "calls/call_info.hpp"
#include "calls/call_sdp.hpp"
#include "common/task.hpp"
#include "sdp/session.hpp"
#include "sip/dialog/call_leg.hpp"

namespace cvw::calls {

// The user's side (their phone or device) and the other party's.
enum class Side : std::uint8_t { User, Remote };

inline Side opposite(Side s) { return s == Side::User ? Side::Remote : Side::User; }

// What a side is told of the other party: the other's description, shown
// with the direction both stances allow.
inline std::uint64_t told_fingerprint(const sdp::Session& other, sdp::Direction other_wish,
                                      sdp::Direction to_wish) {
  return media_fingerprint(other, shown_direction(other_wish, to_wish));
}

// A flow's two sides, as the functions below need them.
class JoinedParties {
 public:
  // The leg, our o= line towards it, the party's description and what the
  // side was last told of the other.
  virtual sip::dialog::CallLeg& leg_of(Side s) = 0;
  virtual sdp::LocalSession& local_of(Side s) = 0;
  virtual PartyMedia& media_of(Side s) = 0;
  virtual std::uint64_t& told_of(Side s) = 0;
  // The parties are connected and nobody has left.
  virtual bool joined() const = 0;
  virtual const CallInfo& call() const = 0;

 protected:
  ~JoinedParties() = default;
};

// The adapter for a flow that has leg_of, local_of, media_of and told_of
// for either side, joined() and info() (and makes this its friend).
template <class Flow>
class SidesOf final : public JoinedParties {
 public:
  explicit SidesOf(Flow& flow) : flow_(flow) {}
  sip::dialog::CallLeg& leg_of(Side s) override { return flow_.leg_of(s); }
  sdp::LocalSession& local_of(Side s) override { return flow_.local_of(s); }
  PartyMedia& media_of(Side s) override { return flow_.media_of(s); }
  std::uint64_t& told_of(Side s) override { return flow_.told_of(s); }
  bool joined() const override { return flow_.joined(); }
  const CallInfo& call() const override { return flow_.info(); }

 private:
  Flow& flow_;
};

// `from` made an offer, `parsed` (its text `offer`), which the flow answered
// with active media on behalf of the other party, described as `other`
// (nothing when the other party has not described itself yet): the offer is
// `from`'s media now, and `from` was told `other`.
void accepted_offer(JoinedParties& p, Side from, std::string_view offer, const sdp::Session& parsed,
                    const sdp::Session* other);

// The side whose picture of the other party is out of date, if any.
std::optional<Side> stale_side(JoinedParties& p);

// Offers `to` the other party's media, `other` (its own description) with
// stance `other_wish`, in a re-INVITE and returns its final status. The
// offer is built on every attempt, from `to`'s stance as it is then: a hold
// in the offer that crossed ours is kept. A 491 reaches here when the
// peer's own offer crossed ours and was answered during the §14.1 wait, or
// when another offer of ours on the leg is still under way
// (InviteHandler::on_reinvite_result): the offer is then made again, with a
// new o= version, up to three times in all (a peer that answers every offer
// of ours with one of its own would otherwise hold the flow for ever).
Task<int> reoffer(JoinedParties& p, Side to, const sdp::Session& other, sdp::Direction other_wish);

// Re-INVITEs each side whose picture of the other is out of date until none
// is. Each update can change what the updated side answers with (a new
// port), which the other side must then hear of: bounded, so that two
// parties that never settle do not re-INVITE for ever. A refusal (a 488:
// the new media is not one it can use) stops it and leaves the call as it
// is, its parties may still hear each other; a 408 or 481 ends the leg, and
// with it the call.
Task<void> follow_media(JoinedParties& p);

}  // namespace cvw::calls
