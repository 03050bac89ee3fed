#include "sip/dialog/invite_session.hpp"

#include <algorithm>
#include <random>

#include "common/log.hpp"
#include "common/random.hpp"
#include "common/sparse_tables.hpp"
#include "sip/dialog/user_agent.hpp"
#include "sip/header_values.hpp"
#include "sip/response_routing.hpp"

namespace cvw::sip::dialog {

std::string_view to_string(SessionState state) {
  switch (state) {
    case SessionState::Calling: return "Calling";
    case SessionState::Incoming: return "Incoming";
    case SessionState::Early: return "Early";
    case SessionState::Answered: return "Answered";
    case SessionState::Confirmed: return "Confirmed";
    case SessionState::Terminating: return "Terminating";
    case SessionState::Terminated: return "Terminated";
  }
  return "?";
}

std::string_view to_string(EndReason reason) {
  switch (reason) {
    case EndReason::LocalBye: return "local BYE";
    case EndReason::RemoteBye: return "remote BYE";
    case EndReason::Rejected: return "rejected";
    case EndReason::Cancelled: return "cancelled";
    case EndReason::AckTimeout: return "no ACK";
    case EndReason::Timeout: return "timeout";
    case EndReason::TransportError: return "transport error";
    case EndReason::SessionExpired: return "session expired";
    case EndReason::Lost:
      return "lost";
  }
  return "?";
}

namespace {

// Forks of one INVITE whose early dialogs are followed (PRACK, the 2xx);
// a proxy forking wider than this is unusual, and the rest are not followed.
constexpr std::size_t kMaxForks = 16;

std::uint32_t cseq_number(const Message& m) {
  Result<CSeq> c = parse_cseq(m.header(HeaderId::CSeq));
  return c ? c->number : 0;
}

// `option` in any line of a Require or Supported header (§7.3.1: a list may
// be spread over several lines).
bool lists_option(const Message& m, HeaderId id, std::string_view option) {
  for (const HeaderField& h : m.headers()) {
    if (h.id == id && has_option(h.value, option)) return true;
  }
  return false;
}

}  // namespace

InviteSession::InviteSession(UserAgent& ua, InviteHandler* handler, bool uac)
    : ua_(ua),
      handler_(handler),
      uac_(uac),
      state_(uac ? SessionState::Calling : SessionState::Incoming) {
  pre_->local_tag = random_token(10);
}

struct InviteSession::ReliableProvisionals {
  struct Provisional {
    int status = 180;
    std::string content_type;
    std::string body;
  };
  Provisional sent;                 // awaiting the PRACK for last_rseq_
  std::vector<Provisional> queued;  // sent by the app meanwhile, in order
  bool answer_waits = false;        // answer() came while `sent` carried SDP
};

InviteSession::~InviteSession() {
  ua_.timers_.cancel(retransmit_timer_);
  ua_.timers_.cancel(glare_timer_);
  ua_.timers_.cancel(session_timer_);
  ua_.timers_.cancel(release_timer_);
}

void InviteSession::transition(SessionState next) {
  log().trace("sip: session {} {} -> {}", call_id(), to_string(state_), to_string(next));
  state_ = next;
}

void InviteSession::end(EndReason reason, int status) {
  if (state_ == SessionState::Terminated) return;
  ua_.timers_.cancel(retransmit_timer_);
  ua_.timers_.cancel(glare_timer_);
  ua_.timers_.cancel(session_timer_);
  ua_.timers_.cancel(release_timer_);
  retransmit_timer_ = glare_timer_ = session_timer_ = release_timer_ = 0;
  reliable_.reset();
  offer_.reset();
  transition(SessionState::Terminated);
  end_reason_ = reason;
  auto self = shared_from_this();  // the UA may hold the last reference
  ua_.detach(*this);
  if (handler_) handler_->on_terminated(*this, reason, status);
}

Message InviteSession::response_to(const Message& request, int status, std::string_view reason) const {
  Message response = make_response(request, status, reason, local_tag());
  if (request.method() == Method::Invite && status > 100 && status < 300) {
    // §12.1.1: "The UAS MUST copy all Record-Route header field values from
    // the request into the response" and add a Contact.
    response.copy_headers(request, HeaderId::RecordRoute);
  }
  if ((request.method() == Method::Invite || request.method() == Method::Update) && status > 100 && status < 300) {
    response.add(HeaderId::Contact, bracketed(local_contact()));
  }
  if (status / 100 == 2 && request.method() == Method::Invite) {
    response.add(HeaderId::Allow,
                 "INVITE, ACK, BYE, CANCEL, OPTIONS, UPDATE, INFO, PRACK, REFER, NOTIFY");
  }
  if (!ua_.config_.user_agent.empty()) response.add(HeaderId::Server, ua_.config_.user_agent);
  return response;
}

// --- UAC ---------------------------------------------------------------------

void InviteSession::start_uac(Message&& invite, txn::ClientTransactionId id) {
  invite_ = std::make_unique<Message>(std::move(invite));
  invite_txn_ = id;
}

void InviteSession::on_invite_response(Message&& response) {
  const int status = response.status();
  if (status == 100) return;
  if (status < 200) {
    if (state_ != SessionState::Calling && state_ != SessionState::Early) return;
    // The early dialog this provisional belongs to: the first fork's, or
    // another fork's (a different To tag).
    Dialog* early = nullptr;
    std::optional<std::uint32_t>* rseq = &last_rseq_;
    if (const std::string tag = tag_of(response.header(HeaderId::To)); !tag.empty()) {
      if (!dialog_) {
        if (Result<Dialog> d = Dialog::as_uac(*invite_, response, local_contact()))
          dialog_ = std::move(*d);
      } else if (dialog_->id().remote_tag != tag) {
        auto fork = std::find_if(forks_.begin(), forks_.end(),
                                 [&](const ForkDialog& f) { return f.dialog.id().remote_tag == tag; });
        if (fork == forks_.end() && forks_.size() < kMaxForks) {
          if (Result<Dialog> d = Dialog::as_uac(*invite_, response, local_contact())) {
            forks_.push_back(ForkDialog{std::move(*d), std::nullopt});
            fork = forks_.end() - 1;
          }
        }
        if (fork == forks_.end()) return;  // beyond kMaxForks: not followed
        early = &fork->dialog;
        rseq = &fork->last_rseq;
      }
      if (early == nullptr && dialog_) early = &*dialog_;
    }
    if (has_option(response.header(HeaderId::Require), "100rel")) {
      // Not passed up unless it is PRACKed: a retransmission or one out of
      // order is the UAS's business to resend.
      if (early == nullptr || !prack(*early, *rseq, response)) return;
    }
    transition(SessionState::Early);
    if (handler_) handler_->on_progress(*this, response);
    return;
  }
  if (status == 422 && retry_after_422(response)) return;
  if (status >= 300) {
    end(cancel_requested_ && status == 487 ? EndReason::Cancelled : EndReason::Rejected, status);
    return;
  }
  const std::string tag = tag_of(response.header(HeaderId::To));
  const bool confirmed = dialog_ && !dialog_->early();
  if (confirmed && dialog_->id().remote_tag == tag) {
    // A retransmitted 2xx: our ACK was lost; §13.2.2.4 "MUST ... send ACK".
    resend_ack(cseq_number(response));
    return;
  }
  if (confirmed || state_ == SessionState::Terminated) {
    // §13.2.2.4: another fork answered too. Keep the first; ACK and BYE the rest.
    if (invite_) ack_and_bye_fork(response);
    return;
  }
  if (auto fork = std::find_if(forks_.begin(), forks_.end(),
                               [&](const ForkDialog& f) { return f.dialog.id().remote_tag == tag; });
      fork != forks_.end()) {
    // Another fork's early dialog answered: its CSeq (PRACKs sent) goes on.
    dialog_ = std::move(fork->dialog);
  }
  forks_.clear();  // the others end here: the proxy cancels them (§16.7 step 10)
  if (!dialog_ || dialog_->id().remote_tag != tag) {
    Result<Dialog> d = Dialog::as_uac(*invite_, response, local_contact());
    if (!d) {
      log().warn("sip: 2xx for {} cannot make a dialog: {}", call_id(), d.error().message);
      end(EndReason::Rejected, 500);
      return;
    }
    dialog_ = std::move(*d);
  }
  dialog_->confirm(response);
  remote_body_ = std::string(response.body());
  send_ack(response);
  ua_.attach(shared_from_this());
  transition(SessionState::Confirmed);
  peer_allows_update_ = has_option(response.header(HeaderId::Allow), "UPDATE");
  take_session_timer(response, true);
  release_later();
  if (cancel_requested_) {
    bye();  // §9.1: the 2xx won the race against our CANCEL
    return;
  }
  if (handler_) handler_->on_established(*this);
}

bool InviteSession::prack(Dialog& dialog, std::optional<std::uint32_t>& last_rseq, const Message& provisional) {
  Result<std::uint32_t> rseq = parse_uint(provisional.header(HeaderId::RSeq), UINT32_MAX, "RSeq");
  if (!rseq) return false;
  if (last_rseq && *rseq != *last_rseq + 1) return false;
  last_rseq = *rseq;
  Message request = dialog.make_request(Method::Prack);
  request.add(HeaderId::RAck, std::to_string(*rseq) + " " + std::to_string(cseq_number(*invite_)) + " INVITE");
  if (Result<txn::ClientTransactionId> id = ua_.send_request(std::move(request), dialog.next_hop_uri(), {}); !id) {
    log().warn("sip: cannot send PRACK in {}: {}", call_id(), id.error().message);
  }
  return true;
}

void InviteSession::send_ack(const Message&) {
  Message ack = dialog_->make_ack(cseq_number(*invite_));
  Result<std::pair<std::string, Peer>> sent = ua_.send_stateless(std::move(ack), dialog_->next_hop_uri());
  if (!sent) {
    log().warn("sip: cannot send ACK for {}: {}", call_id(), sent.error().message);
    return;
  }
  remember_ack(cseq_number(*invite_), std::move(sent->first), sent->second);
}

void InviteSession::remember_ack(std::uint32_t cseq, std::string wire, const Peer& to) {
  // Keep the INVITE's ACK and the latest re-INVITE's; older ones can no
  // longer be asked for (their 2xx retransmissions stopped with our ACK).
  if (acks_.size() >= 2) acks_.pop_back();
  acks_.push_back(SentAck{cseq, std::move(wire), to});
}

void InviteSession::resend_ack(std::uint32_t cseq) {
  for (const SentAck& a : acks_) {
    if (a.cseq == cseq) {
      ua_.send_wire(a.wire, a.to);
      return;
    }
  }
  // Past 64*T1 (release_later()) a 2xx still comes from a UAS whose T1 is
  // longer than ours: it gets an ACK built again, the same but for its Via
  // branch (a 2xx's ACK is matched by its dialog, §13.2.2.4). Our ACKs carry
  // no body, so nothing else is lost.
  if (!dialog_) return;
  Result<std::pair<std::string, Peer>> sent =
      ua_.send_stateless(dialog_->make_ack(cseq), dialog_->next_hop_uri());
  if (!sent) log().warn("sip: cannot send ACK again for {}: {}", call_id(), sent.error().message);
}

// The callback holds only `this`: a weak_ptr would not fit the callback's
// inline storage, and arming a timer would allocate. That is safe because the
// destructor cancels every timer, so a callback that fires finds the session
// alive, and the strong reference it takes first keeps it alive through
// whatever the member function ends.
template <void (InviteSession::*Member)()>
TimerService::Handle InviteSession::after(Duration wait) {
  return ua_.timers_.schedule(wait, [this] {
    const std::shared_ptr<InviteSession> keep = shared_from_this();
    (this->*Member)();
  });
}

void InviteSession::release_later() {
  ua_.timers_.cancel(release_timer_);
  release_timer_ = after<&InviteSession::release_now>(ua_.config_.timers.timer_m);
}

void InviteSession::release_now() {
  release_timer_ = 0;
  drop_pre_dialog();
  std::vector<SentAck>().swap(acks_);  // clear() would keep the buffer
}

void InviteSession::drop_pre_dialog() {
  invite_.reset();
  if (!dialog_ || dialog_->early()) return;
  // Swapped, not cleared: clear() keeps the buffer.
  pre_.reset();
}

void InviteSession::ack_and_bye_fork(const Message& response_2xx) {
  Result<Dialog> fork = Dialog::as_uac(*invite_, response_2xx, local_contact());
  if (!fork) return;
  fork->confirm(response_2xx);
  (void)ua_.send_stateless(fork->make_ack(cseq_number(*invite_)), fork->next_hop_uri());
  Message bye = fork->make_request(Method::Bye);
  (void)ua_.send_request(std::move(bye), fork->next_hop_uri(), {});
}

void InviteSession::on_invite_failure(EndReason reason, int status) { end(reason, status); }

txn::ClientCallbacks InviteSession::invite_callbacks() {
  std::weak_ptr<InviteSession> weak = shared_from_this();
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
  return callbacks;
}

// RFC 4028 §7.4: "If the UAC receives a 422 ... it SHOULD retry the request
// ... with a Session-Expires header field with a duration ... equal to the
// value of the Min-SE header field in the 422 response". The retry is a new
// INVITE in the same call: same Call-ID and From tag, next CSeq, new branch.
bool InviteSession::retry_after_422(const Message& response) {
  Result<std::uint32_t> min_se = parse_uint(response.header(HeaderId::MinSE), UINT32_MAX, "Min-SE");
  if (!min_se || retries_422_ >= 2 || cancel_requested_) return false;
  ++retries_422_;
  Message retry = invite_->clone();
  retry.remove(HeaderId::Via);
  retry.set(HeaderId::CSeq, std::to_string(cseq_number(*invite_) + 1) + " INVITE");
  retry.set(HeaderId::SessionExpires, std::to_string(*min_se));
  retry.set(HeaderId::MinSE, std::to_string(*min_se));
  Message sent = Message::response(500);
  const std::string hop = UserAgent::first_hop(retry);
  Result<txn::ClientTransactionId> id = ua_.send_request(std::move(retry), hop, invite_callbacks(), &sent);
  if (!id) return false;
  invite_ = std::make_unique<Message>(std::move(sent));
  invite_txn_ = *id;
  return true;
}

void InviteSession::cancel(std::string_view reason) {
  if (!uac_ || (state_ != SessionState::Calling && state_ != SessionState::Early)) return;
  if (cancel_requested_) return;
  cancel_requested_ = true;
  // The transaction layer holds the CANCEL until a provisional arrived (§9.1).
  (void)ua_.transactions_.cancel(invite_txn_, reason);
}

// --- UAS ---------------------------------------------------------------------

void InviteSession::start_uas(txn::ServerTransactionId id, Message&& invite, const Peer& from) {
  server_txn_ = id;
  reply_to_ = from;
  pre_->local_contact = ua_.contact_for(from);
  pre_->call_id = std::string(invite.header(HeaderId::CallId));
  remote_body_ = std::string(invite.body());
  invite_ = std::make_unique<Message>(std::move(invite));
}

void InviteSession::ring(int status, std::string_view content_type, std::string_view body) {
  if (state_ != SessionState::Incoming && state_ != SessionState::Early) return;
  if (!dialog_) {
    Result<Dialog> d = Dialog::as_uas(*invite_, local_tag(), local_contact());
    if (d) {
      dialog_ = std::move(*d);
    } else if (lists_option(*invite_, HeaderId::Require, "100rel")) {
      // Without a dialog there is no PRACK to take, and §3 forbids sending
      // this caller an unreliable provisional.
      reject(400, d.error().message);
      return;
    }
  }
  if (dialog_ && wants_reliable(body)) {
    ReliableProvisionals::Provisional p{status, std::string(content_type), std::string(body)};
    if (reliable_) {
      // §3: "MUST NOT send a second reliable provisional response until the
      // first is acknowledged".
      reliable_->queued.push_back(std::move(p));
    } else {
      reliable_ = std::make_unique<ReliableProvisionals>();
      reliable_->sent = std::move(p);
      send_reliable();
    }
  } else {
    Message response = response_to(*invite_, status);
    if (!body.empty()) response.set_body(content_type, body);
    (void)ua_.transactions_.respond(server_txn_, std::move(response));
  }
  // The early dialog exists now (§12.1.1): a BYE or CANCEL inside it must find us.
  if (dialog_) ua_.attach(shared_from_this());
  transition(SessionState::Early);
}

bool InviteSession::wants_reliable(std::string_view body) const {
  return lists_option(*invite_, HeaderId::Require, "100rel") ||
         (!body.empty() && lists_option(*invite_, HeaderId::Supported, "100rel"));
}

void InviteSession::send_reliable() {
  // §3: the first RSeq is random in 1..2^31-1, each next one is one more.
  last_rseq_ = last_rseq_ ? *last_rseq_ + 1
                          : std::uniform_int_distribution<std::uint32_t>(1, 0x7fffffffu)(random_engine());
  retransmit_interval_ = ua_.config_.timers.t1;
  retransmit_elapsed_ = Duration{0};
  transmit_reliable(retransmit_interval_);
}

void InviteSession::transmit_reliable(Duration next_resend) {
  const ReliableProvisionals::Provisional& p = reliable_->sent;
  Message response = response_to(*invite_, p.status);
  response.add(HeaderId::Require, "100rel");
  response.add(HeaderId::RSeq, std::to_string(*last_rseq_));
  if (!p.body.empty()) response.set_body(p.content_type, p.body);
  (void)ua_.transactions_.respond(server_txn_, std::move(response));
  ua_.timers_.cancel(retransmit_timer_);
  retransmit_wait_ = next_resend;
  retransmit_timer_ = after<&InviteSession::resend_reliable>(next_resend);
}

void InviteSession::resend_reliable() {
  retransmit_timer_ = 0;
  if (!reliable_ || (state_ != SessionState::Early && state_ != SessionState::Incoming)) return;
  retransmit_elapsed_ += retransmit_wait_;
  // "If a reliable provisional response is retransmitted for 64*T1 seconds
  // without reception of a corresponding PRACK, the UAS SHOULD reject the
  // original request with a 5xx response."
  const Duration give_up = 64 * ua_.config_.timers.t1;
  if (retransmit_elapsed_ >= give_up) {
    log().info("sip: no PRACK for the reliable {} of {}: rejecting the INVITE",
               reliable_->sent.status, call_id());
    reliable_.reset();
    reject(504, "Reliable Provisional Not Acknowledged");
    return;
  }
  // "an interval that starts at T1 seconds and doubles for each
  // retransmission" (no T2 cap, unlike the 2xx).
  retransmit_interval_ *= 2;
  transmit_reliable(std::min(retransmit_interval_, give_up - retransmit_elapsed_));
}

void InviteSession::on_prack(txn::ServerTransactionId id, Message&& request) {
  // RAck = response-num CSeq-num Method (§7.2). It must name the last
  // reliable provisional we sent for this INVITE; anything else is 481 (§3).
  // Once our 2xx went out the INVITE may be gone: its CSeq is ok_cseq_.
  bool matches = false;
  if (!uac_ && last_rseq_) {
    std::string_view rack = request.header(HeaderId::RAck);
    auto next_word = [&rack]() {
      while (!rack.empty() && (rack.front() == ' ' || rack.front() == '\t')) rack.remove_prefix(1);
      std::size_t end = 0;
      while (end < rack.size() && rack[end] != ' ' && rack[end] != '\t') ++end;
      std::string_view word = rack.substr(0, end);
      rack.remove_prefix(end);
      return word;
    };
    const Result<std::uint32_t> rseq = parse_uint(next_word(), UINT32_MAX, "RAck response-num");
    const Result<std::uint32_t> cseq = parse_uint(next_word(), UINT32_MAX, "RAck CSeq-num");
    const std::uint32_t invite_cseq = invite_ ? cseq_number(*invite_) : ok_cseq_;
    matches =
        rseq && cseq && *rseq == *last_rseq_ && *cseq == invite_cseq && next_word() == "INVITE";
  }
  if (!matches) {
    (void)ua_.transactions_.respond(id,
                                    response_to(request, 481, "No Matching Reliable Provisional"));
    return;
  }
  if (!reliable_) {
    // It crossed our 2xx (the 2xx stopped resending a provisional without
    // SDP), or repeats one already taken: acknowledged all the same.
    (void)ua_.transactions_.respond(id, response_to(request, 200));
    return;
  }
  Message ok = response_to(request, 200);
  if (!request.body().empty()) {
    if (invite_->body().empty() && !reliable_->sent.body.empty()) {
      // Our offer went in the reliable provisional (an INVITE without one):
      // the PRACK carries the answer (RFC 3262 §5).
      remote_body_ = std::string(request.body());
    } else {
      // A new offer in the PRACK (§5 allows it once the first exchange is
      // done): answered by the application, like one in an UPDATE.
      std::optional<std::string> answer =
          handler_ ? handler_->on_offer(*this, request.body()) : std::nullopt;
      if (!answer) {
        (void)ua_.transactions_.respond(id, response_to(request, 488));
        return;  // not acknowledged: the provisional is resent, and the caller may PRACK again
      }
      remote_body_ = std::string(request.body());
      ok.set_body("application/sdp", *answer);
      local_body_ = std::move(*answer);
      ++answers_sent_;
    }
  }
  (void)ua_.transactions_.respond(id, std::move(ok));
  ua_.timers_.cancel(retransmit_timer_);
  retransmit_timer_ = 0;
  if (reliable_->answer_waits) {
    reliable_.reset();
    const std::string type = local_body_type_;
    const std::string body = local_body_;
    answer(type, body);
  } else if (!reliable_->queued.empty()) {
    reliable_->sent = std::move(reliable_->queued.front());
    reliable_->queued.erase(reliable_->queued.begin());
    send_reliable();
  } else {
    reliable_.reset();
  }
}

void InviteSession::answer(std::string_view content_type, std::string_view body) {
  if (state_ != SessionState::Incoming && state_ != SessionState::Early) return;
  if (reliable_) {
    if (!reliable_->sent.body.empty()) {
      // RFC 3262 §3: no 2xx while a reliable provisional with a session
      // description is unacknowledged; it goes when the PRACK comes.
      reliable_->answer_waits = true;
      reliable_->queued.clear();
      local_body_type_ = std::string(content_type);
      local_body_ = std::string(body);
      return;
    }
    // The final response ends the provisionals' retransmission.
    ua_.timers_.cancel(retransmit_timer_);
    retransmit_timer_ = 0;
    reliable_.reset();
  }
  if (!dialog_) {
    Result<Dialog> d = Dialog::as_uas(*invite_, local_tag(), local_contact());
    if (!d) {
      reject(400, d.error().message);
      return;
    }
    dialog_ = std::move(*d);
  }
  dialog_->confirm(*invite_);
  local_body_type_ = std::string(content_type);
  local_body_ = std::string(body);
  peer_allows_update_ = has_option(invite_->header(HeaderId::Allow), "UPDATE");
  take_session_timer(*invite_, false);
  Message response = response_to(*invite_, 200);
  add_session_expires(response, false);
  if (!body.empty()) response.set_body(content_type, body);
  ok_cseq_ = cseq_number(*invite_);
  (void)ua_.transactions_.respond(server_txn_, std::move(response));
  ua_.attach(shared_from_this());
  ua_.by_server_txn_.erase(server_txn_);  // a CANCEL can no longer change anything
  shrink_when_sparse(ua_.by_server_txn_);
  transition(SessionState::Answered);
  start_session_timer();
  // §13.3.1.4: "the 2xx response is passed to the transport with an interval
  // that starts at T1 seconds and doubles for each retransmission until it
  // reaches T2 seconds"; it stops when the ACK arrives.
  retransmit_interval_ = ua_.config_.timers.t1;
  retransmit_elapsed_ = Duration{0};
  schedule_2xx_retransmission(retransmit_interval_);
}

void InviteSession::retransmit_2xx() {
  retransmit_timer_ = 0;
  retransmit_elapsed_ += retransmit_wait_;
  // "If the server retransmits the 2xx response for 64*T1 seconds without
  // receiving an ACK, the dialog is confirmed, but the session SHOULD be
  // terminated. This is accomplished with a BYE".
  const Duration give_up = 64 * ua_.config_.timers.t1;
  if (retransmit_elapsed_ >= give_up) {
    log().info("sip: no ACK for the 2xx of {}: sending BYE", call_id());
    transition(SessionState::Confirmed);
    send_in_dialog(Method::Bye, {}, {});
    end(EndReason::AckTimeout, 408);
    return;
  }
  (void)ua_.transactions_.retransmit_2xx(server_txn_);
  retransmit_interval_ = std::min(retransmit_interval_ * 2, ua_.config_.timers.t2);
  schedule_2xx_retransmission(std::min(retransmit_interval_, give_up - retransmit_elapsed_));
}

void InviteSession::schedule_2xx_retransmission(Duration wait) {
  retransmit_wait_ = wait;
  retransmit_timer_ = after<&InviteSession::retransmit_2xx>(wait);
}

void InviteSession::on_ack(const Message& ack) {
  if (cseq_number(ack) != ok_cseq_ || retransmit_timer_ == 0) return;  // a late or repeated ACK
  ua_.timers_.cancel(retransmit_timer_);
  retransmit_timer_ = 0;
  ua_.transactions_.acknowledged(server_txn_);  // its copy of the 2xx is not needed now
  if (!ack.body().empty()) remote_body_ = std::string(ack.body());  // the answer to an offer in our 2xx
  if (state_ == SessionState::Answered) {
    transition(SessionState::Confirmed);
    drop_pre_dialog();  // the dialog has all it needs from it now
    if (handler_) handler_->on_established(*this);
  }
}

void InviteSession::on_cancelled() {
  if (state_ != SessionState::Incoming && state_ != SessionState::Early) return;
  // §9.2: "the UAS SHOULD then respond to the INVITE with a 487".
  (void)ua_.transactions_.respond(server_txn_, response_to(*invite_, 487));
  end(EndReason::Cancelled, 487);
}

void InviteSession::reject(int status, std::string_view reason,
                           const std::vector<std::pair<std::string, std::string>>& headers) {
  if (state_ != SessionState::Incoming && state_ != SessionState::Early) return;
  reliable_.reset();  // end() stops its retransmission
  Message response = response_to(*invite_, status, reason);
  for (const auto& [name, value] : headers) response.add(name, value);
  (void)ua_.transactions_.respond(server_txn_, std::move(response));
  end(EndReason::Rejected, status);
}

// --- both sides ----------------------------------------------------------------

void InviteSession::bye(std::string_view cancel_reason) {
  switch (state_) {
    case SessionState::Calling:
    case SessionState::Early:
      if (uac_) cancel(cancel_reason);
      else reject(480);
      return;
    case SessionState::Incoming:
      reject(480);
      return;
    case SessionState::Answered:
    case SessionState::Confirmed:
      // An unACKed 2xx: §15 lets the callee send BYE only after the ACK or
      // the retransmission timeout; we send it now and stop retransmitting,
      // which the peer handles (it ACKs the 2xx it got and answers the BYE).
      ua_.timers_.cancel(retransmit_timer_);
      retransmit_timer_ = 0;
      transition(SessionState::Terminating);
      // The final NOTIFY of a REFER we performed goes first (RFC 5589 §6:
      // the transferor learns the outcome, then the dialog ends): sent at
      // once, a BYE could overtake it in a proxy with several workers, and
      // the NOTIFY would meet a dialog already gone.
      if (final_notifies_unanswered_ > 0) {
        bye_after_notify_ = true;
        return;
      }
      send_in_dialog(Method::Bye, {}, {});
      return;
    case SessionState::Terminating:
    case SessionState::Terminated:
      return;
  }
}

void InviteSession::send_in_dialog(Method method, std::string_view content_type,
                                   std::string_view body,
                                   std::vector<std::pair<HeaderId, std::string>> extra,
                                   bool final_notify) {
  Message request = dialog_->make_request(method);
  for (const auto& [id, value] : extra) request.add(id, value);
  if (!body.empty()) request.set_body(content_type, body);
  const std::uint32_t cseq = dialog_->local_cseq();
  std::weak_ptr<InviteSession> weak = shared_from_this();
  txn::ClientCallbacks callbacks;
  if (method == Method::Bye) {
    callbacks.on_response = [weak](txn::ClientTransactionId, Message&& r) {
      if (auto s = weak.lock(); s && r.status() >= 200) s->end(s->bye_reason(), r.status());
    };
    callbacks.on_timeout = [weak](txn::ClientTransactionId) {
      if (auto s = weak.lock()) s->end(s->bye_reason(), 408);
    };
    callbacks.on_transport_error = [weak](txn::ClientTransactionId) {
      if (auto s = weak.lock()) s->end(s->bye_reason(), 503);
    };
  } else if (method == Method::Update) {
    // A session refresh (RFC 4028 §7.4): the 2xx restarts the timer.
    callbacks.on_response = [weak](txn::ClientTransactionId, Message&& r) {
      auto s = weak.lock();
      if (!s || r.status() < 200) return;
      if (r.status() / 100 == 2)
        s->take_session_timer(r, true);
      else if (r.status() != 422 || !s->retry_in_dialog_after_422(r, Method::Update))
        s->on_request_failed(r.status(), true);
    };
    callbacks.on_timeout = [weak](txn::ClientTransactionId) {
      if (auto s = weak.lock()) s->on_request_failed(408, false);
    };
    callbacks.on_transport_error = [weak](txn::ClientTransactionId) {
      if (auto s = weak.lock()) s->on_request_failed(503, false);
    };
  } else if (final_notify) {
    // Whatever becomes of it (an answer, a timeout, a transport error), a
    // BYE that waited for it goes now (when no other final NOTIFY is
    // unanswered: a second REFER may have been accepted meanwhile).
    ++final_notifies_unanswered_;
    callbacks.on_response = [weak](txn::ClientTransactionId, Message&& r) {
      if (auto s = weak.lock(); s && r.status() >= 200) s->final_notify_done();
    };
    callbacks.on_timeout = [weak](txn::ClientTransactionId) {
      if (auto s = weak.lock()) s->final_notify_done();
    };
    callbacks.on_transport_error = callbacks.on_timeout;
  } else if (method == Method::Refer) {
    // RFC 3515 §2.4.2: a non-2xx to REFER ends the attempt; a 2xx means
    // NOTIFYs will follow.
    callbacks.on_response = [weak](txn::ClientTransactionId, Message&& r) {
      auto s = weak.lock();
      if (s && r.status() >= 300 && s->handler_) s->handler_->on_refer_progress(*s, r.status(), true);
    };
    callbacks.on_timeout = [weak](txn::ClientTransactionId) {
      if (auto s = weak.lock(); s && s->handler_) s->handler_->on_refer_progress(*s, 408, true);
    };
    callbacks.on_transport_error = [weak](txn::ClientTransactionId) {
      if (auto s = weak.lock(); s && s->handler_) s->handler_->on_refer_progress(*s, 503, true);
    };
  } else if (method == Method::Invite) {
    reinvite_cseq_ = cseq;
    callbacks.on_response = [weak](txn::ClientTransactionId, Message&& r) {
      if (auto s = weak.lock()) s->on_reinvite_response(std::move(r));
    };
    // Only while this re-INVITE is the one pending: an INVITE transaction
    // still reports a transport error in Completed (its ACK to a non-2xx
    // could not be sent, §17.1.1.2), after the answer was acted on.
    callbacks.on_timeout = [weak, cseq](txn::ClientTransactionId) {
      if (auto s = weak.lock(); s && s->reinvite_pending_ && s->reinvite_cseq_ == cseq)
        s->on_reinvite_failed(408, false);
    };
    callbacks.on_transport_error = [weak, cseq](txn::ClientTransactionId) {
      if (auto s = weak.lock(); s && s->reinvite_pending_ && s->reinvite_cseq_ == cseq)
        s->on_reinvite_failed(503, false);
    };
  }
  Result<txn::ClientTransactionId> id = ua_.send_request(std::move(request), dialog_->next_hop_uri(), std::move(callbacks));
  if (!id) {
    log().warn("sip: cannot send {} in {}: {}", method_name(method), call_id(), id.error().message);
    if (method == Method::Bye) end(EndReason::TransportError, id.error().status);
    if (final_notify) final_notify_done();
  }
}

void InviteSession::final_notify_done() {
  if (final_notifies_unanswered_ > 0) --final_notifies_unanswered_;
  if (final_notifies_unanswered_ == 0 && std::exchange(bye_after_notify_, false) &&
      state_ == SessionState::Terminating) {
    send_in_dialog(Method::Bye, {}, {});
  }
}

void InviteSession::reinvite(std::string_view content_type, std::string_view body) {
  if (state_ != SessionState::Confirmed) return;
  auto offer = std::make_unique<PendingOffer>(std::string(content_type), std::string(body));
  if (!reinvite_pending_) {
    // Also replaces an offer waiting out a 491: the retry would resend what
    // the application no longer wants.
    send_reinvite(std::move(offer));
  } else if (offer_ && offer_->refresh) {
    offer_->next = std::move(offer);  // after our refresh, which it would only cross
  } else if (handler_) {
    handler_->on_reinvite_result(*this, 491);
  }
}

void InviteSession::send_reinvite(std::unique_ptr<PendingOffer> offer) {
  reinvite_pending_ = true;
  if (glare_timer_ != 0) {
    ua_.timers_.cancel(glare_timer_);
    glare_timer_ = 0;
  }
  offer->answers_before = answers_sent_;
  offer_ = std::move(offer);
  std::vector<std::pair<HeaderId, std::string>> extra;
  if (session_interval_ > 0) {
    extra.emplace_back(HeaderId::SessionExpires,
                       std::to_string(session_interval_) + (we_refresh_ ? ";refresher=uac" : ";refresher=uas"));
  }
  send_in_dialog(Method::Invite, offer_->content_type, offer_->body, std::move(extra));
}

void InviteSession::send_waiting_offer(std::unique_ptr<PendingOffer> done) {
  if (done && done->next && state_ == SessionState::Confirmed && !reinvite_pending_)
    send_reinvite(std::move(done->next));
}

void InviteSession::on_reinvite_response(Message&& response) {
  const int status = response.status();
  if (status < 200) return;
  if (status < 300) {
    if (!reinvite_pending_ && cseq_number(response) == reinvite_cseq_) {
      resend_ack(reinvite_cseq_);  // a retransmitted 2xx
      return;
    }
    reinvite_pending_ = false;
    std::unique_ptr<PendingOffer> done = std::move(offer_);
    if (done && !done->refresh) {
      local_body_type_ = std::move(done->content_type);
      local_body_ = std::move(done->body);
    }
    dialog_->refresh_remote_target(response);
    remote_body_ = std::string(response.body());
    take_session_timer(response, true);
    Result<std::pair<std::string, Peer>> sent =
        ua_.send_stateless(dialog_->make_ack(reinvite_cseq_), dialog_->next_hop_uri());
    if (sent) {
      remember_ack(reinvite_cseq_, std::move(sent->first), sent->second);
      release_later();
    }
    if (handler_ && !(done && done->refresh)) handler_->on_reinvite_result(*this, status);
    send_waiting_offer(std::move(done));
    return;
  }
  if (status == 422 && retry_in_dialog_after_422(response, Method::Invite)) return;
  on_reinvite_failed(status, true);
}

void InviteSession::on_reinvite_failed(int status, bool answered) {
  reinvite_pending_ = false;
  if (answered && status == 491 && offer_) {
    // An offer of the application's waiting behind our refresh takes its
    // place: it refreshes the session too.
    if (offer_->refresh && offer_->next) offer_ = std::move(offer_->next);
    schedule_reinvite_retry();
    return;
  }
  std::unique_ptr<PendingOffer> done = std::move(offer_);
  if (handler_ && !(done && done->refresh)) handler_->on_reinvite_result(*this, status);
  on_request_failed(status, answered);
  send_waiting_offer(std::move(done));
}

// §12.2.1.2: "If the response for a request within a dialog is a 481
// (Call/Transaction Does Not Exist) or a 408 (Request Timeout), the UAC
// SHOULD terminate the dialog." A 481 says the peer holds no such dialog.
// After a 408, or no answer at all (a timeout, or a transport error: the
// next hop could not be reached), it may well hold one: a proxy gave up on a
// peer that was slow or lost the request, or the connection to it broke. A
// BYE ends it there too, if it can get through; otherwise a phone would stay
// in a call with nobody until its user hung up.
void InviteSession::on_request_failed(int status, bool answered) {
  if (answered && status != 408 && status != 481) return;
  lost_ = true;
  if (status == 481) {
    end(EndReason::Lost, status);
  } else {
    bye();
  }
}

// §14.1: after a 491, "If the UAC ... is the owner of the Call-ID of the
// dialog ID (meaning it generated the value), T has a randomly chosen value
// between 2.1 and 4 seconds in units of 10 ms. If the UAC is not the owner
// ... T has a randomly chosen value of between 0 and 2 seconds".
void InviteSession::schedule_reinvite_retry() {
  std::uniform_int_distribution<int> tens_of_ms = uac_ ? std::uniform_int_distribution<int>(210, 400)
                                                       : std::uniform_int_distribution<int>(0, 200);
  const Duration wait{10 * tens_of_ms(random_engine())};
  // offer_ waits for the retry.
  std::weak_ptr<InviteSession> weak = shared_from_this();
  glare_timer_ = ua_.timers_.schedule(wait, [weak] {
    auto s = weak.lock();
    if (!s || !s->offer_) return;
    s->glare_timer_ = 0;
    std::unique_ptr<PendingOffer> retry = std::move(s->offer_);
    // We answered an offer of the peer's while we waited (the re-INVITE
    // that crossed ours, most likely): our offer is stale, and its o=
    // version is below the answer's (RFC 3264 §8). The application makes a
    // new one from the session as it is now; a stale refresh is dropped
    // without a word (the peer's offer refreshed the session).
    if (s->answers_sent_ != retry->answers_before) {
      if (s->handler_ && !retry->refresh) s->handler_->on_reinvite_result(*s, 491);
      return;
    }
    if (s->state_ == SessionState::Confirmed) s->send_reinvite(std::move(retry));
  });
}

void InviteSession::on_in_dialog(txn::ServerTransactionId id, Message&& request) {
  if (Result<void> ok = dialog_->accept_remote_request(request); !ok) {
    (void)ua_.transactions_.respond(id, response_to(request, ok.error().status, ok.error().message));
    return;
  }
  switch (request.method()) {
    case Method::Bye: {
      (void)ua_.transactions_.respond(id, response_to(request, 200));
      // §15.1.2: a BYE on an early dialog: "the UAS MUST respond to the
      // original INVITE with a 487".
      if (!uac_ && (state_ == SessionState::Early || state_ == SessionState::Incoming)) {
        (void)ua_.transactions_.respond(server_txn_, response_to(*invite_, 487));
      }
      end(EndReason::RemoteBye, 0);
      return;
    }
    case Method::Invite:
      on_reinvite(id, std::move(request));
      return;
    case Method::Refer:
      on_refer(id, std::move(request));
      return;
    case Method::Prack:
      on_prack(id, std::move(request));
      return;
    case Method::Notify:
      on_notify(id, std::move(request));
      return;
    case Method::Update: {
      if (ua_.refuse_session_interval(id, request)) return;
      take_session_timer(request, false);
      if (request.body().empty()) {
        Message ok = response_to(request, 200);
        add_session_expires(ok, false);
        (void)ua_.transactions_.respond(id, std::move(ok));
        return;
      }
      std::optional<std::string> answer = handler_ ? handler_->on_offer(*this, request.body()) : std::nullopt;
      if (!answer) {
        (void)ua_.transactions_.respond(id, response_to(request, 488));
        return;
      }
      dialog_->refresh_remote_target(request);
      remote_body_ = std::string(request.body());
      Message ok = response_to(request, 200);
      add_session_expires(ok, false);
      ok.set_body("application/sdp", *answer);
      local_body_ = std::move(*answer);
      ++answers_sent_;
      (void)ua_.transactions_.respond(id, std::move(ok));
      return;
    }
    case Method::Options:
    case Method::Info:
      (void)ua_.transactions_.respond(id, response_to(request, 200));
      return;
    default:
      (void)ua_.transactions_.respond(id, response_to(request, request.method() == Method::Unknown ? 501 : 405));
      return;
  }
}

void InviteSession::on_reinvite(txn::ServerTransactionId id, Message&& request) {
  // §14.2: "A UAS that receives a second INVITE before it sends the final
  // response to a first INVITE with a lower CSeq sequence number on the same
  // dialog MUST return a 500 (Server Internal Error) response to the second
  // INVITE and MUST include a Retry-After header field".
  if (retransmit_timer_ != 0) {
    Message busy = response_to(request, 500, "Previous INVITE still pending");
    busy.add(HeaderId::RetryAfter, std::to_string(std::uniform_int_distribution<int>(0, 10)(random_engine())));
    (void)ua_.transactions_.respond(id, std::move(busy));
    return;
  }
  // "A UAS that receives an INVITE on a dialog while an INVITE it had sent on
  // that dialog is in progress MUST return a 491 (Request Pending)".
  if (reinvite_pending_) {
    (void)ua_.transactions_.respond(id, response_to(request, 491));
    return;
  }
  if (ua_.refuse_session_interval(id, request)) return;
  std::string answer;
  if (request.body().empty()) {
    answer = local_body_;  // offer-less re-INVITE: our offer goes in the 2xx (§14.2)
  } else {
    std::optional<std::string> a = handler_ ? handler_->on_offer(*this, request.body()) : std::nullopt;
    if (!a) {
      (void)ua_.transactions_.respond(id, response_to(request, 488));
      return;
    }
    answer = std::move(*a);
    remote_body_ = std::string(request.body());
  }
  dialog_->refresh_remote_target(request);
  take_session_timer(request, false);
  Message ok = response_to(request, 200);
  add_session_expires(ok, false);
  if (!answer.empty()) ok.set_body(local_body_type_.empty() ? "application/sdp" : local_body_type_, answer);
  if (!request.body().empty()) {
    local_body_ = std::move(answer);
    ++answers_sent_;
  }
  server_txn_ = id;
  ok_cseq_ = cseq_number(request);
  (void)ua_.transactions_.respond(id, std::move(ok));
  retransmit_interval_ = ua_.config_.timers.t1;
  retransmit_elapsed_ = Duration{0};
  schedule_2xx_retransmission(retransmit_interval_);
}

// --- REFER (RFC 3515) ----------------------------------------------------------

void InviteSession::refer(std::string_view refer_to) {
  if (state_ != SessionState::Confirmed) return;
  send_in_dialog(Method::Refer, {}, {},
                 {{HeaderId::ReferTo, bracketed(refer_to)},
                  {HeaderId::ReferredBy, std::string(dialog_->local_uri())}});
}

void InviteSession::on_refer(txn::ServerTransactionId id, Message&& request) {
  // §2.4.1: "A REFER request MUST contain exactly one Refer-To header field value".
  std::string scratch;
  if (request.count(HeaderId::ReferTo) != 1 || list_item_end(request.header(HeaderId::ReferTo)) !=
                                                   request.header(HeaderId::ReferTo).size() ||
      !parse_name_addr(request.header(HeaderId::ReferTo), scratch)) {
    (void)ua_.transactions_.respond(id, response_to(request, 400, "Refer-To must hold exactly one URI"));
    return;
  }
  const bool accept = handler_ && handler_->on_refer(*this, request);
  if (!accept) {
    (void)ua_.transactions_.respond(id, response_to(request, 603));
    return;
  }
  (void)ua_.transactions_.respond(id, response_to(request, 202));
  refer_accepted_ = true;
  // §2.4.4: "the UA MUST send a NOTIFY ... immediately" with the initial state.
  notify_refer(100);
}

void InviteSession::notify_refer(int status) {
  if (!refer_accepted_ || !dialog_ || state_ == SessionState::Terminated) return;
  const bool final = status >= 200;
  std::string frag =
      "SIP/2.0 " + std::to_string(status) + " " + std::string(default_reason(status)) + "\r\n";
  send_in_dialog(
      Method::Notify, "message/sipfrag;version=2.0", frag,
      {{HeaderId::Event, "refer"},
       {HeaderId::SubscriptionState, final ? "terminated;reason=noresource" : "active;expires=60"}},
      final);
  if (final) refer_accepted_ = false;
}

void InviteSession::on_notify(txn::ServerTransactionId id, Message&& request) {
  const std::string_view event = request.header(HeaderId::Event);
  if (!event.starts_with("refer")) {
    // RFC 6665 §8.2.1: an event package we did not subscribe to.
    (void)ua_.transactions_.respond(id, response_to(request, 489));
    return;
  }
  const std::optional<int> status = sipfrag_status(request.body());
  (void)ua_.transactions_.respond(id, response_to(request, 200));
  const bool final = request.header(HeaderId::SubscriptionState).starts_with("terminated");
  if (handler_ && status) handler_->on_refer_progress(*this, *status, final || *status >= 200);
}

// --- Session timer (RFC 4028) ---------------------------------------------------

// Reads the interval and the refresher from a Session-Expires in `message`:
// a request we received (refresher=uac means the sender refreshes) or a
// response to our request (refresher=uac means we refresh). No header: no timer.
void InviteSession::take_session_timer(const Message& message, bool from_response) {
  if (from_response) retries_422_ = 0;  // a 2xx: the next request may retry afresh
  const std::string_view value = message.header(HeaderId::SessionExpires);
  if (value.empty()) {
    if (from_response) session_interval_ = 0;
    return;
  }
  std::string scratch;
  Result<SessionExpires> se = parse_session_expires(value, scratch);
  if (!se || se->seconds == 0) return;
  // Never below our Min-SE, whatever the peer says (a request below it was
  // refused with 422 when the peer supports the extension; a response or a
  // peer that does not is held to it): an interval of 1 s would have us
  // refresh on every loop turn.
  session_interval_ = std::max(se->seconds, ua_.config_.min_se);
  if (!from_response) peer_supports_timer_ = has_option(message.header(HeaderId::Supported), "timer");
  if (se->refresher.empty()) {
    // §9: the UAS chooses; leave the refresh to a UAC that supports the
    // extension, do it ourselves otherwise.
    we_refresh_ = from_response ? false : !peer_supports_timer_;
  } else {
    const bool uac_refreshes = se->refresher == "uac";
    we_refresh_ = from_response ? uac_refreshes : !uac_refreshes;
  }
  if (from_response || state_ == SessionState::Confirmed) start_session_timer();
}

void InviteSession::add_session_expires(Message& message, bool in_request) const {
  if (session_interval_ == 0) return;
  // In a response, "uac" names the peer (the UAC of that transaction).
  const bool uac_refreshes = in_request ? we_refresh_ : !we_refresh_;
  message.add(HeaderId::SessionExpires,
              std::to_string(session_interval_) + (uac_refreshes ? ";refresher=uac" : ";refresher=uas"));
  if (!in_request && peer_supports_timer_) message.add(HeaderId::Require, "timer");
}

void InviteSession::start_session_timer() {
  ua_.timers_.cancel(session_timer_);
  session_timer_ = 0;
  if (session_interval_ == 0) return;
  // §10: the refresher refreshes at half the interval; the other side gives
  // up at "the session interval minus the minimum of 32 seconds and one
  // third of the session interval".
  const std::uint32_t seconds = we_refresh_ ? session_interval_ / 2
                                            : session_interval_ - std::min<std::uint32_t>(32, session_interval_ / 3);
  // Armed for the whole call, so without an allocation (see after<>).
  session_timer_ = after<&InviteSession::on_session_timer>(Duration{std::int64_t{seconds} * 1000});
}

void InviteSession::send_refresh_update() {
  send_in_dialog(
      Method::Update, {}, {},
      {{HeaderId::SessionExpires, std::to_string(session_interval_) + ";refresher=uac"}});
}

// RFC 4028 §7.4, for a request in the dialog (a refresh, or the
// application's re-INVITE, both carrying Session-Expires): "If the UAC
// receives a 422 ... it SHOULD retry the request ... with a Session-Expires
// header field with a duration ... equal to the value of the Min-SE header
// field in the 422 response". At most two retries per request, and only for
// a longer interval than ours, so a peer cannot keep us retrying.
bool InviteSession::retry_in_dialog_after_422(const Message& response, Method method) {
  Result<std::uint32_t> min_se = parse_uint(response.header(HeaderId::MinSE), UINT32_MAX, "Min-SE");
  if (!min_se || *min_se <= session_interval_ || retries_422_ >= 2 ||
      state_ != SessionState::Confirmed || (method == Method::Invite && !offer_))
    return false;
  ++retries_422_;
  session_interval_ = *min_se;
  if (method == Method::Update) {
    send_refresh_update();
  } else {
    send_reinvite(std::move(offer_));  // the same offer again, with what waits behind it
  }
  return true;
}

void InviteSession::on_session_timer() {
  session_timer_ = 0;
  if (state_ != SessionState::Confirmed && state_ != SessionState::Answered) return;
  if (!we_refresh_) {
    log().info("sip: session {} was not refreshed in time: sending BYE", call_id());
    transition(SessionState::Terminating);
    send_in_dialog(Method::Bye, {}, {});
    end(EndReason::SessionExpired, 408);
    return;
  }
  if (peer_allows_update_) {
    send_refresh_update();
  } else if (!reinvite_pending_ && !offer_) {
    // (An offer waiting out a 491 refreshes the session when it goes.)
    send_reinvite(std::make_unique<PendingOffer>(
        local_body_type_.empty() ? "application/sdp" : local_body_type_, local_body_, true));
  }
  start_session_timer();  // the 2xx restarts it; this covers a lost refresh
}

}  // namespace cvw::sip::dialog
