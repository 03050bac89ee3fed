#include "calls/call_service.hpp"

#include <algorithm>
#include <utility>

#include "common/log.hpp"
#include "common/random.hpp"
#include "common/sparse_tables.hpp"

namespace cvw::calls {

CallService::CallService(sip::dialog::UserAgent& ua, TimerService& timers, MediaFactory media,
                         CallServiceConfig config, Observer changed)
    : ua_(ua), timers_(timers), media_(std::move(media)), config_(config), changed_(std::move(changed)) {}

CallService::~CallService() {
  *alive_ = false;
  // Each Entry goes with calls_: its suspended flow first, then the legs,
  // which send BYE or CANCEL as they are destroyed.
}

Result<void> CallService::admit(const std::string& owner, int refusal_status) {
  std::size_t& owned = per_owner_[owner];
  if (owned >= config_.max_per_user) {
    if (owned == 0) per_owner_.erase(owner);
    ++metrics_.refused_limit;
    return Error{refusal_status, "you already have " + std::to_string(config_.max_per_user) +
                                     " calls in progress; end one before starting another"};
  }
  ++owned;
  return {};
}

const CallInfo* CallService::add(std::unique_ptr<Call> call, IncomingCall* incoming) {
  Call* raw = call.get();
  const std::string id = raw->info().id;
  auto [it, inserted] = calls_.emplace(id, Entry{std::move(call), incoming, raw->run(), next_order_++});
  (void)inserted;
  // Runs up to its first wait (an INVITE is out). It cannot end in here:
  // even a failure to send completes through a deferred Completion, so `it`
  // is still valid below.
  it->second.flow.start();
  return &raw->info();
}

Result<const CallInfo*> CallService::start(ClickToCallPlan plan) {
  if (auto admitted = admit(plan.info.owner, 409); !admitted) return admitted.error();
  auto media = media_();
  if (!media) {
    if (auto it = per_owner_.find(plan.info.owner); it != per_owner_.end() && --it->second == 0) per_owner_.erase(it);
    return Error{503, "no media port is free for the call: " + media.error().message};
  }
  plan.info.id = "c-" + random_token(20);
  plan.info.started_at = Clock::now();
  log().info("call {}: {} calls {} via {}", plan.info.id, plan.info.owner, plan.info.to, plan.info.phone_number);
  ++metrics_.started;
  return add(std::make_unique<ClickToCall>(ua_, timers_, std::move(*media), std::move(plan),
                                           [this](const Call& c) { on_change(c); }),
             nullptr);
}

Result<const CallInfo*> CallService::ring(std::shared_ptr<sip::dialog::InviteSession> caller, IncomingCallPlan plan) {
  if (auto admitted = admit(plan.info.owner, 486); !admitted) return admitted.error();
  plan.info.id = "c-" + random_token(20);
  plan.info.started_at = Clock::now();
  log().info("call {}: {} calls {} ({} branch(es){})", plan.info.id, plan.info.from, plan.info.owner,
             plan.branches.size(), plan.callback ? ", callback possible" : "");
  ++metrics_.incoming;
  auto call = std::make_unique<IncomingCall>(ua_, timers_, std::move(caller), std::move(plan),
                                             [this](const Call& c) { on_change(c); });
  IncomingCall* incoming = call.get();
  return add(std::move(call), incoming);
}

void CallService::record_unrung(CallInfo info, EndReason reason) {
  info.id = "c-" + random_token(20);
  info.started_at = Clock::now();
  info.ended_at = info.started_at;
  info.state = CallState::Ended;
  ++metrics_.ended[static_cast<std::size_t>(reason.code)];
  info.reason = std::move(reason);
  log().info("call {}: {} called {}, and nothing could ring ({})", info.id, info.from, info.owner,
             info.reason->message);
  if (changed_) changed_(info);
}

void CallService::on_change(const Call& call) {
  const CallInfo& info = call.info();
  if (info.state == CallState::Connected) ++metrics_.connected;
  if (changed_) changed_(info);
  if (info.state != CallState::Ended) return;
  if (info.reason) ++metrics_.ended[static_cast<std::size_t>(info.reason->code)];
  // Freed on a later loop turn: the flow reports the end just before it
  // finishes, from inside its own frame.
  timers_.schedule(Duration{0}, [this, alive = alive_, id = info.id, owner = info.owner] {
    if (!*alive) return;
    calls_.erase(id);
    if (auto it = per_owner_.find(owner); it != per_owner_.end() && --it->second == 0) per_owner_.erase(it);
    shrink_when_sparse(calls_);
  });
}

std::vector<const CallInfo*> CallService::list(std::string_view owner) const {
  std::vector<std::pair<std::uint64_t, const CallInfo*>> mine;
  for (const auto& [id, entry] : calls_) {
    const CallInfo& info = entry.call->info();
    if (info.owner == owner && info.state != CallState::Ended) mine.emplace_back(entry.order, &info);
  }
  std::sort(mine.begin(), mine.end());
  std::vector<const CallInfo*> out;
  out.reserve(mine.size());
  for (const auto& [order, info] : mine) out.push_back(info);
  return out;
}

const CallInfo* CallService::find(std::string_view owner, std::string_view id) const {
  auto it = calls_.find(std::string(id));
  if (it == calls_.end() || it->second.call->info().owner != owner) return nullptr;
  return &it->second.call->info();
}

bool CallService::hang_up(std::string_view owner, std::string_view id) {
  auto it = calls_.find(std::string(id));
  if (it == calls_.end() || it->second.call->info().owner != owner) return false;
  it->second.call->hang_up();
  return true;
}

IncomingCall* CallService::find_incoming(std::string_view owner, std::string_view id) {
  auto it = calls_.find(std::string(id));
  if (it == calls_.end() || it->second.call->info().owner != owner) return nullptr;
  return it->second.incoming;
}

Result<void> CallService::accept(std::string_view owner, std::string_view id) {
  IncomingCall* call = find_incoming(owner, id);
  if (call == nullptr) return Error{404, "no incoming call " + std::string(id)};
  if (!call->accept()) {
    return Error{409, call->info().state != CallState::Ringing
                          ? "the call is no longer ringing"
                          : "you have no phone to take the call on (no Call Via Work phone number)"};
  }
  return {};
}

Result<void> CallService::decline(std::string_view owner, std::string_view id) {
  IncomingCall* call = find_incoming(owner, id);
  if (call == nullptr) return Error{404, "no incoming call " + std::string(id)};
  if (!call->decline()) return Error{409, "the call is no longer ringing"};
  return {};
}

Call* CallService::find_by_phone(const sip::dialog::InviteSession* session) {
  // A scan: transfers are rare, and calls_ is keyed by the API's id.
  for (auto& [id, entry] : calls_) {
    if (entry.call->user_side_session() == session) return entry.call.get();
  }
  return nullptr;
}

void CallService::hang_up_all() {
  for (auto& [id, entry] : calls_) entry.call->shut_down();
}

}  // namespace cvw::calls
