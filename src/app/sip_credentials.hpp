// What a user's password becomes for the SIP registrar: the digest HA1s
// (directory::User::SipDigest), computed wherever a password is set (the
// admin API, the user's own change, the demo users), from the plaintext that
// is about to be hashed with argon2id and dropped.
#pragma once

#include <string_view>

#include "directory/user.hpp"

namespace cvw::app {

// HA1 = H(username ":" realm ":" password) for MD5 and SHA-256 (RFC 7616
// §3.4.2), with username and realm the user and host of `sip_uri`
// (normalized, "sip:alice@example.com"): what a UC client registering as
// that AoR sends.
directory::User::SipDigest sip_digest_for(std::string_view sip_uri, std::string_view password);

}  // namespace cvw::app
