#include "sip/transaction/transaction_layer.hpp"

#include <cstdint>
#include <memory>
#include <random>
#include <utility>

#include "common/log.hpp"
#include "common/sparse_tables.hpp"
#include "sip/header_values.hpp"
#include "sip/transaction/client_invite_transaction.hpp"
#include "sip/transaction/client_non_invite_transaction.hpp"
#include "sip/transaction/matching.hpp"
#include "sip/transaction/message_builders.hpp"
#include "sip/transaction/server_invite_transaction.hpp"
#include "sip/transaction/server_non_invite_transaction.hpp"

namespace cvw::sip::txn {
namespace {

// §8.1.1.7: "The branch ID inserted by an element compliant with this
// specification MUST always begin with the characters "z9hG4bK"."
constexpr std::string_view kMagicCookie = "z9hG4bK";

TransactionLayer::TokenSource default_tokens() {
  auto engine = std::make_shared<std::mt19937_64>(std::random_device{}());
  // Sixteen hex digits, written by hand: snprintf's format parsing was 3 %
  // of an in-process UAS call (a branch and a To tag each).
  return [engine] {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string text(16, '0');
    for (std::uint64_t bits = (*engine)(), i = 16; i-- > 0; bits >>= 4) text[i] = kHex[bits & 0xf];
    return text;
  };
}

}  // namespace

TransactionLayer::TransactionLayer(TimerService& timers, Sender& sender, TimerConfig config,
                                   TokenSource tokens)
    : ctx_(timers, sender, config), tokens_(tokens ? std::move(tokens) : default_tokens()) {
  ctx_.reap = [this](std::vector<ServerTransactionId>& servers,
                     std::vector<ClientTransactionId>& clients) { reap(servers, clients); };
}

TransactionLayer::~TransactionLayer() {
  // Transactions go first, cancelling their timers through ctx_.
  servers_.clear();
  clients_.clear();
}

void TransactionLayer::set_user(TransactionUser& user) {
  ctx_.set_user(&user);
}

// --- receiving ----------------------------------------------------------------

void TransactionLayer::receive(Message&& message, const Peer& from, const Peer& reply_to) {
  Context::Event event(ctx_);
  if (message.defect()) {
    // The transport rejects these statelessly before they get here.
    drop("message with a defect", message.defect()->message);
    return;
  }
  if (message.is_request()) {
    receive_request(std::move(message), from, reply_to);
  } else {
    receive_response(std::move(message), from);
  }
}

void TransactionLayer::receive_request(Message&& request, const Peer& from, const Peer& reply_to) {
  Result<RequestMatch> match = match_request(request);
  if (!match) {
    drop(request.method_name(), match.error().message);
    return;
  }
  switch (request.method()) {
    case Method::Ack:
      receive_ack(std::move(request), *match, from);
      break;
    case Method::Cancel:
      receive_cancel(std::move(request), *match, reply_to);
      break;
    default:
      receive_other(std::move(request), *match, from, reply_to);
      break;
  }
}

const TransactionLayer::ServerSlot* TransactionLayer::find_slot(const RequestMatch& match) const {
  auto slot = server_index_.find(std::string_view(match.key));
  return slot == server_index_.end() ? nullptr : &slot->second;
}

ServerTransaction* TransactionLayer::matching_request_txn(const ServerSlot* slot,
                                                          const RequestMatch& match,
                                                          const Message& request) const {
  if (slot == nullptr) return nullptr;
  ServerTransaction* txn = find_server(slot->request);
  if (txn == nullptr || match.rfc3261) return txn;
  // RFC 2543 matching compares To tags too (§17.2.3): an ACK's with the tag
  // of the response it acknowledges, any other request's with the tag of the
  // request that created the transaction.
  const std::string_view expected =
      request.method() == Method::Ack ? txn->response_to_tag() : txn->request_to_tag();
  return match.to_tag == expected ? txn : nullptr;
}

void TransactionLayer::receive_other(Message&& request, RequestMatch& match, const Peer& from,
                                     const Peer& reply_to) {
  if (const ServerSlot* slot = find_slot(match); slot != nullptr && slot->request) {
    ServerTransaction* txn = matching_request_txn(slot, match, request);
    if (txn != nullptr && txn->method_name() == request.method_name()) {
      txn->on_retransmission();
      return;
    }
    // The slot is taken by another request: a client reusing a branch for a
    // new request, which §8.1.1.7 forbids ("unique across space and time"),
    // or an RFC 2543 request differing only in its To tag. Neither can be
    // told apart from the transaction in place.
    drop(request.method_name(), "its transaction key is in use by another request");
    return;
  }
  TransactionUser* user = ctx_.user();
  if (user == nullptr) {
    drop(request.method_name(), "no transaction user");
    return;
  }
  ServerTransaction& txn = create_server(request, match, reply_to, false);
  user->on_request(txn.id(), std::move(request), from);
}

void TransactionLayer::receive_ack(Message&& ack, const RequestMatch& match, const Peer& from) {
  if (ServerTransaction* txn = matching_request_txn(find_slot(match), match, ack); txn != nullptr) {
    ServerInviteTransaction* invite = txn->as_invite();
    // §17.2.3: an ACK matches the INVITE "where the method of the request
    // that created the transaction is INVITE". For a non-2xx final the
    // transaction absorbs it (§17.2.1); in Accepted it goes up (RFC 6026).
    if (invite != nullptr && invite->on_ack() == ServerInviteTransaction::AckDisposition::Absorbed)
      return;
  }
  // §17.2.3 / §13.3.1.4: the ACK for a 2xx has its own branch and matches
  // nothing here; the UAS core (dialog layer) takes it.
  ++ctx_.metrics().stray_acks;
  if (TransactionUser* user = ctx_.user()) user->on_ack(std::move(ack), from);
}

void TransactionLayer::receive_cancel(Message&& cancel, RequestMatch& match, const Peer& reply_to) {
  const ServerSlot* slot = find_slot(match);
  if (slot != nullptr && slot->cancel) {
    if (ServerTransaction* again = find_server(slot->cancel)) {
      again->on_retransmission();
      return;
    }
  }
  // §9.2: "The TU determines the transaction to be cancelled by taking the
  // CANCEL request, and then assuming that the request method is anything but
  // CANCEL or ACK and applying the transaction matching procedures of Section
  // 17.2.3."
  ServerTransaction* target = matching_request_txn(slot, match, cancel);
  // `slot` points into the flat index: create_server() may grow it and move
  // every slot, so it is not read after this line.
  ServerTransaction& cancel_txn = create_server(cancel, match, reply_to, true);
  ++ctx_.metrics().cancels_received;
  if (target != nullptr) {
    ServerInviteTransaction* invite = target->as_invite();
    // §9.2: "If the UAS has already sent a final response for the original
    // request, the CANCEL has no effect on the processing of the original
    // request"; if the original was not an INVITE, it has none either.
    if (invite != nullptr && !invite->final_sent() && ctx_.user() != nullptr) {
      ctx_.user()->on_cancel(target->id(), cancel);
    }
  }
  answer_cancel(cancel_txn, cancel, target);
}

void TransactionLayer::answer_cancel(ServerTransaction& cancel_txn, const Message& cancel,
                                     ServerTransaction* target) {
  // §9.2: "If the UAS did not find a matching transaction for the CANCEL
  // according to the procedure above, it SHOULD respond to the CANCEL with a
  // 481 (Call Leg/Transaction Does Not Exist). ... Regardless of the method
  // of the original request, as long as the CANCEL matched an existing
  // transaction, the UAS answers the CANCEL request itself with a 200 (OK)
  // response. ... The To tag of the response to the CANCEL and the To tag in
  // the response to the original request SHOULD be the same."
  if (target == nullptr) ++ctx_.metrics().cancels_unmatched;
  std::string tag = target != nullptr ? std::string(target->response_to_tag()) : std::string();
  if (tag.empty()) tag = tokens_();
  Result<void> sent = cancel_txn.respond(make_response(cancel, target != nullptr ? 200 : 481, tag));
  if (!sent) log().warn("sip txn: could not answer CANCEL: {}", sent.error().message);
}

void TransactionLayer::receive_response(Message&& response, const Peer& from) {
  if (response.status() < 100 || response.status() > 699) {
    drop("response", "status code outside 100-699");
    return;
  }
  Result<std::string> key = client_key(response);
  ClientTransaction* txn = nullptr;
  if (key) {
    if (auto it = client_index_.find(std::string_view(*key)); it != client_index_.end())
      txn = find_client(it->second);
  }
  if (txn == nullptr) {
    // §17.1.3 found no transaction. RFC 6026 §7.3 leaves stray responses to
    // the core (a UAC core ACKs and BYEs a stray 2xx; a proxy forwards it).
    ++ctx_.metrics().stray_responses;
    if (TransactionUser* user = ctx_.user()) user->on_stray_response(std::move(response), from);
    return;
  }
  txn->on_response(std::move(response));
  send_queued_cancel(*txn);
}

// --- server side ----------------------------------------------------------------

ServerTransaction& TransactionLayer::create_server(const Message& request, RequestMatch& match,
                                                   const Peer& reply_to, bool is_cancel) {
  const ServerTransactionId id{++last_id_};
  std::unique_ptr<ServerTransaction> txn;
  TransactionMetrics& m = ctx_.metrics();
  if (request.method() == Method::Invite) {
    txn = std::make_unique<ServerInviteTransaction>(ctx_, id, request, reply_to);
    ++m.server_invite.created;
  } else {
    txn = std::make_unique<ServerNonInviteTransaction>(ctx_, id, request, reply_to, !is_cancel);
    ++m.server_non_invite.created;
  }
  if (!match.rfc3261) txn->keep_request_to_tag(request);
  ServerTransaction& ref = *txn;
  auto entry =
      servers_.emplace(id, ServerEntry{std::move(txn), std::move(match.key), is_cancel}).first;
  ServerSlot& slot = server_index_.try_emplace(std::string_view(entry->second.key)).first->second;
  (is_cancel ? slot.cancel : slot.request) = id;
  return ref;
}

Result<void> TransactionLayer::respond(ServerTransactionId id, Message&& response) {
  Context::Event event(ctx_);
  ServerTransaction* txn = find_server(id);
  if (txn == nullptr) return Error{500, "no server transaction #" + std::to_string(id.value)};
  return txn->respond(std::move(response));
}

Result<void> TransactionLayer::retransmit_2xx(ServerTransactionId id) {
  Context::Event event(ctx_);
  ServerTransaction* txn = find_server(id);
  if (txn == nullptr) return Error{500, "no server transaction #" + std::to_string(id.value)};
  ServerInviteTransaction* invite = txn->as_invite();
  if (invite == nullptr) return Error{500, "not an INVITE server transaction"};
  return invite->retransmit_2xx();
}

void TransactionLayer::acknowledged(ServerTransactionId id) {
  ServerTransaction* txn = find_server(id);
  if (ServerInviteTransaction* invite = txn != nullptr ? txn->as_invite() : nullptr)
    invite->on_2xx_acknowledged();
}

// --- client side ----------------------------------------------------------------

Result<void> TransactionLayer::ensure_branch(Message& request) {
  std::string scratch;
  Result<Via> via = parse_via(top_via_value(request), scratch);
  if (!via) return Error{500, "request needs a top Via: " + via.error().message};
  if (!via->branch().empty()) return {};
  std::string value(top_via_value(request));
  value.append(";branch=").append(kMagicCookie).append(tokens_());
  request.remove_first_value(HeaderId::Via);
  request.add_front(HeaderId::Via, value);
  return {};
}

Result<ClientTransactionId> TransactionLayer::start_client(Message&& request, const Peer& next_hop,
                                                           ClientCallbacks callbacks) {
  Context::Event event(ctx_);
  if (!request.is_request()) return Error{500, "start_client needs a request"};
  if (request.method() == Method::Ack) {
    return Error{500, "an ACK is not a transaction (§17): send it through the transport"};
  }
  if (Result<void> r = ensure_branch(request); !r) return r.error();
  Result<CSeq> cseq = parse_cseq(request.header(HeaderId::CSeq));
  if (!cseq || cseq->method_name != request.method_name()) {
    return Error{500, "request needs a CSeq with its own method"};
  }
  Result<std::string> key = client_key(request);
  if (!key) return key.error();
  if (client_index_.contains(std::string_view(*key)))
    return Error{500, "branch already used by a live client transaction"};

  const ClientTransactionId id{++last_id_};
  std::unique_ptr<ClientTransaction> txn;
  TransactionMetrics& m = ctx_.metrics();
  if (request.method() == Method::Invite) {
    txn = std::make_unique<ClientInviteTransaction>(ctx_, id, std::move(request), next_hop,
                                                    std::move(callbacks));
    ++m.client_invite.created;
  } else {
    txn = std::make_unique<ClientNonInviteTransaction>(ctx_, id, request, next_hop,
                                                       std::move(callbacks));
    ++m.client_non_invite.created;
  }
  ClientTransaction& ref = *txn;
  auto entry = clients_.emplace(id, ClientEntry{std::move(txn), std::move(*key)}).first;
  client_index_.emplace(std::string_view(entry->second.key), id);
  ref.start();
  return id;
}

Result<void> TransactionLayer::cancel(ClientTransactionId id, std::string_view reason) {
  Context::Event event(ctx_);
  ClientTransaction* txn = find_client(id);
  ClientInviteTransaction* invite = txn != nullptr ? txn->as_invite() : nullptr;
  if (invite == nullptr)
    return Error{500, "no INVITE client transaction #" + std::to_string(id.value)};
  if (invite->cancel_state() != ClientInviteTransaction::Cancel::None) return {};
  switch (invite->state()) {
    case TransactionState::Calling:
      invite->queue_cancel(std::string(reason));
      return {};
    case TransactionState::Proceeding:
      send_cancel(*invite, reason);
      return {};
    default:
      // §9.1: "If the original request has generated a final response, the
      // CANCEL SHOULD NOT be sent, as it is an effective no-op".
      return Error{500, "the INVITE already has a final response"};
  }
}

void TransactionLayer::send_cancel(ClientInviteTransaction& invite, std::string_view reason) {
  // §9.1: the CANCEL is its own (non-INVITE) client transaction, on the same
  // branch, towards the same destination as the INVITE. Its responses matter
  // to no one: the INVITE's 487 is what the TU waits for.
  invite.cancel_sent();
  Result<ClientTransactionId> started =
      start_client(make_cancel(invite.request(), reason), invite.next_hop());
  if (!started) log().warn("sip txn: could not send CANCEL: {}", started.error().message);
}

void TransactionLayer::send_queued_cancel(ClientTransaction& txn) {
  ClientInviteTransaction* invite = txn.as_invite();
  if (invite == nullptr || invite->cancel_state() != ClientInviteTransaction::Cancel::Queued)
    return;
  if (invite->state() != TransactionState::Proceeding) return;
  send_cancel(*invite, invite->cancel_reason());
}

// --- transport errors, lookup, cleanup ---------------------------------------------

void TransactionLayer::transport_error(const Peer& peer, std::string_view failed_request) {
  if (failed_request.empty()) {
    ctx_.defer([this, peer] { fail_transport(peer); });
    return;
  }
  // Our own request, whole (too large to send) or as far as an ICMP error
  // quoted it.
  Result<std::string> key = client_key_of_prefix(failed_request);
  if (!key) {
    log().warn("sip txn: a request that could not be sent names no transaction: {}",
               key.error().message);
    return;
  }
  ctx_.defer([this, peer, key = std::move(*key)] { fail_client(peer, key); });
}

void TransactionLayer::fail_client(const Peer& peer, std::string_view key) {
  auto it = client_index_.find(key);
  if (it == client_index_.end()) return;
  ClientTransaction* txn = find_client(it->second);
  if (txn != nullptr && txn->next_hop() == peer) txn->on_transport_error();
}

void TransactionLayer::fail_transport(const Peer& peer) {
  // Ids first: the callbacks below may create or end transactions.
  std::vector<ServerTransactionId> servers;
  for (const auto& [id, entry] : servers_) {
    if (entry.txn->reply_to() == peer) servers.push_back(id);
  }
  std::vector<ClientTransactionId> clients;
  for (const auto& [id, entry] : clients_) {
    if (entry.txn->next_hop() == peer) clients.push_back(id);
  }
  for (ServerTransactionId id : servers) {
    if (ServerTransaction* txn = find_server(id)) txn->on_transport_error();
  }
  for (ClientTransactionId id : clients) {
    if (ClientTransaction* txn = find_client(id)) txn->on_transport_error();
  }
}

ServerTransaction* TransactionLayer::find_server(ServerTransactionId id) const {
  auto it = servers_.find(id);
  return it == servers_.end() ? nullptr : it->second.txn.get();
}

ClientTransaction* TransactionLayer::find_client(ClientTransactionId id) const {
  auto it = clients_.find(id);
  return it == clients_.end() ? nullptr : it->second.txn.get();
}

std::optional<TransactionState> TransactionLayer::state(ServerTransactionId id) const {
  const ServerTransaction* txn = find_server(id);
  return txn != nullptr ? std::optional(txn->state()) : std::nullopt;
}

std::optional<TransactionState> TransactionLayer::state(ClientTransactionId id) const {
  const ClientTransaction* txn = find_client(id);
  return txn != nullptr ? std::optional(txn->state()) : std::nullopt;
}

void TransactionLayer::reap(std::vector<ServerTransactionId>& servers,
                            std::vector<ClientTransactionId>& clients) {
  // §17.1.1.2, §17.2.1...: a transaction "MUST be destroyed the instant it
  // enters the "Terminated" state" (here: once the event that ended it is over).
  for (ServerTransactionId id : servers) {
    auto it = servers_.find(id);
    if (it == servers_.end()) continue;
    const std::string& key = it->second.key;
    if (auto found = server_index_.find(std::string_view(key)); found != server_index_.end()) {
      ServerSlot& slot = found->second;
      ServerTransactionId& place = it->second.is_cancel ? slot.cancel : slot.request;
      if (place == id) place = ServerTransactionId{};
      const ServerTransactionId other = slot.request ? slot.request : slot.cancel;
      if (!other) {
        server_index_.erase(found);
      } else if (found->first.data() == key.data()) {
        // The slot's key views this entry's text, about to be freed: view
        // the other transaction's (the same key) from now on.
        const ServerSlot kept = slot;
        server_index_.erase(found);
        if (auto survivor = servers_.find(other); survivor != servers_.end())
          server_index_.emplace(std::string_view(survivor->second.key), kept);
      }
    }
    servers_.erase(it);
  }
  for (ClientTransactionId id : clients) {
    auto it = clients_.find(id);
    if (it == clients_.end()) continue;
    client_index_.erase(std::string_view(it->second.key));
    clients_.erase(it);
  }
  // Every transaction ends within 64*T1: after a burst these tables empty.
  shrink_when_sparse(servers_);
  shrink_when_sparse(server_index_);
  shrink_when_sparse(clients_);
  shrink_when_sparse(client_index_);
}

void TransactionLayer::drop(std::string_view what, std::string_view why) {
  ++ctx_.metrics().dropped;
  if (drop_log_.allow()) log().info("sip txn: dropped {}: {}", what, why);
}

}  // namespace cvw::sip::txn
