#include "calls/call.hpp"

#include "common/log.hpp"

namespace cvw::calls {

void Call::set_state(CallState state) {
  if (info_.state == state || info_.state == CallState::Ended) return;
  info_.state = state;
  changed();
}

EndReason lost_call(Party who, sip::dialog::EndReason why) {
  return end_reason(EndCode::SessionExpired, who,
                    why == sip::dialog::EndReason::Lost
                        ? "The call was lost (the other end stopped answering)"
                        : "The call was lost (its session timer ran out)");
}

void Call::finish(EndReason why) {
  if (info_.state == CallState::Ended) return;
  info_.reason = std::move(why);
  info_.ended_at = Clock::now();
  info_.state = CallState::Ended;
  log().info("call {}: ended {} ({})", info_.id, to_string(info_.reason->code), info_.reason->message);
  changed();
}

}  // namespace cvw::calls
