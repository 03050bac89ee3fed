#include "calls/direct_media.hpp"

#include <string>

#include "common/log.hpp"

namespace cvw::calls {

void accepted_offer(JoinedParties& p, Side from, std::string_view offer, const sdp::Session& parsed,
                    const sdp::Session* other) {
  PartyMedia& mine = p.media_of(from);
  mine.keep(std::string(offer));
  mine.set_wish(stance_of(parsed));
  if (other != nullptr)
    p.told_of(from) = told_fingerprint(*other, p.media_of(opposite(from)).wish(), mine.wish());
}

std::optional<Side> stale_side(JoinedParties& p) {
  for (const Side to : {Side::Remote, Side::User}) {
    const PartyMedia& other = p.media_of(opposite(to));
    if (!other || !p.media_of(to)) return std::nullopt;
    if (told_fingerprint(other.parsed(), other.wish(), p.media_of(to).wish()) != p.told_of(to))
      return to;
  }
  return std::nullopt;
}

Task<int> reoffer(JoinedParties& p, Side to, const sdp::Session& other, sdp::Direction other_wish) {
  constexpr int kOffers = 3;
  int status = 491;
  for (int offer = 0; offer < kOffers && status == 491; ++offer) {
    const sdp::Direction shown = shown_direction(other_wish, p.media_of(to).wish());
    p.told_of(to) = media_fingerprint(other, shown);
    status = co_await p.leg_of(to).reinvite(kSdp, p.local_of(to).stamp(shown_offer(other, shown)));
  }
  co_return status;
}

Task<void> follow_media(JoinedParties& p) {
  constexpr int kUpdates = 4;
  for (int update = 0; update < kUpdates && p.joined(); ++update) {
    const std::optional<Side> to = stale_side(p);
    if (!to) break;
    const PartyMedia& other = p.media_of(opposite(*to));
    const sdp::Session described = other.parsed();
    const int status = co_await reoffer(p, *to, described, other.wish());
    if (!p.joined()) break;
    if (status < 200 || status >= 300) {
      log().warn("call {}: the {} party refused the other party's new media (SIP {})", p.call().id,
                 *to == Side::User ? "user's" : "other", status);
      break;
    }
    // Its answer: its media as it is now (the stance stays its own).
    (void)p.media_of(*to).take(p.leg_of(*to));
  }
}

}  // namespace cvw::calls
