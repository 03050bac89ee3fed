#include "app/sip_authenticator.hpp"

#include <algorithm>

#include "common/log.hpp"
#include "directory/text.hpp"
#include "directory/user.hpp"
#include "sip/uri.hpp"

namespace cvw::app {

namespace {

// Digest needs an HA1 to compare against even when the user does not exist,
// so that the answer and the work done are the same as for a wrong password.
const std::string& decoy_ha1(sip::auth::DigestAlgorithm algorithm) {
  static const std::string md5(32, '0');
  static const std::string sha256(64, '0');
  return algorithm == sip::auth::DigestAlgorithm::Md5 ? md5 : sha256;
}

AuthDecision refusal(AuthResult result, int status, std::string reason) {
  AuthDecision d;
  d.result = result;
  d.status = status;
  d.reason = std::move(reason);
  return d;
}

}  // namespace

SipAuthenticator::SipAuthenticator(const DirectoryService& directory, sip::auth::DigestVerifier& digest,
                                   LoginThrottle& throttle, std::vector<sip::auth::DigestAlgorithm> algorithms)
    : directory_(directory), digest_(digest), throttle_(throttle), algorithms_(std::move(algorithms)) {}

AuthDecision SipAuthenticator::challenge(Challenger challenger, std::string_view realm, bool stale,
                                         AuthResult result) {
  AuthDecision d;
  d.result = result;
  d.status = challenger == Challenger::Registrar ? 401 : 407;
  const std::string nonce = digest_.issue_nonce(realm);
  const std::string_view header = challenger == Challenger::Registrar ? "WWW-Authenticate" : "Proxy-Authenticate";
  // One nonce for all: a nonce is not tied to an algorithm.
  for (const sip::auth::DigestAlgorithm algorithm : algorithms_) {
    sip::auth::DigestChallenge c;
    c.realm = realm;
    c.nonce = nonce;
    c.algorithm = algorithm;
    c.stale = stale;
    d.headers.emplace_back(header, sip::auth::format_challenge(c));
  }
  return d;
}

AuthDecision SipAuthenticator::authenticate(const sip::Message& request, const sip::Peer& from,
                                            Challenger challenger, std::string_view realm, std::string_view aor_user,
                                            std::string_view account, std::int64_t now_s) {
  const std::string address = from.address.to_string();
  if (const std::int64_t wait = throttle_.retry_after(account, address, now_s); wait > 0) {
    if (failure_log_.allow())
      log().warn("sip auth: {} for {} from {} refused: too many failed attempts (retry in {} s)",
                 request.method_name(), account, from.to_string(), wait);
    return refusal(AuthResult::Throttled, 403, "Too many failed attempts");
  }

  // One credentials header per realm; ours is the account's domain.
  const std::string_view authorization = request.header(
      challenger == Challenger::Registrar ? sip::HeaderId::Authorization : sip::HeaderId::ProxyAuthorization);
  if (authorization.empty()) return challenge(challenger, realm, false, AuthResult::Challenged);
  std::string cred_scratch;
  auto credentials = sip::auth::parse_digest_credentials(authorization, cred_scratch);
  const std::string_view header_name = challenger == Challenger::Registrar ? "Authorization" : "Proxy-Authorization";
  if (!credentials) {
    return refusal(AuthResult::Malformed, 400, std::string(header_name) + ": " + credentials.error().message);
  }
  if (!directory::detail::iequals(credentials->realm, realm) ||
      std::find(algorithms_.begin(), algorithms_.end(), credentials->algorithm) == algorithms_.end()) {
    return challenge(challenger, realm, false, AuthResult::Challenged);
  }
  // RFC 7616 §3.4.6 wants the digest uri to name the request's target, but
  // clients differ on how they spell it (SIPp writes the address it sends
  // to, "sip:127.0.0.1:5060", not the Request-URI), and the response hash
  // covers whatever was sent, with the nonce guarding against replay. So it
  // must only be a SIP URI, as Kamailio and Asterisk accept it.
  if (auto digest_uri = sip::parse_uri(credentials->uri); !digest_uri || !digest_uri->is_sip()) {
    return refusal(AuthResult::Malformed, 400, std::string(header_name) + ": uri is not a sip: or sips: URI");
  }

  // The digest username is the account's user part (or the whole user@domain).
  const directory::User* user = directory_.find_user_by_key(std::string(account));
  const bool names_account = credentials->username == aor_user ||
                             credentials->username == std::string(aor_user) + "@" + std::string(realm);
  const std::string* ha1 = nullptr;
  if (user != nullptr && user->enabled && names_account) {
    const std::string& stored = credentials->algorithm == sip::auth::DigestAlgorithm::Md5 ? user->sip_digest.md5_ha1
                                                                                          : user->sip_digest.sha256_ha1;
    if (!stored.empty()) ha1 = &stored;
  }
  using sip::auth::Verdict;
  Verdict verdict =
      digest_.check(*credentials, request.method_name(), ha1 != nullptr ? *ha1 : decoy_ha1(credentials->algorithm));
  if (ha1 == nullptr && verdict != Verdict::BadResponse) verdict = Verdict::BadResponse;  // the decoy matched
  if (verdict == Verdict::Ok) {
    throttle_.succeeded(account);
    AuthDecision ok;
    ok.result = AuthResult::Ok;
    ok.user = user;
    return ok;
  }
  // A replay is worth a counted failure; the others only mean the nonce
  // (too old, from before a restart, the guard full): the password was
  // right, and the phone retries at once with a fresh one.
  const bool counted = verdict == Verdict::Replay || verdict == Verdict::BadResponse;
  if (counted) {
    throttle_.failed(account, address, now_s);
    if (failure_log_.allow())
      log().warn("sip auth: {} for {} from {}: authentication failed ({})", request.method_name(),
                 account, from.to_string(), sip::auth::verdict_name(verdict));
  } else if (verdict == Verdict::TooManyNonces && failure_log_.allow()) {
    log().warn("sip auth: the replay guard is full ({} nonces in use): {} for {} re-challenged",
               digest_.tracked_nonces(), request.method_name(), account);
  }
  // A wrong password is refused outright (a phone would otherwise answer
  // every fresh challenge with the same wrong credentials).
  if (verdict == Verdict::BadResponse) return refusal(AuthResult::Failed, 403, "Forbidden");
  return challenge(challenger, realm, sip::auth::wants_stale_challenge(verdict),
                   counted ? AuthResult::Failed : AuthResult::Challenged);
}

}  // namespace cvw::app
