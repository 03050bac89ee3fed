#include "sip/dialog/user_agent.hpp"

#include "common/log.hpp"
#include "common/random.hpp"
#include "common/sparse_tables.hpp"
#include "sip/header_values.hpp"
#include "sip/response_routing.hpp"

namespace cvw::sip::dialog {

namespace {

constexpr std::string_view kAllow =
    "INVITE, ACK, BYE, CANCEL, OPTIONS, UPDATE, INFO, PRACK, REFER, NOTIFY";  // + served
// replaces: RFC 3891; timer: RFC 4028; 100rel: RFC 3262, both ways (we PRACK
// reliable provisionals, and send ours reliably when the caller asks).
constexpr std::string_view kSupported = "replaces, timer, 100rel";

// Methods this UA core knows but does not serve outside a dialog: 405 with
// Allow (§8.2.1). Anything else unknown is 501 (RFC 4475 §3.1.1.2).
bool known_method(Method m) { return m != Method::Unknown; }

// Media types are case-insensitive (RFC 2045 §5.1); parameters may follow.
bool is_sdp(std::string_view content_type) {
  constexpr std::string_view kSdp = "application/sdp";
  if (content_type.size() < kSdp.size()) return false;
  for (std::size_t i = 0; i < kSdp.size(); ++i) {
    const char c = content_type[i];
    if ((c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c) != kSdp[i]) return false;
  }
  return content_type.size() == kSdp.size() || content_type[kSdp.size()] == ';' ||
         content_type[kSdp.size()] == ' ';
}

}  // namespace

std::string LocalAddress::host_port() const {
  std::string out = ipv6() ? "[" + host + "]" : host;
  return out + ":" + std::to_string(port);
}

UserAgent::UserAgent(txn::TransactionLayer& transactions, txn::Sender& sender, TimerService& timers,
                     UaConfig config)
    : transactions_(transactions), sender_(sender), timers_(timers), config_(std::move(config)), allow_(kAllow) {
  transactions_.set_user(*this);
}

UserAgent::~UserAgent() = default;

// --- routing ---------------------------------------------------------------

std::optional<Peer> UserAgent::resolve(std::string_view uri_text) const {
  Result<Uri> uri = parse_uri(uri_text);
  if (!uri || !uri->is_sip()) return config_.outbound_proxy;
  // No DNS (RFC 3263) yet: a host that is not an IP address goes to the
  // outbound proxy, or nowhere.
  boost::system::error_code ec;
  const auto address = boost::asio::ip::make_address(std::string(uri->host), ec);
  if (ec) return config_.outbound_proxy;
  Peer peer;
  peer.address = address;
  peer.port = uri->port != 0 ? uri->port : 5060;
  const auto transport = uri->param("transport");
  peer.protocol = transport && (*transport == "tcp" || *transport == "TCP") ? Protocol::Tcp : Protocol::Udp;
  return peer;
}

const LocalAddress& UserAgent::local_for(const Peer& destination) const {
  const bool v6 = destination.address.is_v6();
  for (const LocalAddress& l : config_.local) {
    if (l.protocol == destination.protocol && l.ipv6() == v6) return l;
  }
  for (const LocalAddress& l : config_.local) {
    if (l.ipv6() == v6) return l;
  }
  return config_.local.front();
}

std::string UserAgent::contact_for(const Peer& destination) const {
  const LocalAddress& l = local_for(destination);
  std::string c = "sip:" + config_.contact_user + "@" + l.host_port();
  if (l.protocol == Protocol::Tcp) c += ";transport=tcp";
  return c;
}

void UserAgent::serve(Method method, RequestHandler* handler) {
  std::erase_if(served_, [method](const auto& s) { return s.first == method; });
  if (handler != nullptr) served_.emplace_back(method, handler);
  allow_ = kAllow;
  for (const auto& [m, h] : served_) allow_.append(", ").append(method_name(m));
}

void UserAgent::add_common_headers(Message& m) const {
  if (!config_.user_agent.empty()) m.add(HeaderId::UserAgent, config_.user_agent);
}

namespace {

// Our Via: a fresh branch with the magic cookie (§8.1.1.7) and rport
// (RFC 3581) so responses find us through NAT.
void add_via(Message& m, const LocalAddress& l, Protocol protocol) {
  std::string via = "SIP/2.0/";
  via.append(protocol_name(protocol)).append(" ").append(l.host_port());
  via.append(";branch=z9hG4bK").append(random_token(16)).append(";rport");
  m.add_front(HeaderId::Via, via);
}

}  // namespace

std::optional<Peer> UserAgent::next_hop(const Message& request, std::string_view next_hop_uri) const {
  std::optional<Peer> to = request.find(HeaderId::Route) || !config_.outbound_proxy ? resolve(next_hop_uri)
                                                                                      : config_.outbound_proxy;
  // RFC 3261 §18.1.1: a request "larger than 1300 bytes" when the path MTU is
  // unknown "MUST be sent using ... TCP", when we have a TCP listener.
  if (to && to->protocol == Protocol::Udp && must_use_stream(request.wire_size_estimate() + 80)) {
    for (const LocalAddress& l : config_.local) {
      if (l.protocol == Protocol::Tcp && l.ipv6() == to->address.is_v6()) {
        to->protocol = Protocol::Tcp;
        break;
      }
    }
  }
  return to;
}

Result<txn::ClientTransactionId> UserAgent::send_request(Message&& request, std::string_view next_hop_uri,
                                                         txn::ClientCallbacks callbacks, Message* sent,
                                                         const Peer* resolved) {
  std::optional<Peer> to = resolved ? std::optional<Peer>(*resolved) : next_hop(request, next_hop_uri);
  if (!to) return Error{503, "no route to " + std::string(next_hop_uri)};
  add_via(request, local_for(*to), to->protocol);
  if (sent) *sent = request.clone();
  return transactions_.start_client(std::move(request), *to, std::move(callbacks));
}

Result<std::pair<std::string, Peer>> UserAgent::send_stateless(Message&& request, std::string_view next_hop_uri) {
  std::optional<Peer> to = next_hop(request, next_hop_uri);
  if (!to) return Error{503, "no route to " + std::string(next_hop_uri)};
  add_via(request, local_for(*to), to->protocol);
  std::string wire = request.serialize();
  sender_.send(wire, *to);
  return std::pair<std::string, Peer>{std::move(wire), *to};
}

// --- sessions ----------------------------------------------------------------

std::string UserAgent::first_hop(const Message& request) {
  const std::string_view route = request.header(HeaderId::Route);
  return route.empty() ? std::string(request.request_uri()) : uri_of(route);
}

Result<std::shared_ptr<InviteSession>> UserAgent::invite(const InviteParams& params, InviteHandler* handler) {
  auto session = std::make_shared<InviteSession>(*this, handler, true);
  Message invite = Message::request(Method::Invite, params.request_uri);
  invite.add(HeaderId::MaxForwards, std::to_string(params.max_forwards));
  for (const auto& [name, value] : params.headers) {
    if (header_id(name) == HeaderId::Route) invite.add(name, value);
  }
  const std::string hop = first_hop(invite);
  std::optional<Peer> to = config_.outbound_proxy ? config_.outbound_proxy : resolve(hop);
  if (!to) return Error{503, "no route to " + hop};
  const LocalAddress& local = local_for(*to);

  const std::string from = params.from.empty() ? "<sip:" + config_.contact_user + "@" + local.host_port() + ">"
                                               : params.from;
  invite.add(HeaderId::From, from + ";tag=" + session->pre_->local_tag);
  invite.add(HeaderId::To, params.to.empty() ? "<" + params.request_uri + ">" : params.to);
  session->pre_->call_id = random_token(20) + "@" + local.host;
  invite.add(HeaderId::CallId, session->pre_->call_id);
  invite.add(HeaderId::CSeq, "1 INVITE");
  invite.add(HeaderId::Allow, allow_);
  invite.add(HeaderId::Supported, kSupported);
  if (config_.session_expires > 0) {
    invite.add(HeaderId::SessionExpires, std::to_string(config_.session_expires));
    // §7.1: a UAC that accepts no less than some interval says so; 90 s is
    // what an absent Min-SE means.
    if (config_.min_se > 90) invite.add(HeaderId::MinSE, std::to_string(config_.min_se));
  }
  add_common_headers(invite);
  for (const auto& [name, value] : params.headers) {
    if (header_id(name) != HeaderId::Route) invite.add(name, value);
  }
  if (!params.body.empty()) invite.set_body(params.content_type, params.body);
  session->local_body_ = params.body;
  session->local_body_type_ = params.content_type;
  // The transport (UDP, or TCP for a large request) decides the Contact.
  to = next_hop(invite, hop);
  if (!to) return Error{503, "no route to " + hop};
  session->pre_->local_contact = contact_for(*to);
  invite.add(HeaderId::Contact, "<" + session->pre_->local_contact + ">");
  pending_.emplace(session.get(), session);
  Message sent = Message::response(500);
  Result<txn::ClientTransactionId> id =
      send_request(std::move(invite), hop, session->invite_callbacks(), &sent, &*to);
  if (!id) {
    pending_.erase(session.get());
    return id.error();
  }
  session->start_uac(std::move(sent), *id);
  return session;
}

bool UserAgent::originated_here(const Message& invite) const {
  const std::string_view call_id = invite.header(HeaderId::CallId);
  if (call_id.empty()) return false;
  std::string scratch;
  const std::string_view from_tag = tag_param(invite.header(HeaderId::From), scratch);
  for (const auto& [session, owner] : pending_) {
    if (session->uac_ && session->call_id() == call_id && session->local_tag() == from_tag)
      return true;
  }
  return false;
}

void UserAgent::attach(const std::shared_ptr<InviteSession>& session) {
  if (!session->dialog_) return;
  pending_.erase(session.get());
  shrink_when_sparse(pending_);  // sessions being set up: a burst's worth
  const DialogIdView id = session->dialog_->id();
  // Another session with the same id (a peer reusing tags) gives way: the
  // table's entry must be this session, whose dialog it hashes through. It
  // is let go only after the insert, so that its end cannot reach into the
  // table while it changes.
  std::shared_ptr<InviteSession> displaced;
  if (auto it = sessions_.find(id); it != sessions_.end()) {
    if (it->get() == session.get()) return;
    displaced = *it;
    sessions_.erase(it);
  }
  sessions_.insert(session);
}

void UserAgent::detach(const InviteSession& session) {
  if (session.dialog_) {
    auto it = sessions_.find(session.dialog_->id());
    if (it != sessions_.end() && it->get() == &session) sessions_.erase(it);
  }
  pending_.erase(&session);
  if (session.server_txn_) by_server_txn_.erase(session.server_txn_);
  shrink_when_sparse(sessions_);
  shrink_when_sparse(pending_);
  shrink_when_sparse(by_server_txn_);
}

std::shared_ptr<InviteSession> UserAgent::find(const DialogIdView& id) const {
  auto it = sessions_.find(id);
  return it == sessions_.end() ? nullptr : *it;
}

// --- TransactionUser ---------------------------------------------------------

bool UserAgent::refuse_session_interval(txn::ServerTransactionId id, const Message& request) {
  const std::string_view se = request.header(HeaderId::SessionExpires);
  if (se.empty()) return false;
  std::string scratch;
  Result<SessionExpires> parsed = parse_session_expires(se, scratch);
  if (!parsed) {
    respond_simple(id, request, 400, parsed.error().message);
    return true;
  }
  if (parsed->seconds >= config_.min_se ||
      !has_option(request.header(HeaderId::Supported), "timer"))
    return false;
  Message response = make_response(request, 422);
  response.add(HeaderId::MinSE, std::to_string(config_.min_se));
  (void)transactions_.respond(id, std::move(response));
  return true;
}

void UserAgent::respond_simple(txn::ServerTransactionId id, const Message& request, int status,
                               std::string_view reason) {
  Message response = make_response(request, status, reason);
  if (status == 405 || status == 501 || (request.method() == Method::Options && status == 200)) {
    response.add(HeaderId::Allow, allow_);
  }
  add_common_headers(response);
  (void)transactions_.respond(id, std::move(response));
}

void UserAgent::on_request(txn::ServerTransactionId id, Message&& request, const Peer& from) {
  DialogIdView::Scratch scratch;
  const DialogIdView did = dialog_view_of_request(request, scratch);
  if (!did.local_tag.empty()) {
    if (std::shared_ptr<InviteSession> s = find(did)) {
      s->on_in_dialog(id, std::move(request));
      return;
    }
    // §12.2.2: "If the UAS wishes to reject the request because it does not
    // wish to recreate the dialog, it MUST respond to the request with a 481".
    respond_simple(id, request, 481);
    return;
  }
  on_out_of_dialog(id, std::move(request), from);
}

void UserAgent::on_out_of_dialog(txn::ServerTransactionId id, Message&& request, const Peer& from) {
  Result<Uri> ruri = parse_uri(request.request_uri());
  if (!ruri || (ruri->scheme != UriScheme::Sip && ruri->scheme != UriScheme::Sips && ruri->scheme != UriScheme::Tel)) {
    respond_simple(id, request, 416);  // §8.2.2.1
    return;
  }
  // §8.2.2.3: extensions we do not support in Require get 420 + Unsupported.
  // Require may be spread over several lines (§7.3.1).
  if (request.method() != Method::Ack && request.method() != Method::Cancel) {
    std::string_view served_options;  // what the handler of this method adds
    for (const auto& [method, handler] : served_) {
      if (method == request.method()) served_options = handler->supported();
    }
    std::string unsupported;
    for (const HeaderField& h : request.headers()) {
      if (h.id != HeaderId::Require) continue;
      (void)for_each_list_value(h.value, [&](std::string_view option) -> Result<void> {
        if (!has_option(kSupported, option) && !has_option(served_options, option))
          unsupported.append(unsupported.empty() ? "" : ", ").append(option);
        return {};
      });
    }
    if (!unsupported.empty()) {
      Message response = make_response(request, 420);
      response.add(HeaderId::Unsupported, unsupported);
      (void)transactions_.respond(id, std::move(response));
      return;
    }
  }
  switch (request.method()) {
    case Method::Options: {
      Message response = make_response(request, 200);
      response.add(HeaderId::Allow, allow_);
      response.add(HeaderId::Accept, "application/sdp");
      response.add(HeaderId::Supported, kSupported);
      add_common_headers(response);
      (void)transactions_.respond(id, std::move(response));
      return;
    }
    case Method::Invite: {
      // §8.2.3: a body we cannot read gets 415 with what we accept.
      if (!request.body().empty() && !is_sdp(request.header(HeaderId::ContentType))) {
        Message response = make_response(request, 415);
        response.add(HeaderId::Accept, "application/sdp");
        (void)transactions_.respond(id, std::move(response));
        return;
      }
      if (refuse_session_interval(id, request)) return;
      std::shared_ptr<InviteSession> replaced;
      if (const int status = check_replaces(request, replaced); status != 0) {
        respond_simple(id, request, status);
        return;
      }
      if (!handler_) {
        respond_simple(id, request, 480, "No application to take the call");
        return;
      }
      auto session = std::make_shared<InviteSession>(*this, nullptr, false);
      session->replaced_ = replaced;
      pending_.emplace(session.get(), session);
      by_server_txn_[id] = session;
      session->start_uas(id, std::move(request), from);
      handler_->on_invite(session);
      return;
    }
    case Method::Bye:
      respond_simple(id, request, 481);
      return;
    default:
      for (const auto& [method, handler] : served_) {
        if (method != request.method()) continue;
        Message response = handler->respond(request, from);
        add_common_headers(response);
        (void)transactions_.respond(id, std::move(response));
        return;
      }
      respond_simple(id, request, known_method(request.method()) ? 405 : 501);
      return;
  }
}

std::shared_ptr<InviteSession> UserAgent::find_any(const DialogIdView& id) const {
  if (auto s = find(id)) return s;
  for (const auto& [ptr, session] : pending_) {
    if (session->dialog_ && DialogIdEqual{}(session->dialog_->id(), id)) return session;
  }
  return nullptr;
}

// RFC 3891 §3: "the UA ... looks for a dialog with a Call-ID, local tag, and
// remote tag that match the Call-ID, to-tag, and from-tag parameters".
int UserAgent::check_replaces(const Message& invite, std::shared_ptr<InviteSession>& target) const {
  const std::string_view value = invite.header(HeaderId::Replaces);
  if (value.empty()) return 0;
  if (invite.count(HeaderId::Replaces) > 1) return 400;
  std::string scratch;
  Result<Replaces> r = parse_replaces(value, scratch);
  if (!r) return 400;
  target = find_any(DialogIdView{r->call_id, r->to_tag, r->from_tag});
  // "If no match is found, the UAS rejects the INVITE and returns a 481".
  if (!target || target->state() == SessionState::Terminated) return 481;
  const bool early = target->state() == SessionState::Calling || target->state() == SessionState::Early ||
                     target->state() == SessionState::Incoming;
  // "If the Replaces header field matches a confirmed dialog, it checks for
  // the presence of the "early-only" flag ... If the flag is present, the UA
  // rejects the request with a 486 (Busy)"; an early dialog this UA did not
  // initiate gets 481.
  if (!early && r->early_only) return 486;
  if (early && !target->is_uac()) return 481;
  return 0;
}

void UserAgent::on_cancel(txn::ServerTransactionId invite, const Message&) {
  auto it = by_server_txn_.find(invite);
  if (it == by_server_txn_.end()) return;
  if (auto s = it->second.lock()) s->on_cancelled();
}

void UserAgent::on_ack(Message&& ack, const Peer&) {
  DialogIdView::Scratch scratch;
  if (std::shared_ptr<InviteSession> s = find(dialog_view_of_request(ack, scratch))) s->on_ack(ack);
}

void UserAgent::on_stray_response(Message&& response, const Peer&) {
  // A 2xx retransmission after Timer M, or a fork we have no transaction
  // for: if it belongs to a live session, re-ACK it (§13.2.2.4).
  if (response.status() / 100 != 2) return;
  DialogIdView::Scratch scratch;
  const DialogIdView did = dialog_view_of_response(response, scratch);
  if (std::shared_ptr<InviteSession> s = find(did)) {
    Result<CSeq> cseq = parse_cseq(response.header(HeaderId::CSeq));
    if (cseq) s->resend_ack(cseq->number);
  }
}

void UserAgent::on_server_failure(txn::ServerTransactionId id, txn::ServerFailure failure) {
  log().debug("sip: server transaction {} failed ({})", id.value,
              failure == txn::ServerFailure::AckTimeout ? "no ACK" : "transport error");
}

}  // namespace cvw::sip::dialog
