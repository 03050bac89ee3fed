#include "app/sip_registrar.hpp"

#include <algorithm>
#include <deque>

#include "common/log.hpp"
#include "directory/user.hpp"
#include "sip/header_values.hpp"
#include "sip/response_routing.hpp"

namespace cvw::app {

namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
           return lower(x) == lower(y);
         });
}

// RFC 7231 IMF-fixdate, as SIP's Date (RFC 3261 §20.17) writes it.
std::string http_date(registrar::WallClock::time_point t) {
  const std::time_t secs = registrar::WallClock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  const std::size_t n = std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return std::string(buf, n);
}

// Digest needs an HA1 to compare against even when the user does not exist,
// so that the answer and the work done are the same as for a wrong password.
const std::string& decoy_ha1(sip::auth::DigestAlgorithm algorithm) {
  static const std::string md5(32, '0');
  static const std::string sha256(64, '0');
  return algorithm == sip::auth::DigestAlgorithm::Md5 ? md5 : sha256;
}

}  // namespace

SipRegistrar::SipRegistrar(const DirectoryService& directory, registrar::LocationService& location,
                           sip::auth::DigestVerifier& digest, LoginThrottle& throttle, std::vector<std::string> domains,
                           std::vector<sip::auth::DigestAlgorithm> algorithms,
                           std::function<registrar::WallClock::time_point()> now)
    : directory_(directory),
      location_(location),
      digest_(digest),
      throttle_(throttle),
      domains_(std::move(domains)),
      algorithms_(std::move(algorithms)),
      now_(std::move(now)) {}

bool SipRegistrar::ours(std::string_view host) const {
  return std::any_of(domains_.begin(), domains_.end(), [host](const std::string& d) { return iequals(d, host); });
}

sip::Message SipRegistrar::refuse(const sip::Message& request, int status, std::string_view reason) {
  ++metrics_.refused;
  log().info("sip registrar: REGISTER for {} refused ({} {})", request.header(sip::HeaderId::To), status, reason);
  return sip::make_response(request, status, reason);
}

sip::Message SipRegistrar::challenge(const sip::Message& request, std::string_view realm, bool stale) {
  ++metrics_.challenged;
  sip::Message r = sip::make_response(request, 401);
  const std::string nonce = digest_.issue_nonce(realm);
  // One nonce for all: a nonce is not tied to an algorithm.
  for (const sip::auth::DigestAlgorithm algorithm : algorithms_) {
    sip::auth::DigestChallenge c;
    c.realm = realm;
    c.nonce = nonce;
    c.algorithm = algorithm;
    c.stale = stale;
    r.add(sip::HeaderId::WwwAuthenticate, sip::auth::format_challenge(c));
  }
  return r;
}

