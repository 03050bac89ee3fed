// The SIP transaction layer (RFC 3261 §17, §9 for CANCEL, RFC 6026).
//
// Sits between the transport (below: receive(), transport_error(), Sender)
// and the Transaction User (above: TransactionUser, ClientCallbacks). It owns
// every transaction, finds the one a message belongs to, runs the four state
// machines with their timers, and retransmits from bytes serialized once.
//
// Threading: owned by the one event-loop thread that owns SIP state; every
// method, and every TimerService callback it schedules, runs on that thread.
// Not thread-safe, by design (no locks on the hot path).
//
// Re-entrancy: TU callbacks may call any method of the layer except the
// destructor. transport_error() may be called from inside Sender::send(); it
// is then handled when the current layer call finishes, before it returns.
//
// What the layer does on its own, so the TU does not have to:
//  - absorbs request and response retransmissions, resending the last
//    response or the ACK (§17.1.1.2, §17.2.1, §17.2.2);
//  - sends 100 (Trying) for an INVITE the TU leaves unanswered for 200 ms;
//  - ACKs 300-699 responses to INVITE (§17.1.1.3);
//  - answers CANCEL: 200 when it matches a transaction, else 481 (§9.2), and
//    tells the TU through on_cancel() when the INVITE is still unanswered;
//  - builds and sends the CANCEL of a client INVITE, waiting for a
//    provisional response first (§9.1).
// What stays with the TU: final responses to every request it is given, the
// ACK for each 2xx and 2xx retransmissions (§13), answering CANCELed INVITEs
// with 487.
//
// Input from the wire is expected to have passed sip::validate_request /
// validate_response (the transport does that and rejects the rest). What the
// layer still cannot read (no parsable top Via or CSeq, a status outside
// 100-699) is dropped, logged and counted, never thrown.
#pragma once

#include <boost/unordered/unordered_flat_map.hpp>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/log_budget.hpp"
#include "common/result.hpp"
#include "common/timer.hpp"
#include "sip/message.hpp"
#include "sip/peer.hpp"
#include "sip/transaction/context.hpp"
#include "sip/transaction/metrics.hpp"
#include "sip/transaction/sender.hpp"
#include "sip/transaction/timer_config.hpp"
#include "sip/transaction/transaction_id.hpp"
#include "sip/transaction/transaction_user.hpp"

namespace cvw::sip::txn {

class ServerTransaction;
class ClientTransaction;
class ClientInviteTransaction;
struct RequestMatch;

class TransactionLayer {
 public:
  // Random tokens for new branch parameters and To tags (§19.3: "at least 32
  // bits of randomness"). The default draws 64 bits per token from a
  // generator seeded by std::random_device; tests may inject their own.
  using TokenSource = std::function<std::string()>;

  TransactionLayer(TimerService& timers, Sender& sender, TimerConfig config = {},
                   TokenSource tokens = {});
  ~TransactionLayer();
  TransactionLayer(const TransactionLayer&) = delete;
  TransactionLayer& operator=(const TransactionLayer&) = delete;

  // The TU that receives requests, CANCELs, stray ACKs and responses. Must be
  // set before receive() is called; requests arriving with no TU are dropped.
  void set_user(TransactionUser& user);

  // --- from the transport ----------------------------------------------------

  // A validated message. `from` is where it came from; `reply_to` is where
  // responses to a request go (§18.2.2, RFC 3581), kept by its server
  // transaction.
  void receive(Message&& message, const Peer& from, const Peer& reply_to);
  // Sending to `peer` failed (§17.1.4, §17.2.4): every transaction whose next
  // hop or reply destination is `peer` is told, in whatever way its state
  // machine says (most terminate and inform the TU). With `failed_request`
  // (the bytes of a request of ours that alone could not be sent, e.g. too
  // large for a datagram, or as many of them as an ICMP error quoted; valid
  // during the call only), only the client transaction that sent it is told
  // (client_key_of_prefix).
  void transport_error(const Peer& peer, std::string_view failed_request = {});

  // --- server side, from the TU -----------------------------------------------

  // Sends a response on server transaction `id`. Fails (nothing sent) when
  // the transaction is gone or its state allows no such response, e.g. a
  // second final response.
  Result<void> respond(ServerTransactionId id, Message&& response);
  // Resends the last 2xx of an INVITE server transaction in the Accepted
  // state from its stored bytes: the dialog layer's 2xx retransmission
  // (§13.3.1.4) without serializing again. Fails once the transaction is gone
  // (Timer L), which also bounds that retransmission.
  Result<void> retransmit_2xx(ServerTransactionId id);
  // The TU received the ACK for the 2xx of INVITE server transaction `id`
  // and stopped retransmitting it: the transaction frees the 2xx's bytes
  // (until Timer L it holds only what absorbing a retransmitted INVITE
  // needs). A later respond() with a 2xx stores and sends one again; a
  // retransmit_2xx() before that fails. No-op for an unknown id.
  void acknowledged(ServerTransactionId id);

  // --- client side, from the TU -----------------------------------------------

