#include "calls/click_to_call.hpp"

#include <boost/asio/ip/address.hpp>

#include <utility>

#include "calls/call_sdp.hpp"
#include "common/log.hpp"
#include "sdp/session.hpp"
#include "sip/header_values.hpp"

namespace cvw::calls {

namespace {

sdp::LocalEndpoint our_endpoint(const CallMedia& media) {
  sdp::LocalEndpoint e;
  e.address = media.address();
  sdp::LocalMedia audio;
  audio.port = media.phone_port();
  audio.codecs = sdp::default_audio_codecs();
  audio.ptime = 20;
  e.media.push_back(std::move(audio));
  return e;
}

// Our relay endpoint at `port`, carrying the formats of `described`'s first
// audio stream: what the relay passes through untouched must be what both
// sides agreed on.
sdp::LocalEndpoint anchored_endpoint(const CallMedia& media, std::uint16_t port, const sdp::Session& described) {
  sdp::LocalEndpoint e;
  e.address = media.address();
  for (sdp::LocalMedia& m : endpoint_of(described).media) {
    if (m.type != "audio") continue;
    m.port = port;
    e.media.push_back(std::move(m));
    break;
  }
  return e;
}

// The first audio stream of `s` that is not rejected.
const sdp::Media* first_audio(const sdp::Session& s) {
  for (const sdp::Media& m : s.media) {
    if (!m.is_rejected() && m.type == "audio") return &m;
  }
  return nullptr;
}

// Where RTP for `s`'s first audio stream goes. Port 0 (send nothing) when
// there is none, on hold by c=0.0.0.0 (sending to 0.0.0.0 on Linux reaches
// this host, not a black hole), or named by a host name in c= (RFC 8866
// allows it; phones do not use it and we resolve nothing on the media path).
boost::asio::ip::udp::endpoint audio_destination(const sdp::Session& s) {
  const sdp::Media* m = first_audio(s);
  if (m == nullptr) return {};
  const sdp::Connection* c = sdp::effective_connection(s, *m);
  if (c == nullptr || c->is_unspecified()) return {};
  boost::system::error_code ec;
  const auto address = boost::asio::ip::make_address(c->address, ec);
  if (ec) return {};
  return {address, m->port};
}

// Who a From value names, for people: its display name and URI without the
// header's parameters (the tag means nothing to them). In the name-addr form
// the parameters follow the last '>'; in the addr-spec form, the first ';'.
std::string party_of(std::string_view from) {
  const std::size_t close = from.rfind('>');
  return std::string(from.substr(0, close != std::string_view::npos ? close + 1 : from.find(';')));
}

// A leg that rang until our own timeout: no SIP status decided it.
EndReason unanswered(EndReason r, Duration waited) {
  r.sip_status = 0;
  r.message = std::string(r.by == Party::Phone ? "Your phone" : "The person you called") + " did not answer within " +
              std::to_string(std::chrono::duration_cast<std::chrono::seconds>(waited).count()) + " s";
  return r;
}

}  // namespace

ClickToCall::ClickToCall(sip::dialog::UserAgent& ua, TimerService& timers,
                         std::unique_ptr<CallMedia> media, ClickToCallPlan plan, Observer changed)
    : Call(std::move(plan.info), std::move(changed)),
      ua_(ua),
      timers_(timers),
      media_(std::move(media)),
      phone_invite_(std::make_unique<sip::dialog::InviteParams>(std::move(plan.phone))),
      callee_invite_(std::make_unique<sip::dialog::InviteParams>(std::move(plan.callee))),
      phone_ring_timeout_(plan.phone_ring_timeout),
      callee_ring_timeout_(plan.callee_ring_timeout),
      transfers_(plan.transfers),
      phone_(std::make_unique<sip::dialog::CallLeg>(ua, timers)),
      callee_(ua, timers),
      phone_sdp_(origin_for(media_->address())),
      callee_sdp_(origin_for(media_->address())),
      first_to_leave_(&timers) {
  info_.state = CallState::CallingPhone;
  phone_->observe(this);
  callee_.observe(this);
}

ClickToCall::~ClickToCall() { timers_.cancel(cancel_callee_); }

void ClickToCall::on_leg_provisional(sip::dialog::CallLeg& leg, const sip::Message& provisional) {
  if (&leg == phone_.get()) {
    if (info_.state == CallState::CallingPhone) set_state(CallState::PhoneRinging);
    return;
  }
  if (&leg != &callee_) return;
  // The callee. Early media (a 183 with SDP): the callee's tones or
  // announcements go to the phone directly, since the callee was offered
  // the phone's media, or through the relay, which replaces the ringback.
  if (!provisional.body().empty()) {
    stop_ringback();
    if (media_->anchored()) {
      if (sdp::parse(provisional.body())) {
        callee_media_.keep(std::string(provisional.body()));
        relay();
      }
    }
  }
  if (info_.state == CallState::CallingCallee) set_state(CallState::CalleeRinging);
}

void ClickToCall::on_leg_end(sip::dialog::CallLeg& leg, sip::dialog::EndReason reason, int) {
  if (&leg == phone_.get()) {
    on_phone_gone(reason);
  } else if (&leg == &callee_) {
    on_callee_gone(reason);
  }
}

// A re-offer from either side (a session refresh, a hold, a move of its
// media) is answered at once on behalf of the other party, from its last
// description and stance. Anchored, the relay follows the new media; direct,
// the other party is then told of it (follow_media), unless nothing that
// matters to its RTP changed (a session refresh).
std::optional<std::string> ClickToCall::on_leg_offer(sip::dialog::CallLeg& leg,
                                                     std::string_view offer) {
  const Side from = &leg == phone_.get() ? Side::User : Side::Remote;
  auto parsed = sdp::parse(offer);
  if (!parsed) return std::nullopt;
  const PartyMedia& other = media_of(opposite(from));
  if (from == Side::Remote && !other) return std::nullopt;
  // The phone before the callee answered talks to cvw itself (the ringback).
  std::optional<sdp::Session> described;
  sdp::LocalEndpoint on_behalf;
  if (other) {
    described = other.parsed();
    on_behalf = seen_endpoint(from == Side::User ? media_->phone_port() : media_->callee_port(),
                              *described);
    if (!media_->anchored()) on_behalf.direction = other.wish();
  } else {
    on_behalf = our_endpoint(*media_);
  }
  sdp::Session answer = sdp::build_answer(*parsed, on_behalf);
  if (sdp::active_media_count(answer) > 0) {
    Sides sides(*this);
    accepted_offer(sides, from, offer, *parsed, described ? &*described : nullptr);
    if (!described && ringback_) {
      // The phone moved or held while it hears the ringback: the tone
      // follows it, or stops while it wants to hear nothing.
      media_->stop_ringback();
      start_ringback(*parsed);
    }
    if (media_->anchored()) {
      relay();
    } else {
      follow_media();
    }
  }
  return local_of(from).stamp(std::move(answer));
}

bool ClickToCall::on_leg_refer(sip::dialog::CallLeg& leg, const sip::Message& refer) {
  return &leg == phone_.get() && on_refer(refer);
}

void ClickToCall::swap_phone(std::unique_ptr<sip::dialog::CallLeg> next, sdp::LocalSession local,
                             PartyMedia media, TransferKind kind, std::string to) {
  // The call ended while the transfer was completing: the new leg goes (its
  // destructor sends BYE) and the call stays as it ended.
  if (info_.state == CallState::Ended) return;
  // The old leg leaves without ending the call: its observers go first.
  old_phone_ = std::move(phone_);
  old_phone_->observe(nullptr);
  old_phone_->hangup();
  phone_ = std::move(next);
  phone_->observe(this);
  phone_sdp_ = std::move(local);
  phone_media_ = std::move(media);
  relay();
  info_.transfer_kind = kind;
  info_.transferred_to = std::move(to);
  log().info("call {}: transferred ({}) to {}", info_.id, to_string(kind), info_.transferred_to);
  changed();
}

bool ClickToCall::accept_replacement(std::shared_ptr<sip::dialog::InviteSession> incoming) {
  // Not while the flow re-INVITEs a side to pass on a party's new media:
  // the transfer re-INVITEs the callee too, one offer at a time.
  if (info_.state != CallState::Connected || transferring_ || following_ || !incoming ||
      !incoming->invite())
    return false;
  transferring_ = true;
  transfer_ = take_replacement(std::make_unique<sip::dialog::CallLeg>(ua_, timers_, std::move(incoming)));
  transfer_.start();
  return true;
}

Task<void> ClickToCall::take_replacement(std::unique_ptr<sip::dialog::CallLeg> incoming) {
  std::string who = party_of(incoming->session()->invite()->header(sip::HeaderId::From));
  // The new party's offer (the session's copy of its INVITE's body).
  PartyMedia described;
  auto offer = described.take(*incoming);
  if (!offer || sdp::active_media_count(*offer) == 0) {
    incoming->reject(488);
    end_transfer();
    co_return;
  }
  described.set_wish(stance_of(*offer));
  // Point the callee at the new party first: if it refuses, nothing changed.
  if (!co_await point_callee_at(*offer, described.wish())) {
    incoming->reject(callee_gone_ ? 480 : 488);
    end_transfer();
    co_return;
  }
  // Answer the new party on the callee's behalf, in a dialog of its own.
  sdp::LocalSession local(origin_for(media_->address()));
  const sdp::Session callee = callee_media_.parsed();
  sdp::LocalEndpoint on_behalf = seen_endpoint(media_->phone_port(), callee);
  if (!media_->anchored()) on_behalf.direction = callee_media_.wish();
  const std::uint64_t told = told_fingerprint(callee, callee_media_.wish(), described.wish());
  const int answered =
      co_await incoming->answer(kSdp, local.stamp(sdp::build_answer(*offer, on_behalf)));
  if (answered != 200) {
    // The new party gave up. Direct media: the callee now sends to nobody,
    // end the call; anchored, the callee still talks to the phone.
    if (!media_->anchored()) first_to_leave_.set(Party::Phone);
    end_transfer();
    co_return;
  }
  // RFC 3891 §3: the dialog it replaces is ended by us, with BYE.
  swap_phone(std::move(incoming), std::move(local), std::move(described), TransferKind::Attended,
             std::move(who));
  told_phone_ = told;
  end_transfer();
}

bool ClickToCall::on_refer(const sip::Message& refer) {
  if (info_.state != CallState::Connected || transferring_ || following_ || transfers_ == nullptr)
    return false;
  std::string scratch;
  auto target = sip::parse_name_addr(refer.header(sip::HeaderId::ReferTo), scratch);
  // A Refer-To carrying Replaces (an attended transfer by REFER) is not
  // ours to perform: the phone's PBX does that with an INVITE (above).
  if (!target || target->uri.user.empty() || !target->uri.headers.empty()) return false;
  std::optional<sip::dialog::InviteParams> invite =
      transfers_->blind_transfer(info_, target->uri.user);
  if (!invite) return false;
  transferring_ = true;
  transfer_ = blind_transfer(std::move(*invite), phone_.get());
  transfer_.start();
  return true;
}

Task<void> ClickToCall::blind_transfer(sip::dialog::InviteParams p,
                                       sip::dialog::CallLeg* referrer) {
  // The referrer is the phone leg as it was when the REFER came; it reports
  // the new call's progress by NOTIFY (RFC 3515 §2.4.4) until it is replaced.
  // Declared before the leg, so that it outlives it.
  struct ReportToReferrer final : sip::dialog::CallLegObserver {
    sip::dialog::CallLeg* referrer;
    explicit ReportToReferrer(sip::dialog::CallLeg* r) : referrer(r) {}
    void on_leg_provisional(sip::dialog::CallLeg&, const sip::Message& provisional) override {
      referrer->notify_refer(provisional.status());
    }
  } progress(referrer);
  auto leg = std::make_unique<sip::dialog::CallLeg>(ua_, timers_);
  leg->observe(&progress);
  sdp::LocalSession local(origin_for(media_->address()));
  p.content_type = std::string(kSdp);
  std::uint64_t told = 0;
  {
    const sdp::Session callee = callee_media_.parsed();
    p.body = local.stamp(seen_offer(media_->phone_port(), callee));
    told = told_fingerprint(callee, callee_media_.wish(), sdp::Direction::SendRecv);
  }
  const int status = co_await leg->invite(p, callee_ring_timeout_);
  if (status != 200) {
    referrer->notify_refer(status == 0 ? 500 : status);
    end_transfer();
    co_return;
  }
  PartyMedia described;
  auto answer = described.take(*leg);
  if (answer) described.set_wish(stance_of(*answer));
  if (!answer || !co_await point_callee_at(*answer, described.wish())) {
    referrer->notify_refer(503);
    leg->hangup();  // its session finishes the BYE alone (see release_both)
    end_transfer();
    co_return;
  }
  referrer->notify_refer(200);
  swap_phone(std::move(leg), std::move(local), std::move(described), TransferKind::Blind,
             std::move(p.request_uri));
  told_phone_ = told;
  end_transfer();
}

void ClickToCall::end_transfer() {
  transferring_ = false;
  // The phone hung up while we transferred (blind transferors do, right
  // after the 202): unless the transfer put someone in its place, the call
  // is over.
  const bool left = std::exchange(phone_left_during_transfer_, false);
  const sip::dialog::InviteSession* now = phone_->session();
  if (left && (now == nullptr || now->state() == sip::dialog::SessionState::Terminated)) {
    first_to_leave_.set(Party::Phone);
    return;
  }
  // A party that re-offered while the transfer ran is passed on now.
  follow_media();
}

void ClickToCall::finish(EndReason why) {
  stop_ringback();
  Call::finish(std::move(why));
}

void ClickToCall::hang_up() {
  if (info_.state == CallState::Ended || user_hung_up_) return;
  user_hung_up_ = true;
  first_to_leave_.set(Party::User);
  // Everything goes out now, not when the flow next runs: at shutdown the
  // SIP stack stops right after this. Both calls are no-ops on a leg that
  // was never placed or has ended, and CANCEL a leg still ringing.
  callee_.hangup();
  phone_->hangup();
}

void ClickToCall::on_phone_gone(sip::dialog::EndReason r) {
  if (transferring_) {
    // Expected of a transferor; end_transfer() decides once it is done.
    phone_left_during_transfer_ = true;
    return;
  }
  phone_gone_ = r;
  // While the callee rings, the phone hanging up means the user gave up:
  // cancel the callee. Not from inside the phone's SIP callback, though.
  if ((info_.state == CallState::CallingCallee || info_.state == CallState::CalleeRinging) && cancel_callee_ == 0) {
    cancel_callee_ = timers_.schedule(Duration{0}, [this] {
      cancel_callee_ = 0;
      callee_.hangup();
    });
  }
  first_to_leave_.set(Party::Phone);
}

void ClickToCall::on_callee_gone(sip::dialog::EndReason r) {
  callee_gone_ = r;
  first_to_leave_.set(Party::Callee);
}

void ClickToCall::stop_ringback() {
  ringback_ = false;
  media_->stop_ringback();
}

void ClickToCall::start_ringback(const sdp::Session& answer) {
  const boost::asio::ip::udp::endpoint to = audio_destination(answer);
  ringback_ = true;  // even when the phone asked for nothing now: a re-offer may ask again
  if (to.port() == 0 || !sdp::receives(stance_of(answer))) return;
  // The phone's first G.711 format. The tone is pre-encoded for the static
  // payload types only (0 PCMU, 8 PCMA), which is how every phone offers and
  // answers G.711.
  for (const std::string& format : first_audio(answer)->formats) {
    const auto pt = sdp::payload_type_of(format);
    if (pt && (*pt == 0 || *pt == 8)) {
      media_->play_ringback(to, *pt);
      return;
    }
  }
}

void ClickToCall::relay() {
  if (media_->anchored() && phone_media_ && callee_media_) {
    media_->relay(audio_destination(phone_media_.parsed()),
                  audio_destination(callee_media_.parsed()));
  }
}

Task<bool> ClickToCall::point_callee_at(const sdp::Session& media, sdp::Direction wish) {
  if (media_->anchored()) co_return !callee_gone_;
  Sides sides(*this);
  const int moved = co_await reoffer(sides, Side::Remote, media, wish);
  co_return moved >= 200 && moved < 300 && !callee_gone_ && callee_media_.take(callee_);
}

void ClickToCall::follow_media() {
  if (following_ || transferring_ || media_->anchored() || info_.state != CallState::Connected ||
      first_to_leave_.ready())
    return;
  Sides sides(*this);
  if (!stale_side(sides)) return;
  following_ = true;
  follower_ = follow();
  follower_.start();
}

Task<void> ClickToCall::follow() {
  Sides sides(*this);
  co_await calls::follow_media(sides);
  following_ = false;
}

sdp::LocalEndpoint ClickToCall::seen_endpoint(std::uint16_t port, const sdp::Session& other) const {
  return media_->anchored() ? anchored_endpoint(*media_, port, other) : endpoint_of(other);
}

sdp::Session ClickToCall::seen_offer(std::uint16_t port, const sdp::Session& other) const {
  return media_->anchored() ? sdp::build_offer(anchored_endpoint(*media_, port, other)) : sdp::build_offer_from(other);
}

void ClickToCall::release_both() {
  phone_->hangup();
  callee_.hangup();
}

Task<void> ClickToCall::run() {
  changed();  // callingPhone
  // One coroutine per stage: a stage's frame (its locals and temporaries,
  // a few KB) is freed when the stage completes, so a connected call keeps
  // only run()'s and stay_connected()'s small frames.
  // Each result is named before it is tested: with the co_await inside the
  // if condition, g++ 12's debug build (ASan/UBSan) resumed this frame at a
  // trap instruction.
  const bool phone_answered = co_await call_phone();
  if (!phone_answered) co_return;
  set_state(CallState::CallingCallee);
  const bool connected = co_await connect_callee();
  if (!connected) co_return;
  co_await stay_connected();
}

Task<bool> ClickToCall::call_phone() {
  // Leg A: the user's own phone, offered our media (ringback comes from us).
  // Its parameters are not needed again.
  sip::dialog::InviteParams a = std::move(*phone_invite_);
  phone_invite_.reset();
  a.content_type = std::string(kSdp);
  a.body = phone_sdp_.stamp(sdp::build_offer(our_endpoint(*media_)));
  const int phone_status = co_await phone_->invite(a, phone_ring_timeout_);
  if (phone_status != 200) {
    finish(user_hung_up_
               ? end_reason(EndCode::CancelledByUser, Party::User, "You cancelled the call")
           : phone_->timed_out() ? unanswered(phone_failure(phone_status), phone_ring_timeout_)
                                 : phone_failure(phone_status));
    co_return false;
  }
  if (user_hung_up_ || phone_gone_) {
    phone_->hangup();
    finish(user_hung_up_ ? end_reason(EndCode::CancelledByUser, Party::User, "You cancelled the call")
                         : end_reason(EndCode::PhoneHungUp, Party::Phone, "You hung up your phone"));
    co_return false;
  }
  auto answer = phone_media_.take(*phone_);
  if (!answer || sdp::active_media_count(*answer) == 0) {
    phone_->hangup();
    finish(end_reason(EndCode::Failed, Party::Phone, "Your phone answered without media cvw can use"));
    co_return false;
  }
  // Our offer asked for everything: its answer says what the phone wants.
  phone_media_.set_wish(stance_of(*answer));
  start_ringback(*answer);
  co_return true;
}

Task<bool> ClickToCall::connect_callee() {
  // Leg B: the callee, offered the phone's media.
  sip::dialog::InviteParams b = std::move(*callee_invite_);
  callee_invite_.reset();
  b.content_type = std::string(kSdp);
  {
    const sdp::Session phone = phone_media_.parsed();
    b.body = callee_sdp_.stamp(seen_offer(media_->callee_port(), phone));
    told_callee_ = told_fingerprint(phone, phone_media_.wish(), sdp::Direction::SendRecv);
  }
  const int callee_status = co_await callee_.invite(b, callee_ring_timeout_);
  stop_ringback();
  if (callee_status != 200) {
    EndReason why =
        user_hung_up_ ? end_reason(EndCode::CancelledByUser, Party::User, "You cancelled the call")
        : phone_gone_ ? end_reason(EndCode::PhoneHungUp, Party::Phone,
                                   "You hung up before the other person answered")
        : callee_.timed_out() ? unanswered(callee_failure(callee_status), callee_ring_timeout_)
                              : callee_failure(callee_status);
    phone_->hangup();
    finish(std::move(why));
    co_return false;
  }
  if (phone_gone_ || user_hung_up_) {
    release_both();
    finish(user_hung_up_ ? end_reason(EndCode::CancelledByUser, Party::User, "You cancelled the call")
                         : end_reason(EndCode::PhoneHungUp, Party::Phone, "You hung up before the other person answered"));
    co_return false;
  }
  auto answer = callee_media_.take(callee_);
  if (!answer || sdp::active_media_count(*answer) == 0) {
    release_both();
    finish(end_reason(EndCode::Failed, Party::Callee, "The other person answered without media cvw can use"));
    co_return false;
  }

  callee_media_.set_wish(stance_of(*answer));

  // Join the two: the relay, or point the phone at the callee.
  int update = 200;
  if (media_->anchored()) {
    relay();
  } else {
    Sides sides(*this);
    update = co_await reoffer(sides, Side::User, *answer, callee_media_.wish());
  }
  if (update < 200 || update >= 300) {
    // Decided before the release: our own BYEs end the legs too. The phone's
    // session may have ended by now without its user: a 408 ends it (the
    // session's BYE), which is a failed update, not a hang-up.
    EndReason why =
        user_hung_up_ ? end_reason(EndCode::CancelledByUser, Party::User, "You cancelled the call")
        : phone_gone_ == sip::dialog::EndReason::RemoteBye
            ? end_reason(EndCode::PhoneHungUp, Party::Phone,
                         "You hung up before the call was connected")
            : end_reason(
                  EndCode::MediaUpdateFailed, Party::Phone,
                  std::string(update == 408 ? "Your phone did not answer" : "Your phone refused") +
                      " when cvw connected it to the other person (SIP " + std::to_string(update) +
                      ")",
                  update);
    release_both();
    finish(std::move(why));
    co_return false;
  }
  // The phone's answer describes its media as the callee now sees it (the
  // same address, the formats the two share): it answers the callee's
  // re-offers from now on, and its session keeps no copy.
  if (!media_->anchored()) (void)phone_media_.take(*phone_);
  media_->release_if_direct();  // the phone and the callee talk to each other now
  if (!first_to_leave_.ready()) {
    info_.connected_at = Clock::now();
    set_state(CallState::Connected);
    // A party that re-offered while the call was being set up (a hold at
    // the phone) is passed on now.
    follow_media();
  }
  co_return true;
}

Task<void> ClickToCall::stay_connected() {
  const Party who = co_await first_to_leave_;
  const std::optional<sip::dialog::EndReason> lost =
      leg_lost(phone_gone_) ? phone_gone_ : callee_gone_;
  release_both();
  if (leg_lost(lost)) {
    finish(lost_call(who, *lost));
  } else if (!info_.connected_at) {
    // Someone left while the phone was being pointed at the callee.
    finish(who == Party::User    ? end_reason(EndCode::CancelledByUser, Party::User, "You cancelled the call")
           : who == Party::Phone ? end_reason(EndCode::PhoneHungUp, Party::Phone, "You hung up before the call was connected")
                                 : end_reason(EndCode::Failed, who, "The other person hung up while the call was being connected"));
  } else {
    const char* text = who == Party::Phone    ? "You hung up"
                       : who == Party::Callee ? "The other person hung up"
                                              : "You ended the call";
    finish(end_reason(EndCode::Completed, who, text));
  }
}

}  // namespace cvw::calls