sip::Message SipRegistrar::respond(const sip::Message& request, const sip::Peer& from) {
  // §10.3 step 1: a domain this registrar keeps bindings for.
  auto ruri = sip::parse_uri(request.request_uri());
  if (!ruri || !ruri->is_sip() || !ours(ruri->host)) return refuse(request, 404, "Not a domain of this registrar");
  // Step 5: the address-of-record is the To URI, a user of that domain.
  std::string to_scratch;
  auto to = sip::parse_name_addr(request.header(sip::HeaderId::To), to_scratch);
  if (!to || !to->uri.is_sip() || to->uri.user.empty() || !ours(to->uri.host)) {
    return refuse(request, 404, "Not a user of this registrar's domains");
  }
  const std::string_view realm = to->uri.host;
  auto aor = directory::normalize_sip_uri("sip:" + std::string(to->uri.user) + "@" + std::string(realm));
  if (!aor) return refuse(request, 404, "Not a user of this registrar's domains");
  const std::string account = directory::sip_uri_key(*aor);

  std::deque<std::string> scratch;
  auto asked = registrar::read_register(request, scratch);
  if (!asked) return refuse(request, 400, asked.error().message);

  const std::int64_t now_s = registrar::WallClock::to_time_t(now_());
  const std::string address = from.address.to_string();
  if (const std::int64_t wait = throttle_.retry_after(account, address, now_s); wait > 0) {
    ++metrics_.throttled;
    log().warn("sip registrar: REGISTER for {} from {} refused: too many failed attempts (retry in {} s)", account,
               from.to_string(), wait);
    return sip::make_response(request, 403, "Too many failed attempts");
  }

  // Step 3: authentication. One Authorization per realm; ours is the AoR's.
  const std::string_view authorization = request.header(sip::HeaderId::Authorization);
  if (authorization.empty()) return challenge(request, realm, false);
  std::string cred_scratch;
  auto credentials = sip::auth::parse_digest_credentials(authorization, cred_scratch);
  if (!credentials) return refuse(request, 400, "Authorization: " + credentials.error().message);
  if (!iequals(credentials->realm, realm) ||
      std::find(algorithms_.begin(), algorithms_.end(), credentials->algorithm) == algorithms_.end()) {
    return challenge(request, realm, false);
  }
  // RFC 7616 §3.4.6 wants the digest uri to name the request's target, but
  // clients differ on how they spell it (SIPp writes the address it sends
  // to, "sip:127.0.0.1:5060", not the Request-URI), and the response hash
  // covers whatever was sent, with the nonce guarding against replay. So it
  // must only be a SIP URI, as Kamailio and Asterisk accept it.
  if (auto digest_uri = sip::parse_uri(credentials->uri); !digest_uri || !digest_uri->is_sip()) {
    return refuse(request, 400, "Authorization: uri is not a sip: or sips: URI");
  }

  // Step 4: the authenticated user may change this AoR's bindings only: the
  // digest username is the AoR's user part (or the whole user@domain).
  const directory::User* user = directory_.find_user_by_key(account);
  const bool names_this_aor = credentials->username == to->uri.user ||
                              credentials->username == std::string(to->uri.user) + "@" + std::string(realm);
  const std::string* ha1 = nullptr;
  if (user != nullptr && user->enabled && names_this_aor) {
    const std::string& stored = credentials->algorithm == sip::auth::DigestAlgorithm::Md5 ? user->sip_digest.md5_ha1
                                                                                          : user->sip_digest.sha256_ha1;
    if (!stored.empty()) ha1 = &stored;
  }
  using sip::auth::Verdict;
  Verdict verdict =
      digest_.check(*credentials, request.method_name(), ha1 != nullptr ? *ha1 : decoy_ha1(credentials->algorithm));
  if (ha1 == nullptr && verdict != Verdict::BadResponse) verdict = Verdict::BadResponse;  // the decoy matched
  if (verdict != Verdict::Ok) {
    // A replay is worth a counted failure; the others only mean the nonce
    // (too old, from before a restart, the guard full): the password was
    // right, and the phone retries at once with a fresh one.
    if (verdict == Verdict::Replay || verdict == Verdict::BadResponse) {
      throttle_.failed(account, address, now_s);
      ++metrics_.auth_failed;
      log().warn("sip registrar: REGISTER for {} from {}: authentication failed ({})", account, from.to_string(),
                 sip::auth::verdict_name(verdict));
    } else if (verdict == Verdict::TooManyNonces) {
      log().warn("sip registrar: the replay guard is full ({} nonces in use): REGISTER for {} re-challenged",
                 digest_.tracked_nonces(), account);
    }
    // A wrong password is refused outright (a phone would otherwise answer
    // every fresh challenge with the same wrong credentials).
    if (verdict == Verdict::BadResponse) return sip::make_response(request, 403, "Forbidden");
    return challenge(request, realm, sip::auth::wants_stale_challenge(verdict));
  }
  throttle_.succeeded(account);

  // Steps 6-8.
  const registrar::WallClock::time_point now = now_();
  auto bindings = location_.apply(account, *asked, from.to_string(), now);
  if (!bindings) {
    sip::Message r = refuse(request, bindings.error().status, bindings.error().message);
    if (bindings.error().status == 423) r.add(sip::HeaderId::MinExpires, std::to_string(location_.limits().min_expires));
    return r;
  }
  (asked->contacts.empty() && !asked->wildcard ? metrics_.queried : metrics_.registered)++;
  sip::Message ok = sip::make_response(request, 200);
  for (const registrar::Binding& b : *bindings) {
    std::string contact = "<" + b.contact + ">;expires=" + std::to_string(b.seconds_left(now));
    if (!b.q.empty()) contact.append(";q=").append(b.q);
    ok.add(sip::HeaderId::Contact, std::move(contact));
  }
  for (const std::string_view path : asked->path) ok.add("Path", std::string(path));
  ok.add(sip::HeaderId::Date, http_date(now));
  if (!asked->contacts.empty() || asked->wildcard) {
    log().info("sip registrar: {} now has {} contact(s) (REGISTER from {})", account, bindings->size(),
               from.to_string());
  }
  return ok;
}

}  // namespace cvw::app
