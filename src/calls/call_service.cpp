#include "calls/call_service.hpp"

#include <algorithm>
#include <utility>

#include "common/log.hpp"
#include "common/random.hpp"

namespace cvw::calls {

CallService::CallService(sip::dialog::UserAgent& ua, TimerService& timers, MediaFactory media,
                         CallServiceConfig config, Observer changed)
    : ua_(ua), timers_(timers), media_(std::move(media)), config_(config), changed_(std::move(changed)) {}

CallService::~CallService() {
  *alive_ = false;
  // Each Entry goes with calls_: its suspended flow first, then the legs,
  // which send BYE or CANCEL as they are destroyed.
}

Result<const CallInfo*> CallService::start(ClickToCallPlan plan) {
  std::size_t& owned = per_owner_[plan.info.owner];
  if (owned >= config_.max_per_user) {
    ++metrics_.refused_limit;
    return Error{409, "you already have " + std::to_string(config_.max_per_user) +
                          " calls in progress; end one before starting another"};
  }
  auto media = media_();
  if (!media) return Error{503, "no media port is free for the call: " + media.error().message};
  ++owned;

  plan.info.id = "c-" + random_token(20);
  plan.info.started_at = Clock::now();
  const std::string id = plan.info.id;
  auto call = std::make_unique<ClickToCall>(ua_, timers_, std::move(*media), std::move(plan),
                                            [this](const ClickToCall& c) { on_change(c); });
  ClickToCall* raw = call.get();
  auto [it, inserted] = calls_.emplace(id, Entry{std::move(call), raw->run(), next_order_++});
  (void)inserted;
  ++metrics_.started;
  log().info("call {}: {} calls {} via {}", id, raw->info().owner, raw->info().to, raw->info().phone_number);
  // Runs up to its first wait (the INVITE to the phone is out). It cannot
  // end in here: even a failure to send completes through a deferred
  // Completion, so `it` is still valid below.
  it->second.flow.start();
  return &raw->info();
}

void CallService::on_change(const ClickToCall& call) {
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

ClickToCall* CallService::find_by_phone(const sip::dialog::InviteSession* session) {
  // A scan: transfers are rare, and calls_ is keyed by the API's id.
  for (auto& [id, entry] : calls_) {
    if (entry.call->phone_session() == session) return entry.call.get();
  }
  return nullptr;
}

void CallService::hang_up_all() {
  for (auto& [id, entry] : calls_) entry.call->hang_up();
}

}  // namespace cvw::calls
