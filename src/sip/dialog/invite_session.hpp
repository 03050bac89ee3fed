// One INVITE usage (a call leg), RFC 3261 §13-§15, from either side.
//
//   UAC: Calling -> Early (1xx with To tag) -> Confirmed (2xx, ACK sent) -> Terminated
//   UAS: Incoming -> Early (1xx sent) -> Answered (2xx sent) -> Confirmed (ACK) -> Terminated
//
// The state changes in one place (transition()). Requests inside the dialog
// (BYE, re-INVITE, UPDATE) arrive through the UserAgent, which owns the
// session; the application drives it with ring()/answer()/reject()/bye()/
// reinvite() and hears back through its InviteHandler.
//
// Threading: the event-loop thread only.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/timer.hpp"
#include "sip/dialog/dialog.hpp"
#include "sip/message.hpp"
#include "sip/peer.hpp"
#include "sip/transaction/transaction_id.hpp"
#include "sip/transaction/transaction_user.hpp"

namespace cvw::sip::dialog {

class UserAgent;
class InviteSession;

enum class SessionState : std::uint8_t { Calling, Incoming, Early, Answered, Confirmed, Terminating, Terminated };
std::string_view to_string(SessionState state);

enum class EndReason : std::uint8_t {
  LocalBye,        // we sent BYE
  RemoteBye,       // they sent BYE
  Rejected,        // a final non-2xx to our INVITE, or we rejected theirs
  Cancelled,       // the INVITE was cancelled before it was answered
  AckTimeout,      // our 2xx was never ACKed (§13.3.1.4); we sent BYE
  Timeout,         // Timer B: no final response
  TransportError,  // the next hop could not be reached
  SessionExpired,  // no session refresh came in time (RFC 4028 §10); we sent BYE
  Lost,            // a request in the dialog got 408 (we sent BYE), 481 or no answer
};
std::string_view to_string(EndReason reason);

// Application callbacks; every one is optional to override.
class InviteHandler {
 public:
  virtual ~InviteHandler() = default;
  // A provisional response (UAC). 100 Trying is not reported.
  virtual void on_progress(InviteSession&, const Message& /*provisional*/) {}
  // The call was answered: UAC after the 2xx (the ACK is already sent), UAS
  // when the ACK arrived.
  virtual void on_established(InviteSession&) {}
  // A re-INVITE or UPDATE from the peer carrying an offer: return the answer
  // body (SDP), or nullopt to refuse it with 488 Not Acceptable Here.
  virtual std::optional<std::string> on_offer(InviteSession&, std::string_view offer) {
    (void)offer;
    return std::nullopt;
  }
  // Our re-INVITE finished with `status` (2xx: the peer's answer is remote_body()).
  // A 491 (glare) is retried by the session once the §14.1 wait is over, and
  // reported only when the offer went stale during that wait (we answered
  // an offer of the peer's): then the wait is over, and the application
  // makes a new offer from the session as it is now, if it still wants one.
  virtual void on_reinvite_result(InviteSession&, int /*status*/) {}
  // A REFER (RFC 3515) inside the dialog: return true to accept it (202;
  // the session sends NOTIFY "100 Trying" and the application reports the
  // outcome with notify_refer()), false to decline it with 603.
  virtual bool on_refer(InviteSession&, const Message& /*refer*/) { return false; }
  // Progress of a REFER we sent: the status in each NOTIFY's sipfrag, or the
  // REFER's own failure status; `final` on the last report.
  virtual void on_refer_progress(InviteSession&, int /*status*/, bool /*final*/) {}
  // The leg is over; the session makes no further callback.
  virtual void on_terminated(InviteSession&, EndReason, int /*status*/) {}
};

class InviteSession : public std::enable_shared_from_this<InviteSession> {
 public:
  InviteSession(UserAgent& ua, InviteHandler* handler, bool uac);
  ~InviteSession();
  InviteSession(const InviteSession&) = delete;
  InviteSession& operator=(const InviteSession&) = delete;

  void set_handler(InviteHandler* handler) { handler_ = handler; }