  // Starts a client transaction and sends `request` to `next_hop`. The
  // request must carry its top Via (the caller knows the transport's sent-by);
  // when that Via has no branch, one with the magic cookie is added. Fails for
  // ACK (never a transaction: send it through the transport), without a Via or
  // CSeq, or when the branch is already in use.
  Result<ClientTransactionId> start_client(Message&& request, const Peer& next_hop,
                                           ClientCallbacks callbacks = {});
  // Cancels INVITE client transaction `invite` (§9.1): builds the CANCEL
  // (same branch, Request-URI, Call-ID, To, From, CSeq number, top Via and
  // Route as the INVITE, plus a Reason header when `reason` is given) and
  // sends it on a client transaction of its own, now if a provisional
  // response has arrived, else as soon as one does. The INVITE's final
  // response (487, or a 2xx that crossed the CANCEL) arrives through its
  // callbacks as usual; if none comes within 64*T1 of the CANCEL, the INVITE
  // ends with on_timeout(). Calling it again is a no-op. Fails when the
  // transaction is gone or already has a final response.
  Result<void> cancel(ClientTransactionId invite, std::string_view reason = {});

  // --- introspection ----------------------------------------------------------

  // Live transactions (terminated ones are destroyed at once).
  std::size_t size() const { return servers_.size() + clients_.size(); }
  std::size_t server_count() const { return servers_.size(); }
  std::size_t client_count() const { return clients_.size(); }
  std::optional<TransactionState> state(ServerTransactionId id) const;
  std::optional<TransactionState> state(ClientTransactionId id) const;
  const TransactionMetrics& metrics() const { return ctx_.metrics(); }
  const TimerConfig& config() const { return ctx_.config(); }

 private:
  // Server transactions are indexed by RequestMatch::key: one request and
  // the CANCEL of it share a slot (and the INVITE's ACK finds it there).
  struct ServerSlot {
    ServerTransactionId request;
    ServerTransactionId cancel;
  };
  // The two indexes are open-addressing tables keyed by views of the key
  // text each transaction's entry owns (the entries live in node-based maps,
  // so that text never moves). Every received request looks its key up in
  // server_index_, and most lookups miss (a new INVITE, a BYE, a 2xx's ACK)
  // in a table that holds 64*T1 of traffic (about 250,000 keys at 4,000
  // calls/s over UDP): a miss reads one cache line of fingerprints, where a
  // node-based map walked a bucket's cold nodes. A request and its CANCEL
  // share a server slot; reap() moves the slot's view to the other's copy of
  // the key when the owner of the viewed text goes first.
  using ServerIndex =
      boost::unordered_flat_map<std::string_view, ServerSlot, std::hash<std::string_view>>;
  using ClientIndex =
      boost::unordered_flat_map<std::string_view, ClientTransactionId, std::hash<std::string_view>>;
  struct ServerEntry {
    std::unique_ptr<ServerTransaction> txn;
    std::string key;  // RequestMatch::key, moved in
    bool is_cancel = false;
  };
  struct ClientEntry {
    std::unique_ptr<ClientTransaction> txn;
    std::string key;  // client_key(), moved in
  };

  void receive_request(Message&& request, const Peer& from, const Peer& reply_to);
  void receive_response(Message&& response, const Peer& from);
  void receive_ack(Message&& ack, const RequestMatch& match, const Peer& from);
  void receive_cancel(Message&& cancel, RequestMatch& match, const Peer& reply_to);
  void receive_other(Message&& request, RequestMatch& match, const Peer& from,
                     const Peer& reply_to);

  ServerTransaction* find_server(ServerTransactionId id) const;
  ClientTransaction* find_client(ClientTransactionId id) const;
  // The slot of `match.key`, or null: one hash lookup per received request.
  const ServerSlot* find_slot(const RequestMatch& match) const;
  // The transaction in `slot`'s request place that `match` really matches.
  ServerTransaction* matching_request_txn(const ServerSlot* slot, const RequestMatch& match,
                                          const Message& request) const;
  // Takes match.key (moved into the transaction's entry).
  ServerTransaction& create_server(const Message& request, RequestMatch& match,
                                   const Peer& reply_to, bool is_cancel);
  void answer_cancel(ServerTransaction& cancel_txn, const Message& cancel,
                     ServerTransaction* target);
  Result<void> ensure_branch(Message& request);
  void send_cancel(ClientInviteTransaction& invite, std::string_view reason);
  void send_queued_cancel(ClientTransaction& txn);
  void fail_transport(const Peer& peer);
  void fail_client(const Peer& peer, std::string_view key);
  void reap(std::vector<ServerTransactionId>& servers, std::vector<ClientTransactionId>& clients);
  void drop(std::string_view what, std::string_view why);

  // Declared first: the transactions below use it until they are destroyed.
  Context ctx_;
  TokenSource tokens_;
  std::uint64_t last_id_ = 0;
  std::unordered_map<ServerTransactionId, ServerEntry> servers_;
  ServerIndex server_index_;
  std::unordered_map<ClientTransactionId, ClientEntry> clients_;
  ClientIndex client_index_;
  LogBudget drop_log_{"sip txn: dropped"};
};

}  // namespace cvw::sip::txn
