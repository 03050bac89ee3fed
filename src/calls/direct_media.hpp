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
// Shared by the flows as a template over the flow (no virtual calls, no
// vtable in a call that is held by the thousand): the flow is a friend and
// provides
//   sip::dialog::CallLeg& leg_of(Side), sdp::LocalSession& local_of(Side),
//   PartyMedia& media_of(Side), std::uint64_t& told_of(Side)
//       the leg, our o= line, the party's description and what the side was
//       last told of the other, for either side;
//   bool joined() const
//       the parties are connected and nobody has left;
//   const CallInfo& info() const (Call's).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "calls/call_sdp.hpp"
#include "common/log.hpp"
#include "common/task.hpp"
#include "sdp/offer_answer.hpp"
#include "sdp/session.hpp"

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

template <class Flow>
struct DirectMedia {
  // `from` made an offer, `parsed` (its text `offer`), which the flow
  // answered with active media on behalf of the other party, described as
  // `other` (nothing when the other party has not described itself yet):
  // the offer is `from`'s media now, and `from` was told `other`.
  static void accepted(Flow& f, Side from, std::string_view offer, const sdp::Session& parsed,
                       const sdp::Session* other) {
    PartyMedia& mine = f.media_of(from);
    mine.keep(std::string(offer));
    mine.set_wish(stance_of(parsed));
    if (other != nullptr)
      f.told_of(from) = told_fingerprint(*other, f.media_of(opposite(from)).wish(), mine.wish());
  }

  // The side whose picture of the other party is out of date, if any.
  static std::optional<Side> stale_side(Flow& f) {
    for (const Side to : {Side::Remote, Side::User}) {
      const PartyMedia& other = f.media_of(opposite(to));
      if (!other || !f.media_of(to)) return std::nullopt;
      if (told_fingerprint(other.parsed(), other.wish(), f.media_of(to).wish()) != f.told_of(to))
        return to;
    }
    return std::nullopt;
  }

  // Offers `to` the other party's media, `other` (its own description) with
  // stance `other_wish`, in a re-INVITE and returns its final status. The
  // offer is built on every attempt, from `to`'s stance as it is then: a
  // hold in the offer that crossed ours is kept. A 491 reaches here when
  // the peer's own offer crossed ours and was answered during the §14.1
  // wait, or when another offer of ours on the leg is still under way
  // (InviteHandler::on_reinvite_result): the offer is then made again, with
  // a new o= version, up to three times in all (a peer that answers every
  // offer of ours with one of its own would otherwise hold the flow for
  // ever).
  static Task<int> reoffer(Flow& f, Side to, const sdp::Session& other,
                           sdp::Direction other_wish) {
    constexpr int kOffers = 3;
    int status = 491;
    for (int offer = 0; offer < kOffers && status == 491; ++offer) {
      const sdp::Direction shown = shown_direction(other_wish, f.media_of(to).wish());
      f.told_of(to) = media_fingerprint(other, shown);
      status = co_await f.leg_of(to).reinvite(kSdp, f.local_of(to).stamp(shown_offer(other, shown)));
    }
    co_return status;
  }

  // Re-INVITEs each side whose picture of the other is out of date until
  // none is. Each update can change what the updated side answers with (a
  // new port), which the other side must then hear of: bounded, so that
  // two parties that never settle do not re-INVITE for ever. A refusal (a
  // 488: the new media is not one it can use) stops it and leaves the call
  // as it is, its parties may still hear each other; a 408 or 481 ends the
  // leg, and with it the call.
  static Task<void> follow(Flow& f) {
    constexpr int kUpdates = 4;
    for (int update = 0; update < kUpdates && f.joined(); ++update) {
      const std::optional<Side> to = stale_side(f);
      if (!to) break;
      const PartyMedia& other = f.media_of(opposite(*to));
      const sdp::Session described = other.parsed();
      const int status = co_await reoffer(f, *to, described, other.wish());
      if (!f.joined()) break;
      if (status < 200 || status >= 300) {
        log().warn("call {}: the {} party refused the other party's new media (SIP {})",
                   f.info().id, *to == Side::User ? "user's" : "other", status);
        break;
      }
      // Its answer: its media as it is now (the stance stays its own).
      (void)f.media_of(*to).take(f.leg_of(*to));
    }
  }
};

}  // namespace cvw::calls
