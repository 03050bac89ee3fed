// Routing configuration checks; see routing_configuration.hpp.
#include "directory/routing_configuration.hpp"

#include "directory/phone_number.hpp"

namespace cvw::directory {

Result<std::string> parse_call_via_work_caller_id(std::string_view text) {
  if (text.empty()) return std::string();
  return parse_dialable_number(text, "CallViaWorkCallerId");
}

Result<void> validate_routing_configuration(const RoutingConfiguration& config) {
  Result<std::string> caller_id = parse_call_via_work_caller_id(config.call_via_work_caller_id);
  if (!caller_id) return caller_id.error();
  return {};
}

}  // namespace cvw::directory
