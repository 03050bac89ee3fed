#include "sip/dialog/dialog.hpp"

#include <algorithm>
#include <optional>

#include "sip/header_values.hpp"

namespace cvw::sip::dialog {

namespace {

void put(NameBuffer& out, std::string_view text) {
  out.append(text.data(), text.data() + text.size());
}

// The usual shape, "[token display] <uri>[;p=v...]" with nothing quoted and
// no whitespace among the parameters, is rewritten by slicing: the same text
// the general path below gives, without parsing the URI (it is copied as is).
bool append_without_tag_by_slicing(std::string_view value, NameBuffer& out) {
  if (value.find('"') != std::string_view::npos) return false;
  const std::size_t lt = value.find('<');
  const std::size_t gt = lt == std::string_view::npos ? lt : value.find('>', lt);
  if (gt == std::string_view::npos) return false;
  std::string_view params = value.substr(gt + 1);
  if (!params.empty() &&
      (params.front() != ';' || params.find_first_of(" \t") != std::string_view::npos))
    return false;
  const std::string_view display = detail::trim_lws(value.substr(0, lt));
  // Each kept parameter, in order; the tag is the only one dropped.
  const auto for_each_kept = [](std::string_view rest, auto&& f) {
    while (!rest.empty()) {
      rest.remove_prefix(1);  // the ';'
      const std::size_t end = std::min(rest.find(';'), rest.size());
      const std::string_view item = rest.substr(0, end);
      if (!item.empty() && item.substr(0, item.find('=')) != "tag") f(item);
      rest.remove_prefix(end);
    }
  };
  if (!display.empty()) {
    put(out, display);
    put(out, " ");
  }
  put(out, value.substr(lt, gt - lt + 1));
  for_each_kept(params, [&](std::string_view item) {
    put(out, ";");
    put(out, item);
  });
  return true;
}

}  // namespace

void append_without_tag(std::string_view value, NameBuffer& out) {
  if (append_without_tag_by_slicing(value, out)) return;
  std::string scratch;
  Result<NameAddr> na = parse_name_addr(value, scratch);
  if (!na) {
    put(out, value);
    return;
  }
  if (!na->display_name.empty()) {
    if (na->quoted_display) put(out, "\"");
    put(out, na->display_name);
    put(out, na->quoted_display ? "\" " : " ");
  }
  put(out, "<");
  put(out, na->uri.text);
  put(out, ">");
  for_each_param(na->params.text, [&](std::string_view n, std::string_view v, bool has_value) {
    if (n == "tag") return true;
    put(out, ";");
    put(out, n);
    if (has_value) {
      put(out, "=");
      put(out, v);
    }
    return true;
  });
}

std::string without_tag(std::string_view value) {
  NameBuffer out;
  append_without_tag(value, out);
  return std::string(out.data(), out.size());
}

std::string contact_uri(const Message& message) {
  std::string scratch;
  return std::string(contact_uri_view(message, scratch));
}

std::string_view contact_uri_view(const Message& message, std::string& scratch) {
  const std::string_view value = message.header(HeaderId::Contact);
  const std::size_t end = list_item_end(value);
  if (value.empty() || end == std::string_view::npos) return {};
  Result<NameAddr> na = parse_name_addr(value.substr(0, end), scratch);
  return na ? na->uri.text : std::string_view{};
}

namespace {

// Record-Route values, split into single name-addrs, in header order.
std::vector<std::string> record_route_of(const Message& m) {
  std::vector<std::string> out;
  for (const HeaderField& h : m.headers()) {
    if (h.id != HeaderId::RecordRoute) continue;
    (void)for_each_list_value(h.value, [&](std::string_view item) -> Result<void> {
      out.emplace_back(item);
      return {};
    });
  }
  return out;
}

bool loose_route(std::string_view name_addr) {
  std::string scratch;
  Result<NameAddr> na = parse_name_addr(name_addr, scratch);
  return na && na->uri.has_param("lr");
}

std::uint32_t cseq_number(const Message& m) {
  Result<CSeq> c = parse_cseq(m.header(HeaderId::CSeq));
  return c ? c->number : 0;
}

}  // namespace

std::string uri_of(std::string_view name_addr) {
  std::string scratch;
  Result<NameAddr> na = parse_name_addr(name_addr, scratch);
  return na ? std::string(na->uri.text) : std::string(name_addr);
}

DialogIdView dialog_view_of_request(const Message& request, DialogIdView::Scratch& scratch) {
  return DialogIdView{request.header(HeaderId::CallId), tag_param(request.header(HeaderId::To), scratch.local),
                      tag_param(request.header(HeaderId::From), scratch.remote)};
}

DialogIdView dialog_view_of_response(const Message& response, DialogIdView::Scratch& scratch) {
  return DialogIdView{response.header(HeaderId::CallId), tag_param(response.header(HeaderId::From), scratch.local),
                      tag_param(response.header(HeaderId::To), scratch.remote)};
}

DialogId dialog_id_of_request(const Message& request) {
  return DialogId{std::string(request.header(HeaderId::CallId)), tag_of(request.header(HeaderId::To)),
                  tag_of(request.header(HeaderId::From))};
}

DialogId dialog_id_of_response(const Message& response) {
  return DialogId{std::string(response.header(HeaderId::CallId)), tag_of(response.header(HeaderId::From)),
                  tag_of(response.header(HeaderId::To))};
}

// The texts a dialog keeps are views into the message or into buffers on
// the stack until set_texts() copies them into the dialog's one string: no
// temporary string per text.
Result<Dialog> Dialog::as_uas(const Message& request, std::string_view local_tag,
                              std::string_view local_contact) {
  Dialog d;
  d.uac_ = false;
  std::string contact_scratch, tag_scratch;
  const std::string_view remote_target = contact_uri_view(request, contact_scratch);
  if (remote_target.empty()) return bad_request("request creating a dialog has no Contact");
  // §12.1.1: "The route set MUST be set to the list of URIs in the
  // Record-Route header field from the request, taken in order".
  d.route_set_ = record_route_of(request);
  d.remote_cseq_ = cseq_number(request);
  NameBuffer names;
  append_without_tag(request.header(HeaderId::To), names);
  const std::size_t local_end = names.size();
  append_without_tag(request.header(HeaderId::From), names);
  const std::string_view both(names.data(), names.size());
  d.set_texts({request.header(HeaderId::CallId), local_tag,
               tag_param(request.header(HeaderId::From), tag_scratch), both.substr(0, local_end),
               both.substr(local_end), remote_target, local_contact});
  return d;
}

Result<Dialog> Dialog::as_uac(const Message& request, const Message& response,
                              std::string_view local_contact) {
  Dialog d;
  d.uac_ = true;
  std::string remote_tag_scratch, local_tag_scratch, contact_scratch;
  const std::string_view remote_tag = tag_param(response.header(HeaderId::To), remote_tag_scratch);
  if (remote_tag.empty()) return bad_request("response without a To tag cannot create a dialog");
  // §12.1.2: "The route set MUST be set to the list of URIs in the
  // Record-Route header field from the response, taken in reverse order".
  d.route_set_ = record_route_of(response);
  std::reverse(d.route_set_.begin(), d.route_set_.end());
  std::string_view remote_target = contact_uri_view(response, contact_scratch);
  if (remote_target.empty()) remote_target = request.request_uri();
  d.local_cseq_ = cseq_number(request);
  NameBuffer names;
  append_without_tag(request.header(HeaderId::From), names);
  const std::size_t local_end = names.size();
  append_without_tag(request.header(HeaderId::To), names);
  const std::string_view both(names.data(), names.size());
  d.set_texts({response.header(HeaderId::CallId),
               tag_param(response.header(HeaderId::From), local_tag_scratch), remote_tag,
               both.substr(0, local_end), both.substr(local_end), remote_target, local_contact});
  return d;
}

void Dialog::set_texts(const Texts& values) {
  std::size_t size = 0;
  for (const std::string_view v : values) size += v.size();
  std::string next;
  next.reserve(size);
  for (std::size_t i = 0; i < values.size(); ++i) {
    next.append(values[i]);
    ends_[i] = static_cast<std::uint32_t>(next.size());
  }
  texts_ = std::move(next);
}

void Dialog::set_text(Text t, std::string_view value) {
  Texts values;
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = text(static_cast<Text>(i));
  values[t] = value;
  set_texts(values);  // builds the new buffer before the old one goes
}

void Dialog::confirm(const Message& response_2xx) {
  if (uac_ && early_) {
    route_set_ = record_route_of(response_2xx);
    std::reverse(route_set_.begin(), route_set_.end());
    refresh_remote_target(response_2xx);
  }
  early_ = false;
}

std::string Dialog::next_hop_uri() const {
  return route_set_.empty() ? std::string(remote_target()) : uri_of(route_set_.front());
}

Message Dialog::make_request(Method method) { return make_request(sip::method_name(method)); }

namespace {

std::string tagged(std::string_view name_addr, std::string_view tag) {
  std::string out;
  out.reserve(name_addr.size() + 5 + tag.size());
  out.append(name_addr).append(";tag=").append(tag);
  return out;
}

}  // namespace

std::string bracketed(std::string_view uri) {
  // Built by append: g++ 12 -O2 warns falsely (-Wrestrict) on "<" + string + ">".
  std::string out;
  out.reserve(uri.size() + 2);
  out.append("<").append(uri).append(">");
  return out;
}

Message Dialog::make_request(std::string_view method_name) {
  ++local_cseq_;
  const bool strict = !route_set_.empty() && !loose_route(route_set_.front());
  // §12.2.1.1: with a strict first route, it becomes the Request-URI and the
  // remote target goes to the end of the Route list.
  const std::string strict_uri = strict ? uri_of(route_set_.front()) : std::string();
  Message m =
      Message::request(method_name, strict ? std::string_view(strict_uri) : remote_target());
  for (std::size_t i = strict ? 1 : 0; i < route_set_.size(); ++i) m.add(HeaderId::Route, route_set_[i]);
  if (strict) m.add(HeaderId::Route, bracketed(remote_target()));
  m.add(HeaderId::MaxForwards, "70");
  const DialogIdView id_view = id();
  m.add(HeaderId::From, tagged(local_uri(), id_view.local_tag));
  if (id_view.remote_tag.empty())
    m.add(HeaderId::To, remote_uri());
  else
    m.add(HeaderId::To, tagged(remote_uri(), id_view.remote_tag));
  m.add(HeaderId::CallId, id_view.call_id);
  m.add(HeaderId::CSeq, std::to_string(local_cseq_) + " " + std::string(method_name));
  if (method_name != "BYE" && method_name != "CANCEL")
    m.add(HeaderId::Contact, bracketed(local_contact()));
  return m;
}

Message Dialog::make_ack(std::uint32_t invite_cseq) const {
  const bool strict = !route_set_.empty() && !loose_route(route_set_.front());
  const std::string strict_uri = strict ? uri_of(route_set_.front()) : std::string();
  Message m =
      Message::request(Method::Ack, strict ? std::string_view(strict_uri) : remote_target());
  for (std::size_t i = strict ? 1 : 0; i < route_set_.size(); ++i) m.add(HeaderId::Route, route_set_[i]);
  if (strict) m.add(HeaderId::Route, bracketed(remote_target()));
  m.add(HeaderId::MaxForwards, "70");
  const DialogIdView id_view = id();
  m.add(HeaderId::From, tagged(local_uri(), id_view.local_tag));
  m.add(HeaderId::To, tagged(remote_uri(), id_view.remote_tag));
  m.add(HeaderId::CallId, id_view.call_id);
  m.add(HeaderId::CSeq, std::to_string(invite_cseq) + " ACK");
  return m;
}

Result<void> Dialog::accept_remote_request(const Message& request) {
  if (request.method() == Method::Ack || request.method() == Method::Cancel) return {};
  Result<CSeq> c = parse_cseq(request.header(HeaderId::CSeq));
  if (!c) return c.error();
  if (remote_cseq_ && c->number < *remote_cseq_) return Error{500, "CSeq out of order"};
  remote_cseq_ = c->number;
  return {};
}

void Dialog::refresh_remote_target(const Message& message) {
  const std::string target = contact_uri(message);
  if (!target.empty() && target != remote_target()) set_text(RemoteTarget, target);
}

}  // namespace cvw::sip::dialog
