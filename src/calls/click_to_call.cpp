#include "calls/click_to_call.hpp"

#include <boost/asio/ip/address.hpp>

#include <utility>

#include "common/log.hpp"
#include "common/random.hpp"
#include "sdp/session.hpp"

namespace cvw::calls {

namespace {

constexpr std::string_view kSdp = "application/sdp";

sdp::Origin origin_for(const std::string& address) {
  // RFC 8866 §5.2 suggests an NTP timestamp; any number unique to the
  // session will do, and a random one says nothing about the server's clock.
  const std::uint64_t id = random_engine()() >> 2;
  sdp::Origin o;
  o.username = "cvw";
  o.session_id = id;
  o.session_version = id;
  o.address = address;
  o.address_type = sdp::Connection::for_address(address).address_type;
  return o;
}

sdp::LocalEndpoint our_endpoint(const Ringback& media) {
  sdp::LocalEndpoint e;
  e.address = media.address();
  sdp::LocalMedia audio;
  audio.port = media.port();
  audio.codecs = sdp::default_audio_codecs();
  audio.ptime = 20;
  e.media.push_back(std::move(audio));
  return e;
}

// The media a party described, as an endpoint we can answer a re-offer
// with on its behalf: its address, ports and formats.
sdp::LocalEndpoint endpoint_of(const sdp::Session& described) {
  sdp::LocalEndpoint e;
  for (const sdp::Media& m : described.media) {
    if (m.is_rejected()) continue;
    const sdp::Connection* c = sdp::effective_connection(described, m);
    if (c == nullptr) continue;
    if (e.address.empty()) e.address = c->address;
    sdp::LocalMedia local;
    local.type = m.type;
    local.port = m.port;
    local.proto = m.proto;
    for (const std::string& format : m.formats) {
      const auto pt = sdp::payload_type_of(format);
      if (!pt) continue;
      const auto map = sdp::find_rtpmap(m, *pt);
      if (!map) continue;
      sdp::Codec codec{map->encoding, map->clock_rate, map->channels(), *pt, std::nullopt};
      if (auto fmtp = sdp::find_fmtp(m, *pt)) codec.fmtp = std::string(*fmtp);
      local.codecs.push_back(std::move(codec));
    }
    e.media.push_back(std::move(local));
  }
  return e;
}

// A leg that rang until our own timeout: no SIP status decided it.
EndReason unanswered(EndReason r, Duration waited) {
  r.sip_status = 0;
  r.message = std::string(r.by == Party::Phone ? "Your phone" : "The person you called") + " did not answer within " +
              std::to_string(std::chrono::duration_cast<std::chrono::seconds>(waited).count()) + " s";
  return r;
}

EndReason reason(EndCode code, Party by, std::string message, int status = 0) {
  EndReason r;
  r.code = code;
  r.by = by;
  r.message = std::move(message);
  r.sip_status = status;
  return r;
}

}  // namespace

ClickToCall::ClickToCall(sip::dialog::UserAgent& ua, TimerService& timers, std::unique_ptr<Ringback> media,
                         ClickToCallPlan plan, Observer changed)
    : timers_(timers),
      media_(std::move(media)),
      plan_(std::move(plan)),
      changed_(std::move(changed)),
      info_(plan_.info),
      phone_(ua, timers),
      callee_(ua, timers),
      phone_sdp_(origin_for(media_->address())),
      callee_sdp_(origin_for(media_->address())),
      first_to_leave_(&timers) {
  info_.state = CallState::CallingPhone;
  phone_.on_provisional = [this](const sip::Message&) {
    if (info_.state == CallState::CallingPhone) set_state(CallState::PhoneRinging);
  };
  phone_.on_end = [this](sip::dialog::EndReason r, int) { on_phone_gone(r); };
  callee_.on_provisional = [this](const sip::Message& provisional) {
    // Early media (a 183 with SDP): the callee's tones or announcements go
    // to the phone directly, since the callee was offered the phone's media.
    if (!provisional.body().empty()) media_->stop();
    if (info_.state == CallState::CallingCallee) set_state(CallState::CalleeRinging);
  };
  callee_.on_end = [this](sip::dialog::EndReason r, int) { on_callee_gone(r); };

  // A re-offer from either phone (a session refresh, hold) is answered on
  // behalf of the other party, from its last description: the re-offer is
  // not relayed, so a phone that moves its media address mid-call is not
  // followed (see issue #4's note).
  phone_.offer_handler = [this](std::string_view offer) -> std::optional<std::string> {
    auto parsed = sdp::parse(offer);
    if (!parsed) return std::nullopt;
    const sdp::Session other = callee_answer_ ? *callee_answer_ : sdp::build_offer(our_endpoint(*media_));
    return sdp::serialize(phone_sdp_.stamp(sdp::build_answer(*parsed, endpoint_of(other))));
  };
  callee_.offer_handler = [this](std::string_view offer) -> std::optional<std::string> {
    auto parsed = sdp::parse(offer);
    if (!parsed || !phone_answer_) return std::nullopt;
    return sdp::serialize(callee_sdp_.stamp(sdp::build_answer(*parsed, endpoint_of(*phone_answer_))));
  };
}

ClickToCall::~ClickToCall() { timers_.cancel(cancel_callee_); }

void ClickToCall::set_state(CallState state) {
  if (info_.state == state || info_.state == CallState::Ended) return;
  info_.state = state;
  if (changed_) changed_(*this);
}

void ClickToCall::finish(EndReason why) {
  if (info_.state == CallState::Ended) return;
  media_->stop();
  info_.reason = std::move(why);
  info_.ended_at = Clock::now();
  info_.state = CallState::Ended;
  log().info("call {}: ended {} ({})", info_.id, to_string(info_.reason->code), info_.reason->message);
  if (changed_) changed_(*this);
}

void ClickToCall::hang_up() {
  if (info_.state == CallState::Ended || user_hung_up_) return;
  user_hung_up_ = true;
  first_to_leave_.set(Party::User);
  // Everything goes out now, not when the flow next runs: at shutdown the
  // SIP stack stops right after this. Both calls are no-ops on a leg that
  // was never placed or has ended, and CANCEL a leg still ringing.
  callee_.hangup();
  phone_.hangup();
}

void ClickToCall::on_phone_gone(sip::dialog::EndReason r) {
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

std::string ClickToCall::offer_body(sdp::LocalSession& local, const sdp::Session& offer) const {
  return sdp::serialize(local.stamp(offer));
}

void ClickToCall::start_ringback(const sdp::Session& answer) {
  for (const sdp::Media& m : answer.media) {
    if (m.is_rejected() || m.type != "audio") continue;
    const sdp::Connection* c = sdp::effective_connection(answer, m);
    if (c == nullptr || c->is_unspecified()) return;
    boost::system::error_code ec;
    const auto address = boost::asio::ip::make_address(c->address, ec);
    if (ec) return;  // a host name in c=: nothing we would send to (RFC 8866 allows it, phones do not use it)
    // The phone's first G.711 format. The tone is pre-encoded for the
    // static payload types only (0 PCMU, 8 PCMA), which is how every phone
    // offers and answers G.711.
    for (const std::string& format : m.formats) {
      const auto pt = sdp::payload_type_of(format);
      if (pt && (*pt == 0 || *pt == 8)) {
        media_->play(boost::asio::ip::udp::endpoint(address, m.port), *pt);
        return;
      }
    }
    return;
  }
}

Task<void> ClickToCall::release_both() {
  auto& phone_done = phone_.hangup();
  auto& callee_done = callee_.hangup();
  co_await phone_done;
  co_await callee_done;
}

Task<void> ClickToCall::run() {
  if (changed_) changed_(*this);  // callingPhone

  // Leg A: the user's own phone, offered our media (ringback comes from us).
  sip::dialog::InviteParams a = plan_.phone;
  a.content_type = std::string(kSdp);
  a.body = offer_body(phone_sdp_, sdp::build_offer(our_endpoint(*media_)));
  const int phone_status = co_await phone_.invite(a, plan_.phone_ring_timeout);
  if (phone_status != 200) {
    finish(user_hung_up_        ? reason(EndCode::CancelledByUser, Party::User, "You cancelled the call")
           : phone_.timed_out() ? unanswered(phone_failure(phone_status), plan_.phone_ring_timeout)
                                : phone_failure(phone_status));
    co_return;
  }
  if (user_hung_up_ || phone_gone_) {
    co_await phone_.hangup();
    finish(user_hung_up_ ? reason(EndCode::CancelledByUser, Party::User, "You cancelled the call")
                         : reason(EndCode::PhoneHungUp, Party::Phone, "You hung up your phone"));
    co_return;
  }
  auto answer = sdp::parse(phone_.remote_body());
  if (!answer || sdp::active_media_count(*answer) == 0) {
    co_await phone_.hangup();
    finish(reason(EndCode::Failed, Party::Phone, "Your phone answered without media cvw can use"));
    co_return;
  }
  phone_answer_ = *answer;
  start_ringback(*answer);
  set_state(CallState::CallingCallee);
  co_await connect_callee();
}

Task<void> ClickToCall::connect_callee() {
  // Leg B: the callee, offered the phone's media.
  sip::dialog::InviteParams b = plan_.callee;
  b.content_type = std::string(kSdp);
  b.body = offer_body(callee_sdp_, sdp::build_offer_from(*phone_answer_));
  const int callee_status = co_await callee_.invite(b, plan_.callee_ring_timeout);
  media_->stop();
  if (callee_status != 200) {
    EndReason why = user_hung_up_ ? reason(EndCode::CancelledByUser, Party::User, "You cancelled the call")
                    : phone_gone_ ? reason(EndCode::PhoneHungUp, Party::Phone, "You hung up before the other person answered")
                    : callee_.timed_out() ? unanswered(callee_failure(callee_status), plan_.callee_ring_timeout)
                                          : callee_failure(callee_status);
    co_await phone_.hangup();
    finish(std::move(why));
    co_return;
  }
  if (phone_gone_ || user_hung_up_) {
    co_await release_both();
    finish(user_hung_up_ ? reason(EndCode::CancelledByUser, Party::User, "You cancelled the call")
                         : reason(EndCode::PhoneHungUp, Party::Phone, "You hung up before the other person answered"));
    co_return;
  }
  auto callee_answer = sdp::parse(callee_.remote_body());
  if (!callee_answer || sdp::active_media_count(*callee_answer) == 0) {
    co_await release_both();
    finish(reason(EndCode::Failed, Party::Callee, "The other person answered without media cvw can use"));
    co_return;
  }
  callee_answer_ = *callee_answer;

  // Point the phone at the callee.
  const int update = co_await phone_.reinvite(kSdp, offer_body(phone_sdp_, sdp::build_offer_from(*callee_answer)));
  if (update < 200 || update >= 300) {
    // Decided before the release: our own BYEs end the legs too.
    EndReason why = user_hung_up_ ? reason(EndCode::CancelledByUser, Party::User, "You cancelled the call")
                    : phone_gone_ ? reason(EndCode::PhoneHungUp, Party::Phone, "You hung up before the call was connected")
                                  : reason(EndCode::MediaUpdateFailed, Party::Phone,
                                           "Your phone refused to be connected to the other person (SIP " +
                                               std::to_string(update) + ")",
                                           update);
    co_await release_both();
    finish(std::move(why));
    co_return;
  }
  if (!first_to_leave_.ready()) {
    info_.connected_at = Clock::now();
    set_state(CallState::Connected);
  }

  const Party who = co_await first_to_leave_;
  const bool expired = phone_gone_ == sip::dialog::EndReason::SessionExpired ||
                       callee_gone_ == sip::dialog::EndReason::SessionExpired;
  co_await release_both();
  if (expired) {
    finish(reason(EndCode::SessionExpired, who, "The call was lost (its session timer ran out)"));
  } else if (!info_.connected_at) {
    // Someone left while the phone was being pointed at the callee.
    finish(who == Party::User    ? reason(EndCode::CancelledByUser, Party::User, "You cancelled the call")
           : who == Party::Phone ? reason(EndCode::PhoneHungUp, Party::Phone, "You hung up before the call was connected")
                                 : reason(EndCode::Failed, who, "The other person hung up while the call was being connected"));
  } else {
    const char* text = who == Party::Phone    ? "You hung up"
                       : who == Party::Callee ? "The other person hung up"
                                              : "You ended the call";
    finish(reason(EndCode::Completed, who, text));
  }
}

}  // namespace cvw::calls
