#include "app/sip_credentials.hpp"

#include "sip/auth/digest.hpp"

namespace cvw::app {

directory::User::SipDigest sip_digest_for(std::string_view sip_uri, std::string_view password) {
  // normalize_sip_uri() leaves "sip:user@host" (or sips:): split it there.
  const std::size_t colon = sip_uri.find(':');
  const std::size_t at = sip_uri.rfind('@');
  const std::string_view user = sip_uri.substr(colon + 1, at - colon - 1);
  const std::string_view realm = sip_uri.substr(at + 1);
  directory::User::SipDigest d;
  d.md5_ha1 = sip::auth::compute_ha1(sip::auth::DigestAlgorithm::Md5, user, realm, password);
  d.sha256_ha1 = sip::auth::compute_ha1(sip::auth::DigestAlgorithm::Sha256, user, realm, password);
  return d;
}

}  // namespace cvw::app
