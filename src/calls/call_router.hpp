// CallRouter: what cvwd does with an INVITE that arrives outside a dialog.
//
//   1. An INVITE with Replaces naming the phone leg of a click-to-call is an
//      attended transfer from the phone (RFC 3891): the call takes it. Only
//      from the PBX: a source address that is not one of the trunks'
//      allowed_sources gets 403 (and a log line).
//   2. Anything else is a call to someone, handed to the application's
//      `incoming` handler with where it came from: cvw itself (a call it
//      placed and looped through its own listener: UserAgent::
//      originated_here), the trunk (a trusted peer: the PBX asserts who
//      calls) or anywhere else (a UC client, which the application must
//      authenticate before it rings anyone). With no handler: 480 for the
//      trunk and cvw, 403 for anyone else.
#pragma once

#include <boost/asio/ip/address.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "calls/call_service.hpp"
#include "common/log_budget.hpp"
#include "sip/dialog/user_agent.hpp"

namespace cvw::calls {

// Where an INVITE came from.
enum class InviteSource : std::uint8_t { Self, Trunk, Elsewhere };

struct RouterMetrics {
  std::uint64_t refused_source = 0;  // 403: a transfer, or no handler, and not from a trunk
  std::uint64_t replaced = 0;        // attended transfers taken
  std::uint64_t unavailable = 0;     // a Replaces we cannot take, or 480 without a handler
  std::uint64_t incoming = 0;        // from a trunk or cvw itself, handed to the incoming handler
  std::uint64_t elsewhere = 0;       // from anywhere else, handed to the incoming handler
};

class CallRouter final : public sip::dialog::UaHandler {
 public:
  using IncomingHandler = std::function<void(std::shared_ptr<sip::dialog::InviteSession>, InviteSource)>;

  CallRouter(CallService& calls, const sip::dialog::UserAgent& ua, std::vector<boost::asio::ip::address> trunk_sources,
             IncomingHandler incoming = {})
      : calls_(calls), ua_(ua), trunk_sources_(std::move(trunk_sources)), incoming_(std::move(incoming)) {}

  void on_invite(std::shared_ptr<sip::dialog::InviteSession> session) override;
  const RouterMetrics& metrics() const { return metrics_; }

 private:
  bool from_trunk(const boost::asio::ip::address& source) const;

  CallService& calls_;
  const sip::dialog::UserAgent& ua_;
  std::vector<boost::asio::ip::address> trunk_sources_;
  IncomingHandler incoming_;
  RouterMetrics metrics_;
  LogBudget refusal_log_{"sip: INVITE refused"};
};

}  // namespace cvw::calls
