// The UA core (RFC 3261 §8, §12-§15): the transaction user that turns
// transactions into calls. It owns the INVITE sessions (call legs), routes
// requests inside dialogs to them, answers what no session handles (OPTIONS,
// unknown methods, unknown dialogs), ACKs 2xx responses and retransmits its
// own 2xx until the ACK comes (§13.3.1.4), and sends requests to their next
// hop.
//
// Threading: the event-loop thread only, like the layers below.
// Ownership: the UserAgent keeps every live session; applications hold
// shared_ptrs to the sessions they drive and get events through an
// InviteHandler they own (it must outlive the session's activity).
#pragma once

#include <boost/unordered/unordered_flat_set.hpp>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/timer.hpp"
#include "sip/dialog/dialog.hpp"
#include "sip/dialog/invite_session.hpp"
#include "sip/peer.hpp"
#include "sip/transaction/transaction_layer.hpp"

namespace cvw::sip::dialog {

// An address we listen on, as written in Via and Contact.
struct LocalAddress {
  Protocol protocol = Protocol::Udp;
  std::string host;  // IP literal; IPv6 without brackets
  std::uint16_t port = 0;
  bool ipv6() const { return host.find(':') != std::string::npos; }
  std::string host_port() const;
};

struct UaConfig {
  std::string user_agent = "cvw";
  std::string contact_user = "cvw";
  std::vector<LocalAddress> local;  // at least one
  // Every request outside a dialog goes here when set (the PBX trunk or a
  // proxy), whatever its Request-URI says.
  std::optional<Peer> outbound_proxy;
  txn::TimerConfig timers;
  // RFC 4028: the session interval we ask for in our INVITEs (0: no session
  // timer) and the smallest we accept.
  std::uint32_t session_expires = 1800;
  std::uint32_t min_se = 90;
};

// Receives what arrives outside any dialog.
class UaHandler {
 public:
  virtual ~UaHandler() = default;
  // A new INVITE. The application rings, answers or rejects it through the
  // session; until it does, the transaction layer sends 100 Trying.
  virtual void on_invite(std::shared_ptr<InviteSession> session) = 0;
};

// Out-of-dialog requests of a method the application serves (REGISTER for
// the registrar; later MESSAGE, SUBSCRIBE...), given to UserAgent::serve().
// The answer is synchronous: the handler returns the final response, built
// with sip::make_response(request, status) (which adds the To tag); the UA
// adds its common headers and sends it through the server transaction.
class RequestHandler {
 public:
  virtual ~RequestHandler() = default;
  virtual Message respond(const Message& request, const Peer& from) = 0;
  // Option tags (comma-separated) this handler implements beyond the UA
  // core's, so that a Require naming them is not refused with 420: "path"
  // for a registrar (RFC 3327 §5.3).
  virtual std::string_view supported() const { return {}; }
};

struct InviteParams {
  std::string request_uri;  // sip:1001@127.0.0.1:5070
  std::string to;           // name-addr; request_uri when empty
  std::string from;         // name-addr; sip:<contact_user>@<local host> when empty
  std::string content_type = "application/sdp";
  std::string body;         // the offer; may be empty (offer in the 2xx, RFC 3261 §13.2.1)
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers (P-Asserted-Identity...)
  // A B2BUA passes on one less than the INVITE it got (RFC 3261 §16.6
  // step 3, as a proxy would), so that a loop through it still ends.
  unsigned max_forwards = 70;
};

class UserAgent final : public txn::TransactionUser {
 public:
  // `sender` is the same transport the transaction layer sends with: the UA
  // core uses it for 2xx ACKs and 2xx retransmissions, which belong to no
  // transaction (§13.2.2.4, §13.3.1.4).
  UserAgent(txn::TransactionLayer& transactions, txn::Sender& sender, TimerService& timers, UaConfig config);
  ~UserAgent() override;
  UserAgent(const UserAgent&) = delete;
  UserAgent& operator=(const UserAgent&) = delete;

  void set_handler(UaHandler* handler) { handler_ = handler; }
  // Out-of-dialog requests of `method` go to `handler` (nullptr: 405 again),
  // and `method` is listed in Allow. Not for INVITE, ACK, CANCEL, BYE or
  // OPTIONS, which the UA core serves itself.
  void serve(Method method, RequestHandler* handler);

  // Places a call. Events go to `handler`. Fails when the request has nowhere
  // to go (no outbound proxy and a Request-URI host that is not an IP address).
  Result<std::shared_ptr<InviteSession>> invite(const InviteParams& params, InviteHandler* handler);

  std::size_t session_count() const { return sessions_.size() + pending_.size(); }
  // True when `invite` is one this UA sent and is still waiting on: a call
  // the application looped through its own listener (a click-to-call to a
  // user rings like any call to them). Its Call-ID and From tag are random
  // and known only to us and whoever we sent it to, that is ourselves, so
  // nobody else can claim it. Scans the INVITEs not yet answered.
  bool originated_here(const Message& invite) const;
  const UaConfig& config() const { return config_; }

