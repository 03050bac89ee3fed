// CallRouter: what cvwd does with an INVITE that arrives outside a dialog.
//
//   1. Only the PBX may send calls: a source address that is not one of the
//      trunks' allowed_sources gets 403 (and a log line), whatever it asks.
//   2. An INVITE with Replaces naming the phone leg of a click-to-call is an
//      attended transfer from the phone (RFC 3891): the call takes it.
//   3. Anything else is an incoming call, which cvw does not take yet
//      (issue #5): 480.
#pragma once

#include <boost/asio/ip/address.hpp>

#include <cstdint>
#include <vector>

#include "calls/call_service.hpp"
#include "sip/dialog/user_agent.hpp"

namespace cvw::calls {

struct RouterMetrics {
  std::uint64_t refused_source = 0;  // 403: not from a trunk
  std::uint64_t replaced = 0;        // attended transfers taken
  std::uint64_t unavailable = 0;     // 480 (no incoming calls yet) or a Replaces we cannot take
};

class CallRouter final : public sip::dialog::UaHandler {
 public:
  CallRouter(CallService& calls, std::vector<boost::asio::ip::address> trunk_sources)
      : calls_(calls), trunk_sources_(std::move(trunk_sources)) {}

  void on_invite(std::shared_ptr<sip::dialog::InviteSession> session) override;
  const RouterMetrics& metrics() const { return metrics_; }

 private:
  bool from_trunk(const boost::asio::ip::address& source) const;

  CallService& calls_;
  std::vector<boost::asio::ip::address> trunk_sources_;
  RouterMetrics metrics_;
};

}  // namespace cvw::calls
