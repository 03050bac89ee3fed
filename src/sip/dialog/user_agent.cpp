#include "sip/dialog/user_agent.hpp"

#include "common/log.hpp"
#include "common/random.hpp"
#include "sip/header_values.hpp"
#include "sip/response_routing.hpp"

namespace cvw::sip::dialog {

namespace {

constexpr std::string_view kAllow = "INVITE, ACK, BYE, CANCEL, OPTIONS, UPDATE, INFO";
constexpr std::string_view kSupported = "replaces";

// Methods this UA core knows but does not serve outside a dialog: 405 with
// Allow (§8.2.1). Anything else unknown is 501 (RFC 4475 §3.1.1.2).
bool known_method(Method m) { return m != Method::Unknown; }

}  // namespace

std::string LocalAddress::host_port() const {
  std::string out = ipv6() ? "[" + host + "]" : host;
  return out + ":" + std::to_string(port);
}

UserAgent::UserAgent(txn::TransactionLayer& transactions, txn::Sender& sender, TimerService& timers,
                     UaConfig config)
    : transactions_(transactions), sender_(sender), timers_(timers), config_(std::move(config)) {
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

Result<txn::ClientTransactionId> UserAgent::send_request(Message&& request, std::string_view next_hop_uri,
                                                         txn::ClientCallbacks callbacks) {
  std::optional<Peer> to = request.find(HeaderId::Route) || !config_.outbound_proxy ? resolve(next_hop_uri)
                                                                                      : config_.outbound_proxy;
  if (!to) return Error{503, "no route to " + std::string(next_hop_uri)};
  add_via(request, local_for(*to), to->protocol);
  return transactions_.start_client(std::move(request), *to, std::move(callbacks));
}

Result<std::pair<std::string, Peer>> UserAgent::send_stateless(Message&& request, std::string_view next_hop_uri) {
  std::optional<Peer> to = request.find(HeaderId::Route) || !config_.outbound_proxy ? resolve(next_hop_uri)
                                                                                      : config_.outbound_proxy;
  if (!to) return Error{503, "no route to " + std::string(next_hop_uri)};
  add_via(request, local_for(*to), to->protocol);
  std::string wire = request.serialize();
  sender_.send(wire, *to);
  return std::pair<std::string, Peer>{std::move(wire), *to};
}

// --- sessions ----------------------------------------------------------------

Result<std::shared_ptr<InviteSession>> UserAgent::invite(const InviteParams& params, InviteHandler* handler) {
  std::optional<Peer> to = config_.outbound_proxy ? config_.outbound_proxy : resolve(params.request_uri);
  if (!to) return Error{503, "no route to " + params.request_uri};
  const LocalAddress& local = local_for(*to);

  auto session = std::make_shared<InviteSession>(*this, handler, true);
  Message invite = Message::request(Method::Invite, params.request_uri);
  invite.add(HeaderId::MaxForwards, "70");
  const std::string from = params.from.empty() ? "<sip:" + config_.contact_user + "@" + local.host_port() + ">"
                                               : params.from;
  invite.add(HeaderId::From, from + ";tag=" + session->local_tag_);
  invite.add(HeaderId::To, params.to.empty() ? "<" + params.request_uri + ">" : params.to);
  session->call_id_ = random_token(20) + "@" + local.host;
  invite.add(HeaderId::CallId, session->call_id_);
  invite.add(HeaderId::CSeq, "1 INVITE");
  session->local_contact_ = contact_for(*to);
  invite.add(HeaderId::Contact, "<" + session->local_contact_ + ">");
  invite.add(HeaderId::Allow, kAllow);
  invite.add(HeaderId::Supported, kSupported);
  add_common_headers(invite);
  for (const auto& [name, value] : params.headers) invite.add(name, value);
  if (!params.body.empty()) invite.set_body(params.content_type, params.body);
  session->local_body_type_ = params.content_type;
  session->local_body_ = params.body;

  add_via(invite, local, to->protocol);
  Message kept = invite.clone();
  std::weak_ptr<InviteSession> weak = session;
  txn::ClientCallbacks callbacks;
  callbacks.on_response = [weak](txn::ClientTransactionId, Message&& response) {
    if (auto s = weak.lock()) s->on_invite_response(std::move(response));
  };
  callbacks.on_timeout = [weak](txn::ClientTransactionId) {
    if (auto s = weak.lock()) s->on_invite_failure(EndReason::Timeout, 408);
  };
  callbacks.on_transport_error = [weak](txn::ClientTransactionId) {
    if (auto s = weak.lock()) s->on_invite_failure(EndReason::TransportError, 503);
  };
  pending_.emplace(session.get(), session);
  Result<txn::ClientTransactionId> id = transactions_.start_client(std::move(invite), *to, std::move(callbacks));
  if (!id) {
    pending_.erase(session.get());
    return id.error();
  }
  session->start_uac(std::move(kept), *id);
  return session;
}

void UserAgent::attach(const std::shared_ptr<InviteSession>& session) {
  if (!session->dialog_) return;
  sessions_[session->dialog_->id()] = session;
  pending_.erase(session.get());
}

void UserAgent::detach(const InviteSession& session) {
  if (session.dialog_) {
    auto it = sessions_.find(session.dialog_->id());
    if (it != sessions_.end() && it->second.get() == &session) sessions_.erase(it);
  }
  pending_.erase(&session);
  if (session.server_txn_) by_server_txn_.erase(session.server_txn_);
}

std::shared_ptr<InviteSession> UserAgent::find(const DialogId& id) const {
  auto it = sessions_.find(id);
  return it == sessions_.end() ? nullptr : it->second;
}

// --- TransactionUser ---------------------------------------------------------

void UserAgent::respond_simple(txn::ServerTransactionId id, const Message& request, int status,
                               std::string_view reason) {
  Message response = make_response(request, status, reason);
  if (status == 405 || status == 501 || (request.method() == Method::Options && status == 200)) {
    response.add(HeaderId::Allow, kAllow);
  }
  add_common_headers(response);
  (void)transactions_.respond(id, std::move(response));
}

void UserAgent::on_request(txn::ServerTransactionId id, Message&& request, const Peer& from) {
  const DialogId did = dialog_id_of_request(request);
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
  if (const std::string_view require = request.header(HeaderId::Require); !require.empty() &&
      request.method() != Method::Ack && request.method() != Method::Cancel) {
    std::string unsupported;
    (void)for_each_list_value(require, [&](std::string_view option) -> Result<void> {
      if (option != "replaces") unsupported.append(unsupported.empty() ? "" : ", ").append(option);
      return {};
    });
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
      response.add(HeaderId::Allow, kAllow);
      response.add(HeaderId::Accept, "application/sdp");
      response.add(HeaderId::Supported, kSupported);
      add_common_headers(response);
      (void)transactions_.respond(id, std::move(response));
      return;
    }
    case Method::Invite: {
      // §8.2.3: a body we cannot read gets 415 with what we accept.
      const std::string_view type = request.header(HeaderId::ContentType);
      if (!request.body().empty() && !type.starts_with("application/sdp")) {
        Message response = make_response(request, 415);
        response.add(HeaderId::Accept, "application/sdp");
        (void)transactions_.respond(id, std::move(response));
        return;
      }
      if (!handler_) {
        respond_simple(id, request, 480, "No application to take the call");
        return;
      }
      auto session = std::make_shared<InviteSession>(*this, nullptr, false);
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
      respond_simple(id, request, known_method(request.method()) ? 405 : 501);
      return;
  }
}

void UserAgent::on_cancel(txn::ServerTransactionId invite, const Message&) {
  auto it = by_server_txn_.find(invite);
  if (it == by_server_txn_.end()) return;
  if (auto s = it->second.lock()) s->on_cancelled();
}

void UserAgent::on_ack(Message&& ack, const Peer&) {
  if (std::shared_ptr<InviteSession> s = find(dialog_id_of_request(ack))) s->on_ack(ack);
}

void UserAgent::on_stray_response(Message&& response, const Peer&) {
  // A 2xx retransmission after Timer M, or a fork we have no transaction
  // for: if it belongs to a live session, re-ACK it (§13.2.2.4).
  if (response.status() / 100 != 2) return;
  const DialogId did = dialog_id_of_response(response);
  if (std::shared_ptr<InviteSession> s = find(did)) {
    if (!s->ack_wire_.empty()) send_wire(s->ack_wire_, s->ack_to_);
  }
}

void UserAgent::on_server_failure(txn::ServerTransactionId id, txn::ServerFailure failure) {
  log().debug("sip: server transaction {} failed ({})", id.value,
              failure == txn::ServerFailure::AckTimeout ? "no ACK" : "transport error");
}

}  // namespace cvw::sip::dialog