  // --- TransactionUser --------------------------------------------------
  void on_request(txn::ServerTransactionId id, Message&& request, const Peer& from) override;
  void on_cancel(txn::ServerTransactionId invite, const Message& cancel) override;
  void on_ack(Message&& ack, const Peer& from) override;
  void on_stray_response(Message&& response, const Peer& from) override;
  void on_server_failure(txn::ServerTransactionId id, txn::ServerFailure failure) override;

 private:
  friend class InviteSession;

  // Where a request outside a dialog goes first: its first Route (a
  // preloaded route, such as the Path a client registered with: RFC 3327
  // §5.3, RFC 3261 §8.1.2), else its Request-URI.
  static std::string first_hop(const Message& request);
  // For InviteSession: the plumbing every leg needs.
  std::optional<Peer> resolve(std::string_view uri) const;
  // Where a request goes: the outbound proxy (outside a dialog) or the
  // resolved URI, switched to TCP when the request is too big for UDP.
  std::optional<Peer> next_hop(const Message& request, std::string_view next_hop_uri) const;
  const LocalAddress& local_for(const Peer& destination) const;
  std::string contact_for(const Peer& destination) const;
  // Adds our Via (new branch) and sends the request in a client transaction
  // to the next hop of `uri`. `sent`, when given, receives a copy of the
  // request as sent (with the Via): what ACK and CANCEL are built from.
  Result<txn::ClientTransactionId> send_request(Message&& request, std::string_view next_hop_uri,
                                                txn::ClientCallbacks callbacks, Message* sent = nullptr,
                                                const Peer* resolved = nullptr);
  // Adds our Via and sends without a transaction (the ACK for a 2xx). Returns
  // the bytes sent and where, so the ACK can be repeated for a retransmitted 2xx.
  Result<std::pair<std::string, Peer>> send_stateless(Message&& request, std::string_view next_hop_uri);
  void send_wire(std::string_view wire, const Peer& to) { sender_.send(wire, to); }
  void add_common_headers(Message& m) const;

  void attach(const std::shared_ptr<InviteSession>& session);  // by dialog id
  void detach(const InviteSession& session);
  std::shared_ptr<InviteSession> find(const DialogIdView& id) const;
  // Also searches sessions still in an early dialog (Replaces may target one).
  std::shared_ptr<InviteSession> find_any(const DialogIdView& id) const;
  // RFC 3891: checks an INVITE's Replaces; 0 when it may proceed (the target,
  // if any, in `target`), else the status to reject it with.
  int check_replaces(const Message& invite, std::shared_ptr<InviteSession>& target) const;

  void on_out_of_dialog(txn::ServerTransactionId id, Message&& request, const Peer& from);
  // RFC 4028 §8.1/§9 for an INVITE or UPDATE, new or in a dialog: a
  // malformed Session-Expires gets 400; one below our Min-SE gets 422 with
  // our Min-SE from a UAC that supports the extension (it retries with it),
  // and is not refused from one that does not (the session holds it to our
  // Min-SE). True when the request was answered here.
  bool refuse_session_interval(txn::ServerTransactionId id, const Message& request);
  void respond_simple(txn::ServerTransactionId id, const Message& request, int status,
                      std::string_view reason = {});

  txn::TransactionLayer& transactions_;
  txn::Sender& sender_;
  TimerService& timers_;
  UaConfig config_;
  UaHandler* handler_ = nullptr;
  std::vector<std::pair<Method, RequestHandler*>> served_;
  std::string allow_;  // the Allow header: the core's methods and those served
  // Sessions in a dialog, found by the dialog's id. The table holds only the
  // session pointer and hashes through it to the id its Dialog keeps, so a
  // dialog's id is stored once: a map keyed by a DialogId copy cost a node and
  // a second copy of the Call-ID and tags per dialog (120+ bytes each, on the
  // memory target of an established call). A session's dialog id does not
  // change while it is attached: the UAC attaches once the dialog is
  // confirmed, the UAS once it created the dialog, which it never replaces.
  struct BySessionDialog {
    using is_transparent = void;
    static DialogIdView id_of(const std::shared_ptr<InviteSession>& s) { return s->dialog()->id(); }
    std::size_t operator()(const std::shared_ptr<InviteSession>& s) const noexcept {
      return DialogIdHash{}(id_of(s));
    }
    std::size_t operator()(const DialogIdView& id) const noexcept { return DialogIdHash{}(id); }
    bool operator()(const std::shared_ptr<InviteSession>& a,
                    const std::shared_ptr<InviteSession>& b) const noexcept {
      return DialogIdEqual{}(id_of(a), id_of(b));
    }
    bool operator()(const DialogIdView& a, const std::shared_ptr<InviteSession>& b) const noexcept {
      return DialogIdEqual{}(a, id_of(b));
    }
    bool operator()(const std::shared_ptr<InviteSession>& a, const DialogIdView& b) const noexcept {
      return DialogIdEqual{}(id_of(a), b);
    }
  };
  boost::unordered_flat_set<std::shared_ptr<InviteSession>, BySessionDialog, BySessionDialog>
      sessions_;
  // Sessions without a dialog yet (UAC before a To tag, UAS before answering).
  std::unordered_map<const InviteSession*, std::shared_ptr<InviteSession>> pending_;
  std::unordered_map<txn::ServerTransactionId, std::weak_ptr<InviteSession>> by_server_txn_;
};

}  // namespace cvw::sip::dialog