  // --- UAS ----------------------------------------------------------------
  // The INVITE as received (Request-URI, From, To, body: the offer). It is
  // let go once the call is established (nullptr from then on): an idle
  // dialog keeps only what its rules need (docs/ARCHITECTURE.md, memory).
  const Message* invite() const { return invite_.get(); }
  // Sends a provisional response (180 Ringing by default) with our To tag.
  // It is sent reliably (RFC 3262 §3: Require: 100rel, RSeq, resent at T1
  // doubling until the PRACK) when the INVITE requires 100rel, or supports
  // it and `body` is a session description (early media must not be lost).
  // Reliable ones go one at a time: one sent while another awaits its PRACK
  // is queued behind it.
  void ring(int status = 180, std::string_view content_type = {}, std::string_view body = {});
  // Sends 200 OK with `body` (the answer, or our offer when the INVITE had
  // none) and retransmits it until the ACK arrives (§13.3.1.4). While a
  // reliable provisional carrying SDP awaits its PRACK, the 2xx waits for it
  // (RFC 3262 §3); queued provisionals are dropped.
  void answer(std::string_view content_type, std::string_view body);
  // Final non-2xx response; the leg ends. `headers`: extra header lines
  // (a 407's Proxy-Authenticate challenges, a 3xx's Contact...).
  void reject(int status, std::string_view reason = {},
              const std::vector<std::pair<std::string, std::string>>& headers = {});

  // --- UAC ----------------------------------------------------------------
  // CANCEL (§9.1) while the INVITE has no final response. `reason`: a
  // Reason header value for the CANCEL (RFC 3326), e.g. why a forked branch
  // stops ringing: SIP;cause=200;text="Call completed elsewhere".
  void cancel(std::string_view reason = {});

  // --- both ---------------------------------------------------------------
  // Ends a confirmed dialog with BYE (or, on the UAC side before the answer,
  // CANCEL carrying `cancel_reason`, see cancel()).
  void bye(std::string_view cancel_reason = {});
  // A re-INVITE with a new offer (hold, resume, new media); its outcome
  // comes to InviteHandler::on_reinvite_result. While the session's own
  // refresh re-INVITE is under way the offer waits for it and goes next;
  // while another offer of the application's is, it is refused at once
  // with 491 (one at a time, as on the wire).
  void reinvite(std::string_view content_type, std::string_view body);

  // Asks the peer to call `refer_to` (RFC 3515): a URI, possibly carrying an
  // escaped Replaces for an attended transfer.
  void refer(std::string_view refer_to);
  // After accepting a REFER: reports the referred call's progress to the
  // referrer with a NOTIFY carrying "SIP/2.0 <status>"; a final status ends
  // the implicit subscription.
  void notify_refer(int status);

  // UAS: the session an INVITE with Replaces (RFC 3891) takes the place of,
  // if any; the application ends it once the new call is answered.
  std::shared_ptr<InviteSession> replaced() const { return replaced_.lock(); }

  // RFC 4028 session timer: the interval in seconds (0: none) and whether we refresh.
  std::uint32_t session_interval() const { return session_interval_; }
  bool refresher() const { return we_refresh_; }

  // UAS: where the INVITE came from (its replies go there): the transport
  // address an application checks against its trunks' allowed sources.
  const Peer& peer() const { return reply_to_; }

  SessionState state() const { return state_; }
  bool is_uac() const { return uac_; }
  const Dialog* dialog() const { return dialog_ ? &*dialog_ : nullptr; }
  // The peer's last SDP: the offer in its INVITE, its answer to ours, an
  // offer of its own we answered. Kept until the application takes it: a
  // B2BUA that keeps each party's description then holds that text once
  // (issue #4's memory per call); the session itself never reads it again.
  std::string_view remote_body() const { return remote_body_; }
  std::string take_remote_body() { return std::exchange(remote_body_, {}); }
  std::string_view call_id() const {
    return dialog_ ? dialog_->id().call_id : std::string_view(pre_->call_id);
  }

 private:
  friend class UserAgent;

  // UAC side, from UserAgent::invite().
  void start_uac(Message&& invite, txn::ClientTransactionId id);
  void on_invite_response(Message&& response);
  void on_invite_failure(EndReason reason, int status);
  bool retry_after_422(const Message& response);
  txn::ClientCallbacks invite_callbacks();
  void send_ack(const Message& response_2xx);
  // UAC, after each 2xx we ACK: 64*T1 on, no 2xx for the INVITE or a
  // re-INVITE can arrive any more (a fork's within Timer M; a UAS stops
  // retransmitting its 2xx after 64*T1, §13.3.1.4), so the INVITE and the
  // ACKs kept for retransmitted 2xx go then. Each call moves the moment on.
  void release_later();
  void release_now();  // release_later()'s timer: drop_pre_dialog() and the kept ACKs
  // Frees the INVITE and the values the confirmed dialog now holds.
  void drop_pre_dialog();
  // Arms a timer that calls Member on this session (see the definition).
  template <void (InviteSession::*Member)()>
  TimerService::Handle after(Duration wait);
  void ack_and_bye_fork(const Message& response_2xx);

