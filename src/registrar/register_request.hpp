// What a REGISTER asks of the registrar (RFC 3261 §10.2, §10.3 steps 6-7;
// RFC 3327 Path), read from the message once and checked, so that the
// location service works on plain values and never on SIP text.
//
// Views point into the REGISTER (and into `scratch` for Contact values whose
// parameters had whitespace): the Message and the scratch strings must
// outlive the RegisterRequest.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "sip/message.hpp"

namespace cvw::registrar {

struct ContactRequest {
  std::string_view uri;                 // the Contact URI as written (inside <> when it had them)
  std::optional<std::uint32_t> expires;  // ;expires= on this Contact
  std::string_view q;                    // ;q= as written, empty when absent
  std::string_view instance;             // ;+sip.instance= (RFC 5626), quotes included
};

struct RegisterRequest {
  std::string_view call_id;
  std::uint32_t cseq = 0;
  std::optional<std::uint32_t> expires;  // the Expires header
  bool wildcard = false;                 // Contact: * (remove every binding, §10.2.2)
  std::vector<ContactRequest> contacts;  // empty and no wildcard: a query (§10.2.3)
  std::vector<std::string_view> path;    // Path values in order (RFC 3327 §5.3)
  std::string_view user_agent;
};

// Errors are 400 with a message naming the fault: a Contact that is not a
// SIP URI or cannot be parsed, "*" with other Contacts or an Expires other
// than 0 (§10.3 step 6), an expires that is not a number, a CSeq that is not
// REGISTER's.
Result<RegisterRequest> read_register(const sip::Message& request, std::deque<std::string>& scratch);

}  // namespace cvw::registrar
