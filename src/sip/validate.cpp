#include "sip/validate.hpp"

#include <array>
#include <string>

#include "sip/header_values.hpp"

namespace cvw::sip {
namespace {

// Headers that "MUST NOT appear more than once" unless they are lists
// (§7.3.1): two CSeq or two Call-IDs leave the message ambiguous (RFC 4475
// §3.3.8).
constexpr HeaderId kSingle[] = {HeaderId::CallId,      HeaderId::CSeq,          HeaderId::From,
                                HeaderId::To,          HeaderId::MaxForwards,   HeaderId::ContentType,
                                HeaderId::ContentLength, HeaderId::Expires};

Result<void> check_once(const Message& m) {
  std::array<std::uint8_t, static_cast<std::size_t>(HeaderId::kCount)> counts{};
  for (const HeaderField& h : m.headers()) {
    auto& n = counts[static_cast<std::size_t>(h.id)];
    if (n < 2) ++n;
  }
  for (HeaderId id : kSingle) {
    if (counts[static_cast<std::size_t>(id)] > 1) return bad_request("more than one " + std::string(header_name(id)) + " header");
  }
  for (HeaderId id : {HeaderId::Via, HeaderId::CallId, HeaderId::CSeq, HeaderId::From, HeaderId::To}) {
    if (counts[static_cast<std::size_t>(id)] == 0) return bad_request("missing " + std::string(header_name(id)) + " header");
  }
  if (m.header(HeaderId::CallId).empty()) return bad_request("empty Call-ID");
  return {};
}

Result<void> check_vias(const Message& m) {
  std::string scratch;
  for (const HeaderField& h : m.headers()) {
    if (h.id != HeaderId::Via) continue;
    Result<void> r = for_each_list_value(h.value, [&](std::string_view item) -> Result<void> {
      Result<Via> via = parse_via(item, scratch);
      if (!via) return Error{400, "bad Via: " + via.error().message};
      return {};
    });
    if (!r) return r.error().message.starts_with("bad Via") ? r : bad_request("bad Via: " + r.error().message);
  }
  return {};
}

Result<void> check_address(std::string_view value, std::string_view what) {
  std::string scratch;
  Result<NameAddr> a = parse_name_addr(value, scratch);
  if (!a) return bad_request("bad " + std::string(what) + ": " + a.error().message);
  return {};
}

// Contact, Route, Record-Route: lists of addresses. "Contact: *" is the
// REGISTER wildcard (§10.2.2).
Result<void> check_address_list(const Message& m, HeaderId id) {
  for (const HeaderField& h : m.headers()) {
    if (h.id != id) continue;
    if (id == HeaderId::Contact && h.value == "*") continue;
    Result<void> r = for_each_list_value(h.value, [&](std::string_view item) -> Result<void> {
      std::string scratch;
      Result<NameAddr> a = parse_name_addr(item, scratch);
      if (!a) return a.error();
      if (id == HeaderId::Contact) {
        if (auto e = a->params.get("expires")) {
          if (Result<std::uint32_t> n = parse_uint(*e, UINT32_MAX, "Contact expires"); !n) return n.error();
        }
      }
      return {};
    });
    if (!r) return bad_request("bad " + std::string(header_name(id)) + ": " + r.error().message);
  }
  return {};
}

Result<void> check_common(const Message& m) {
  if (Result<void> r = check_once(m); !r) return r;
  if (Result<void> r = check_vias(m); !r) return r;
  if (Result<void> r = check_address(m.header(HeaderId::From), "From"); !r) return r;
  if (Result<void> r = check_address(m.header(HeaderId::To), "To"); !r) return r;
  for (HeaderId id : {HeaderId::Contact, HeaderId::Route, HeaderId::RecordRoute}) {
    if (Result<void> r = check_address_list(m, id); !r) return r;
  }
  if (const HeaderField* e = m.find(HeaderId::Expires)) {
    if (Result<std::uint32_t> n = parse_uint(e->value, UINT32_MAX, "Expires"); !n) return n.error();
  }
  if (const HeaderField* d = m.find(HeaderId::Date)) {
    if (Result<void> r = check_sip_date(d->value); !r) return r;
  }
  return {};
}

}  // namespace

Result<void> validate_request(const Message& request) {
  if (request.defect()) return *request.defect();
  // The Request-URI first: it decides 416 vs 400 later, and a SIP URI in it
  // must not carry headers (RFC 4475 §3.1.2.11: never turn them into headers).
  Result<Uri> uri = parse_uri(request.request_uri());
  if (!uri) return bad_request("bad Request-URI: " + uri.error().message);
  if (uri->is_sip() && !uri->headers.empty()) return bad_request("Request-URI carries headers");
  if (Result<void> r = check_common(request); !r) return r;
  Result<CSeq> cseq = parse_cseq(request.header(HeaderId::CSeq));
  if (!cseq) return cseq.error();
  // §8.2.1 / RFC 4475 §3.1.2.17: the CSeq method must match the request line.
  if (cseq->method_name != request.method_name()) return bad_request("CSeq method does not match the request line");
  if (const HeaderField* mf = request.find(HeaderId::MaxForwards)) {
    if (Result<std::uint32_t> n = parse_uint(mf->value, 255, "Max-Forwards"); !n) return n.error();
  }
  return {};
}

Result<void> validate_response(const Message& response) {
  if (response.defect()) return *response.defect();
  if (response.status() > 699) return bad_request("status code above 699");
  if (Result<void> r = check_common(response); !r) return r;
  Result<CSeq> cseq = parse_cseq(response.header(HeaderId::CSeq));
  if (!cseq) return cseq.error();
  return {};
}

}  // namespace cvw::sip
