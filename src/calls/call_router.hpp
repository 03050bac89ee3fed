// CallRouter: what cvwd does with an INVITE that arrives outside a dialog.
//
//   1. Only the PBX may send calls: a source address that is not one of the
//      trunks' allowed_sources gets 403 (and a log line), whatever it asks.
//   2. An INVITE with Replaces naming the phone leg of a click-to-call is an
//      attended transfer from the phone (RFC 3891): the call takes it.
//   3. Anything else is a call to someone: the application's `incoming`
//      handler finds the user and rings them (or rejects the INVITE). With
//      no handler, 480.
#pragma once

#include <boost/asio/ip/address.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "calls/call_service.hpp"
#include "sip/dialog/user_agent.hpp"

namespace cvw::calls {

struct RouterMetrics {
  std::uint64_t refused_source = 0;  // 403: not from a trunk
  std::uint64_t replaced = 0;        // attended transfers taken
  std::uint64_t unavailable = 0;     // a Replaces we cannot take, or 480 without a handler
  std::uint64_t incoming = 0;        // handed to the incoming handler
};

class CallRouter final : public sip::dialog::UaHandler {
 public:
  using IncomingHandler = std::function<void(std::shared_ptr<sip::dialog::InviteSession>)>;

  CallRouter(CallService& calls, std::vector<boost::asio::ip::address> trunk_sources, IncomingHandler incoming = {})
      : calls_(calls), trunk_sources_(std::move(trunk_sources)), incoming_(std::move(incoming)) {}

  void on_invite(std::shared_ptr<sip::dialog::InviteSession> session) override;
  const RouterMetrics& metrics() const { return metrics_; }

 private:
  bool from_trunk(const boost::asio::ip::address& source) const;

  CallService& calls_;
  std::vector<boost::asio::ip::address> trunk_sources_;
  IncomingHandler incoming_;
  RouterMetrics metrics_;
};

}  // namespace cvw::calls
