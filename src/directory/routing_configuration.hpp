// The deployment-wide routing settings Call Via Work reads
// (SfB Set-CsRoutingConfiguration).
//
// CallViaWorkCallerId: "the number that will be displayed during the first
// leg, or callback segment, of the call via work external call": the global
// number every Call Via Work user sees on their desk phone when the server
// calls them back for their own outgoing call (e.g. +15551234567). It is not
// anyone's real number, only a cue. Format: a dialable number (digits with an
// optional leading '+'), as AdminCallbackNumber; empty means "not configured".
#pragma once

#include <string>
#include <string_view>

#include "common/result.hpp"

namespace cvw::directory {

struct RoutingConfiguration {
  std::string call_via_work_caller_id;

  bool operator==(const RoutingConfiguration&) const = default;
};

// `CallViaWorkCallerId "..": ...` errors; "" is accepted (not configured).
Result<std::string> parse_call_via_work_caller_id(std::string_view text);

Result<void> validate_routing_configuration(const RoutingConfiguration& config);

}  // namespace cvw::directory
