#include "app/invite_admission.hpp"

#include <algorithm>
#include <optional>

#include "common/log.hpp"
#include "directory/text.hpp"
#include "directory/user.hpp"
#include "sip/header_values.hpp"
#include "sip/uri.hpp"

namespace cvw::app {

InviteAdmission::InviteAdmission(const DirectoryService& directory, const registrar::LocationService& locations,
                                 SipAuthenticator& auth, calls::CallService& calls, IncomingSettings settings)
    : directory_(directory), locations_(locations), auth_(auth), calls_(calls), settings_(std::move(settings)) {}

void InviteAdmission::refuse(sip::dialog::InviteSession& session, int status, std::string_view reason) {
  ++metrics_.refused;
  if (refusal_log_.allow())
    log().info("sip: INVITE for {} from {} refused ({} {})", session.invite()->request_uri(),
               session.peer().to_string(), status, reason);
  session.reject(status, reason);
}

const directory::User* InviteAdmission::authenticate(sip::dialog::InviteSession& session) {
  const sip::Message& invite = *session.invite();
  std::string scratch;
  auto from = sip::parse_name_addr(invite.header(sip::HeaderId::From), scratch);
  std::optional<std::string> aor;
  if (from && from->uri.is_sip() && !from->uri.user.empty() &&
      std::any_of(settings_.domains.begin(), settings_.domains.end(),
                  [&](const std::string& d) { return directory::detail::iequals(d, from->uri.host); })) {
    if (auto n = directory::normalize_sip_uri("sip:" + std::string(from->uri.user) + "@" + std::string(from->uri.host)))
      aor = std::move(*n);
  }
  if (!aor) {
    // Not a trunk, and not one of our users: nobody cvw places calls for.
    ++metrics_.auth_failed;
    if (refusal_log_.allow())
      log().warn(
          "sip: INVITE from {} refused (403): From {} is not a user of this server's domains",
          session.peer().to_string(), invite.header(sip::HeaderId::From));
    session.reject(403, "Forbidden (not a trunk, nor a user of this domain)");
    return nullptr;
  }
  const std::int64_t now_s = registrar::WallClock::to_time_t(registrar::WallClock::now());
  AuthDecision auth = auth_.authenticate(invite, session.peer(), Challenger::Proxy, from->uri.host, from->uri.user,
                                         directory::sip_uri_key(*aor), now_s);
  switch (auth.result) {
    case AuthResult::Ok: return auth.user;
    case AuthResult::Challenged: ++metrics_.challenged; break;
    case AuthResult::Malformed: ++metrics_.refused; break;
    case AuthResult::Failed:
    case AuthResult::Throttled: ++metrics_.auth_failed; break;
  }
  session.reject(auth.status, auth.reason, auth.headers);
  return nullptr;
}

void InviteAdmission::admit(std::shared_ptr<sip::dialog::InviteSession> session, calls::InviteSource source) {
  IncomingCaller caller;
  if (source != calls::InviteSource::Elsewhere) {
    // The PBX, or cvw's own click-to-call leg (which wrote the user's work
    // identity itself): the identity is passed on as it came.
    caller = trunk_caller(*session->invite());
  } else {
    const directory::User* user = authenticate(*session);
    if (user == nullptr) return;
    caller = user_caller(*user);
  }
  PlannedIncoming planned = plan_incoming_call(directory_, locations_, *session->invite(), caller, settings_,
                                               registrar::WallClock::now());
  if (!planned.plan) {
    if (planned.unrung) {
      calls_.record_unrung(std::move(*planned.unrung),
                           calls::end_reason(calls::EndCode::UserUnreachable, calls::Party::Server,
                                             "Nothing could ring: no client is registered and no phone rings with it",
                                             planned.status));
    }
    return refuse(*session, planned.status, planned.reason);
  }
  if (auto rung = calls_.ring(session, std::move(*planned.plan)); !rung) {
    return refuse(*session, rung.error().status, rung.error().message);
  }
  ++metrics_.rung;
  if (caller.user != nullptr) {
    log().info("sip: {} calls {} from a UC client at {}", caller.user->sip_uri, session->invite()->request_uri(),
               session->peer().to_string());
  }
}

}  // namespace cvw::app