  // UAS side, from the UserAgent.
  void start_uas(txn::ServerTransactionId id, Message&& invite, const Peer& from);
  void on_ack(const Message& ack);
  void on_cancelled();
  // 100rel as UAS (RFC 3262 §3).
  bool wants_reliable(std::string_view body) const;
  void send_reliable();  // the next RSeq, first of its retransmissions
  void transmit_reliable(Duration next_resend);
  void resend_reliable();
  void on_prack(txn::ServerTransactionId id, Message&& request);
  void retransmit_2xx();
  void schedule_2xx_retransmission(Duration wait);

  // Requests inside the dialog.
  void on_in_dialog(txn::ServerTransactionId id, Message&& request);
  void on_reinvite(txn::ServerTransactionId id, Message&& request);
  // RFC 3262 §4: PRACK a reliable provisional of `dialog` (its RSeq) once,
  // in order; retransmissions and ones out of order are dropped (false).
  bool prack(Dialog& dialog, std::optional<std::uint32_t>& last_rseq, const Message& provisional);
  // `final_notify`: the last NOTIFY of a REFER (notify_refer()), whose
  // answer a BYE waits for (RFC 5589 §6).
  void send_in_dialog(Method method, std::string_view content_type, std::string_view body,
                      std::vector<std::pair<HeaderId, std::string>> extra = {},
                      bool final_notify = false);
  void on_refer(txn::ServerTransactionId id, Message&& request);
  void on_notify(txn::ServerTransactionId id, Message&& request);
  // RFC 4028
  void take_session_timer(const Message& message, bool from_response);
  void add_session_expires(Message& message, bool in_request) const;
  void start_session_timer();
  void on_session_timer();
  void send_refresh_update();
  // RFC 4028 §7.4: a 422 to our re-INVITE or UPDATE; true when it was retried.
  bool retry_in_dialog_after_422(const Message& response, Method method);
  void on_reinvite_response(Message&& response);
  // A non-2xx (`answered`), or no answer at all: 408 for Timer B, 503 for a
  // transport error (§8.1.3.1).
  void on_reinvite_failed(int status, bool answered);
  void schedule_reinvite_retry();
  struct PendingOffer;
  // Sends `offer` in a re-INVITE and keeps it in offer_ until its answer.
  void send_reinvite(std::unique_ptr<PendingOffer> offer);
  // A re-INVITE of ours is over (answered, failed, timed out): what waited
  // behind it goes.
  void send_waiting_offer(std::unique_ptr<PendingOffer> done);
  // §12.2.1.2: what a 408 or 481 to a request in the dialog, or no answer
  // at all to it, does to the dialog.
  void on_request_failed(int status, bool answered);
  // The final NOTIFY of a REFER got an answer, or never will: a BYE that
  // waited for it goes.
  void final_notify_done();
  // How our BYE ends the session: LocalBye, or Lost after on_request_failed.
  EndReason bye_reason() const { return lost_ ? EndReason::Lost : EndReason::LocalBye; }

  void transition(SessionState next);
  void end(EndReason reason, int status);
  Message response_to(const Message& request, int status, std::string_view reason = {}) const;

  UserAgent& ua_;
  InviteHandler* handler_;
  const bool uac_;
  SessionState state_;
  // The flags sit together after state_, where the alignment of the members
  // around them would otherwise leave holes: an idle dialog's size is an
  // issue target (docs/ARCHITECTURE.md, memory).
  bool cancel_requested_ = false;     // UAC: cancel() was asked for
  bool reinvite_pending_ = false;     // our re-INVITE awaits a final response
  bool refer_accepted_ = false;       // we accepted a REFER: NOTIFYs are ours to send
  std::uint8_t final_notifies_unanswered_ = 0;  // final NOTIFYs of REFERs awaiting an answer
  bool bye_after_notify_ = false;      // bye() came meanwhile: the BYE goes after it
  bool we_refresh_ = false;           // RFC 4028: we are the refresher
  bool peer_supports_timer_ = false;  // RFC 4028: the peer listed "timer"
  bool peer_allows_update_ = false;   // the peer's Allow lists UPDATE
  bool lost_ = false;                 // §12.2.1.2: a request got 408/481; our BYE ends as Lost
  std::optional<Dialog> dialog_;
  // Before there is a confirmed dialog the session keeps its own identity;
  // the dialog takes copies. Freed with the INVITE once the dialog is
  // confirmed and the INVITE released (the UAS has the ACK, the UAC's late
  // forks are past): drop_pre_dialog(). An established call carries the
  // pointer only (issue #4's memory per call).
  struct PreDialog {
    std::string call_id;
    std::string local_tag;
    std::string local_contact;  // our Contact URI, as in the INVITE or our 2xx
  };
  std::unique_ptr<PreDialog> pre_ = std::make_unique<PreDialog>();
  // Ours, from pre_ or else the dialog (there is one once pre_ is gone).
  std::string_view local_tag() const {
    return pre_ ? std::string_view(pre_->local_tag) : dialog_->id().local_tag;
  }
  std::string_view local_contact() const {
    return pre_ ? std::string_view(pre_->local_contact) : dialog_->local_contact();
  }
  // The session description in force on our side: the last we sent, offer
  // or answer, once accepted (§14: what an offer-less re-INVITE's 2xx and
  // our refreshes carry, unchanged). An offer under way is in offer_.
  std::string local_body_type_;
  std::string local_body_;
  std::string remote_body_;

