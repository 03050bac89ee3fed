#include "calls/call_router.hpp"

#include <algorithm>

#include "common/log.hpp"

namespace cvw::calls {

bool CallRouter::from_trunk(const boost::asio::ip::address& source) const {
  // An IPv4 peer reaching an IPv6 socket shows up as ::ffff:a.b.c.d.
  const boost::asio::ip::address plain =
      source.is_v6() && source.to_v6().is_v4_mapped()
          ? boost::asio::ip::address(boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, source.to_v6()))
          : source;
  return std::find(trunk_sources_.begin(), trunk_sources_.end(), plain) != trunk_sources_.end();
}

void CallRouter::on_invite(std::shared_ptr<sip::dialog::InviteSession> session) {
  const sip::Peer& peer = session->peer();
  // The trunk first: the cheap test, and what nearly every call is. A call
  // cvw looped to itself from a trunk's address is trusted either way.
  const InviteSource source = from_trunk(peer.address)                   ? InviteSource::Trunk
                              : ua_.originated_here(*session->invite()) ? InviteSource::Self
                                                                        : InviteSource::Elsewhere;
  if (source == InviteSource::Elsewhere && (session->replaced() || !incoming_)) {
    ++metrics_.refused_source;
    if (refusal_log_.allow())
      log().warn("sip: INVITE from {} refused (403): not an allowed source of any trunk",
                 peer.to_string());
    session->reject(403, "Forbidden (not a trunk)");
    return;
  }
  if (auto replaced = source == InviteSource::Self ? nullptr : session->replaced()) {
    Call* call = calls_.find_by_phone(replaced.get());
    if (call != nullptr && call->accept_replacement(session)) {
      ++metrics_.replaced;
      log().info("call {}: INVITE with Replaces from {} takes the phone's place", call->info().id, peer.to_string());
      return;
    }
    ++metrics_.unavailable;
    // RFC 3891 §3: a dialog we cannot replace now (not connected, a transfer
    // under way) is refused; 486 tells the transferor to try later.
    session->reject(call != nullptr ? 486 : 481);
    return;
  }
  if (incoming_) {
    ++(source == InviteSource::Elsewhere ? metrics_.elsewhere : metrics_.incoming);
    incoming_(std::move(session), source);
    return;
  }
  ++metrics_.unavailable;
  session->reject(480, "Temporarily Unavailable (cvw takes no incoming calls here)");
}

}  // namespace cvw::calls
