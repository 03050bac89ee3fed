#include "registrar/register_request.hpp"

#include <limits>

#include "sip/header_values.hpp"

namespace cvw::registrar {

namespace {

constexpr std::uint32_t kMaxExpires = std::numeric_limits<std::uint32_t>::max();

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

Error bad(std::string message) { return Error{400, std::move(message)}; }

Result<void> read_contact(std::string_view value, std::deque<std::string>& scratch, RegisterRequest& out) {
  if (value == "*") {
    out.wildcard = true;
    return {};
  }
  std::string& params = scratch.emplace_back();
  Result<sip::NameAddr> contact = sip::parse_name_addr(value, params);
  if (!contact) return bad("Contact " + std::string(value) + ": " + contact.error().message);
  if (!contact->uri.is_sip()) return bad("Contact " + std::string(value) + ": not a sip: or sips: URI");
  ContactRequest c;
  c.uri = contact->uri.text;
  if (auto e = contact->params.get("expires")) {
    auto seconds = sip::parse_uint(*e, kMaxExpires, "Contact expires");
    if (!seconds) return bad(seconds.error().message);
    c.expires = *seconds;
  }
  c.q = contact->params.get("q").value_or(std::string_view{});
  c.instance = contact->params.get("+sip.instance").value_or(std::string_view{});
  out.contacts.push_back(c);
  return {};
}

}  // namespace

Result<RegisterRequest> read_register(const sip::Message& request, std::deque<std::string>& scratch) {
  RegisterRequest r;
  r.call_id = request.header(sip::HeaderId::CallId);
  Result<sip::CSeq> cseq = sip::parse_cseq(request.header(sip::HeaderId::CSeq));
  if (!cseq) return bad("CSeq: " + cseq.error().message);
  if (cseq->method != sip::Method::Register) return bad("CSeq: method is not REGISTER");
  r.cseq = cseq->number;
  if (const std::string_view e = request.header(sip::HeaderId::Expires); !e.empty()) {
    auto seconds = sip::parse_uint(e, kMaxExpires, "Expires");
    if (!seconds) return bad(seconds.error().message);
    r.expires = *seconds;
  }
  for (const sip::HeaderField& h : request.headers()) {
    if (h.id == sip::HeaderId::Contact) {
      auto each = sip::for_each_list_value(h.value, [&](std::string_view v) { return read_contact(v, scratch, r); });
      // read_contact's errors name the Contact; the list splitter's do not
      if (!each) return each.error().message.starts_with("Contact") ? each.error() : bad("Contact: " + each.error().message);
    } else if (iequals(h.name, "Path")) {
      auto each = sip::for_each_list_value(h.value, [&](std::string_view v) -> Result<void> {
        r.path.push_back(v);
        return {};
      });
      if (!each) return bad("Path: " + each.error().message);
    }
  }
  // §10.3 step 6: "*" only alone, and only with Expires: 0.
  if (r.wildcard && (!r.contacts.empty() || r.expires != std::optional<std::uint32_t>(0))) {
    return bad("Contact: * must be the only Contact and come with Expires: 0");
  }
  r.user_agent = request.header(sip::HeaderId::UserAgent);
  return r;
}

}  // namespace cvw::registrar
