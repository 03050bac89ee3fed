#include "app/sip_registrar.hpp"

#include <algorithm>
#include <deque>

#include "common/log.hpp"
#include "directory/text.hpp"
#include "directory/user.hpp"
#include "sip/header_values.hpp"
#include "sip/response_routing.hpp"

namespace cvw::app {

namespace {

// RFC 7231 IMF-fixdate, as SIP's Date (RFC 3261 §20.17) writes it.
std::string http_date(registrar::WallClock::time_point t) {
  const std::time_t secs = registrar::WallClock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  const std::size_t n = std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return std::string(buf, n);
}

}  // namespace

SipRegistrar::SipRegistrar(registrar::LocationService& location, SipAuthenticator& auth,
                           std::vector<std::string> domains, std::function<registrar::WallClock::time_point()> now)
    : location_(location), auth_(auth), domains_(std::move(domains)), now_(std::move(now)) {}

bool SipRegistrar::ours(std::string_view host) const {
  return std::any_of(domains_.begin(), domains_.end(), [host](const std::string& d) { return directory::detail::iequals(d, host); });
}

sip::Message SipRegistrar::refuse(const sip::Message& request, int status, std::string_view reason) {
  ++metrics_.refused;
  if (refusal_log_.allow())
    log().info("sip registrar: REGISTER for {} refused ({} {})", request.header(sip::HeaderId::To),
               status, reason);
  return sip::make_response(request, status, reason);
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

  // Step 3: authentication, then step 4: the authenticated user may change
  // this AoR's bindings only (the digest username is the AoR's user).
  const std::int64_t now_s = registrar::WallClock::to_time_t(now_());
  AuthDecision auth =
      auth_.authenticate(request, from, Challenger::Registrar, realm, to->uri.user, account, now_s);
  if (auth.result != AuthResult::Ok) {
    switch (auth.result) {
      case AuthResult::Challenged: ++metrics_.challenged; break;
      case AuthResult::Failed: ++metrics_.auth_failed; break;
      case AuthResult::Throttled: ++metrics_.throttled; break;
      case AuthResult::Malformed: return refuse(request, auth.status, auth.reason);
      case AuthResult::Ok: break;
    }
    sip::Message r = sip::make_response(request, auth.status, auth.reason);
    for (auto& [name, value] : auth.headers) r.add(name, std::move(value));
    return r;
  }

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