  // UAC
  std::unique_ptr<Message> invite_;   // the INVITE we sent or received
  txn::ClientTransactionId invite_txn_{};
  // The ACKs we sent for 2xx responses, by CSeq number (the INVITE's and the
  // latest re-INVITE's): a retransmitted 2xx gets the ACK for its own CSeq
  // again (§13.2.2.4). Freed by release_later(): an established call does
  // not carry them (a later 2xx gets one built again, resend_ack()).
  struct SentAck {
    std::uint32_t cseq = 0;
    std::string wire;
    Peer to{};
  };
  std::vector<SentAck> acks_;
  void remember_ack(std::uint32_t cseq, std::string wire, const Peer& to);
  void resend_ack(std::uint32_t cseq);

  // UAS
  txn::ServerTransactionId server_txn_{};
  Peer reply_to_{};
  Duration retransmit_interval_{0};
  Duration retransmit_elapsed_{0};
  Duration retransmit_wait_{0};
  TimerService::Handle retransmit_timer_ = 0;

  // re-INVITE state (either side)
  std::uint32_t reinvite_cseq_ = 0;
  std::uint32_t ok_cseq_ = 0;  // UAS: the CSeq of the 2xx we retransmit until ACK
  // The offer of our re-INVITE, from the moment it goes until a 2xx makes
  // it local_body_; any other failure drops it, and the session stays as it
  // was (RFC 3264 §8: a 488 to a hold leaves the call as it was, and our
  // refreshes do not send the refused offer). After a 491 it waits here for
  // the §14.1 retry; if we answered an offer of the peer's meanwhile, it is
  // stale and the application is told the 491 instead. Allocated only while
  // a re-INVITE of ours is under way: an idle dialog carries the pointer.
  // A refresh (RFC 4028) is the session's own: the description in force
  // again, its outcome not reported; an offer of the application's made
  // meanwhile waits in `next`.
  struct PendingOffer {
    PendingOffer(std::string type, std::string text, bool is_refresh = false)
        : content_type(std::move(type)), body(std::move(text)), refresh(is_refresh) {}
    std::string content_type;
    std::string body;
    bool refresh = false;
    std::uint32_t answers_before = 0;  // answers_sent_ when it was sent
    std::unique_ptr<PendingOffer> next;
  };
  std::unique_ptr<PendingOffer> offer_;
  TimerService::Handle glare_timer_ = 0;
  TimerService::Handle release_timer_ = 0;
  EndReason end_reason_ = EndReason::LocalBye;
  // Offers of the peer's we answered (re-INVITE, UPDATE, PRACK). Next to
  // end_reason_, in what would be its padding.
  std::uint32_t answers_sent_ = 0;

  // REFER / Replaces
  std::weak_ptr<InviteSession> replaced_;

  // 100rel (RFC 3262). UAC: the last RSeq we PRACKed (of dialog_'s reliable
  // provisionals). UAS: the last RSeq we sent.
  std::optional<std::uint32_t> last_rseq_;
  // UAS: the reliable provisional awaiting its PRACK (resent on
  // retransmit_timer_, which the 2xx only needs later) and those queued
  // behind it. Allocated only while one is outstanding: an idle dialog
  // carries just the pointer.
  struct ReliableProvisionals;
  std::unique_ptr<ReliableProvisionals> reliable_;
  // Early dialogs of other forks of our INVITE (RFC 3261 §12.1.2, §13.2.2.4:
  // a forking proxy relays 1xx with different To tags). Each keeps its own
  // route set, CSeq and RSeq, so that a PRACK goes to the fork that asked for
  // it and a 2xx from one of them continues its dialog; dialog_ is the first.
  struct ForkDialog {
    Dialog dialog;
    std::optional<std::uint32_t> last_rseq;
  };
  std::vector<ForkDialog> forks_;
  int retries_422_ = 0;

  // Session timer (RFC 4028)
  std::uint32_t session_interval_ = 0;
  TimerService::Handle session_timer_ = 0;
};

}  // namespace cvw::sip::dialog
