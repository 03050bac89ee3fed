#include "registrar/location_service.hpp"

#include <algorithm>

#include "sip/uri.hpp"

namespace cvw::registrar {

namespace {

// §10.3 step 7: bindings are compared by the URI equivalence of §19.1.4, so
// <sip:a@host;transport=udp> and <sip:a@HOST;transport=UDP> are one binding.
bool same_contact(std::string_view a, std::string_view b) {
  if (a == b) return true;
  auto ua = sip::parse_uri(a);
  auto ub = sip::parse_uri(b);
  return ua && ub && sip::uri_equal(*ua, *ub);
}

std::vector<Binding> unexpired(const std::vector<Binding>& all, WallClock::time_point now) {
  std::vector<Binding> out;
  out.reserve(all.size());
  for (const Binding& b : all) {
    if (b.expires > now) out.push_back(b);
  }
  return out;
}

}  // namespace

std::uint32_t Binding::seconds_left(WallClock::time_point now) const {
  if (expires <= now) return 0;
  const auto left = std::chrono::ceil<std::chrono::seconds>(expires - now).count();
  return static_cast<std::uint32_t>(left);
}

Result<std::vector<Binding>> LocationService::apply(std::string_view aor, const RegisterRequest& request,
                                                    std::string_view source, WallClock::time_point now) {
  const std::string key(aor);
  auto it = bindings_.find(key);
  std::vector<Binding> next = it == bindings_.end() ? std::vector<Binding>{} : unexpired(it->second, now);
  if (!request.wildcard && request.contacts.empty()) return next;  // a query (§10.2.3)

  // "If the Call-ID value ... [is] the same, the registrar compares the CSeq
  // value. If the value is higher than that of the existing binding, it MUST
  // update or remove the binding ... If not, the update MUST be aborted and
  // the request fails." (§10.3 step 7; step 6 for "*").
  const auto out_of_order = [&](const Binding& b) { return b.call_id == request.call_id && request.cseq <= b.cseq; };
  if (request.wildcard) {
    if (std::any_of(next.begin(), next.end(), out_of_order)) {
      return Error{400, "CSeq " + std::to_string(request.cseq) + " is not above the registration's for this Call-ID"};
    }
    next.clear();
  }
  for (const ContactRequest& c : request.contacts) {
    std::uint32_t seconds = c.expires.value_or(request.expires.value_or(limits_.default_expires));
    if (seconds != 0 && seconds < limits_.min_expires) {
      return Error{423, "expiry of " + std::to_string(seconds) + " s is below the minimum of " +
                            std::to_string(limits_.min_expires) + " s"};
    }
    seconds = std::min(seconds, limits_.max_expires);
    auto existing = std::find_if(next.begin(), next.end(), [&](const Binding& b) { return same_contact(b.contact, c.uri); });
    if (existing != next.end() && out_of_order(*existing)) {
      return Error{400, "CSeq " + std::to_string(request.cseq) + " is not above the registration's for this Call-ID"};
    }
    if (seconds == 0) {
      if (existing != next.end()) next.erase(existing);
      continue;
    }
    Binding& b = existing != next.end() ? *existing : next.emplace_back();
    b.contact.assign(c.uri);
    b.call_id.assign(request.call_id);
    b.cseq = request.cseq;
    b.expires = now + std::chrono::seconds(seconds);
    b.path.assign(request.path.begin(), request.path.end());
    b.q.assign(c.q);
    b.instance.assign(c.instance);
    b.source.assign(source);
    b.user_agent.assign(request.user_agent);
  }
  if (next.size() > limits_.max_contacts) {
    return Error{403, "at most " + std::to_string(limits_.max_contacts) + " contacts may be registered for " + key};
  }
  if (next.empty()) {
    if (it != bindings_.end()) bindings_.erase(it);
  } else {
    bindings_[key] = next;
  }
  if (on_change) on_change(key, next);
  return next;
}

std::vector<Binding> LocationService::lookup(std::string_view aor, WallClock::time_point now) const {
  auto it = bindings_.find(std::string(aor));
  return it == bindings_.end() ? std::vector<Binding>{} : unexpired(it->second, now);
}

std::size_t LocationService::purge(WallClock::time_point now) {
  std::size_t dropped = 0;
  for (auto it = bindings_.begin(); it != bindings_.end();) {
    auto& list = it->second;
    const std::size_t before = list.size();
    std::erase_if(list, [now](const Binding& b) { return b.expires <= now; });
    dropped += before - list.size();
    const bool changed = list.size() != before;
    if (changed && on_change) on_change(it->first, list);
    it = list.empty() ? bindings_.erase(it) : std::next(it);
  }
  return dropped;
}

void LocationService::restore(const std::string& aor, Binding binding, WallClock::time_point now) {
  if (binding.expires <= now) return;
  bindings_[aor].push_back(std::move(binding));
}

std::size_t LocationService::binding_count() const {
  std::size_t n = 0;
  for (const auto& [aor, list] : bindings_) n += list.size();
  return n;
}

}  // namespace cvw::registrar
