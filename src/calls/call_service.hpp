// CallService: the calls in progress, both ways: click-to-calls the users
// place (ClickToCall) and calls to them (IncomingCall). It starts them
// (enforcing the per-user limit), finds them for their owner only, hangs
// them up, passes the client's accept/decline to an incoming call, reports
// each change to the application (the event channel) and frees a call once
// its flow has ended. Metrics count starts, connections and every end reason.
//
// Ownership: the service owns each call until its run() completes.
// Threading: the event-loop thread only.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "calls/call_info.hpp"
#include "calls/click_to_call.hpp"
#include "calls/incoming_call.hpp"
#include "common/result.hpp"
#include "common/timer.hpp"

namespace cvw::calls {

struct CallServiceConfig {
  std::size_t max_per_user = 4;
};

struct CallMetrics {
  std::uint64_t started = 0;   // click-to-calls
  std::uint64_t incoming = 0;  // incoming calls rung
  std::uint64_t connected = 0;
  std::uint64_t refused_limit = 0;  // 409 (or 486 to a caller): the user already had max_per_user calls
  std::array<std::uint64_t, static_cast<std::size_t>(EndCode::Failed) + 1> ended{};  // by EndCode
};

class CallService {
 public:
  // Opens the server-side media of a new call (an RTP port); an error
  // (no free port) refuses the call with 503.
  using MediaFactory = std::function<Result<std::unique_ptr<CallMedia>>()>;
  // Every change of a call, the last one with state Ended.
  using Observer = std::function<void(const CallInfo&)>;

  CallService(sip::dialog::UserAgent& ua, TimerService& timers, MediaFactory media, CallServiceConfig config,
              Observer changed);
  ~CallService();
  CallService(const CallService&) = delete;
  CallService& operator=(const CallService&) = delete;

  // Starts the call `plan` describes; plan.info.id and started_at are filled
  // in here. 409 when the owner has max_per_user calls already; 503 when no
  // media port is free. The returned record stays valid until the call ends.
  Result<const CallInfo*> start(ClickToCallPlan plan);
  // Rings the user an incoming call on `caller` (an INVITE from the trunk)
  // as `plan` says; plan.info.id and started_at are filled in here. 486
  // when the owner has max_per_user calls already (the caller is not
  // answered: the router rejects it with the status).
  Result<const CallInfo*> ring(std::shared_ptr<sip::dialog::InviteSession> caller, IncomingCallPlan plan);

  // A call to `info.owner` that ended before anything could ring (no client
  // registered, no phone to ring): reported and counted as an ended call
  // (id, started_at and ended_at filled in here), so that the user's event
  // channel and history show the missed call. Never held: nothing rang.
  void record_unrung(CallInfo info, EndReason reason);

  // The owner's calls that have not ended, oldest first.
  std::vector<const CallInfo*> list(std::string_view owner) const;
  // nullptr unless the call exists and belongs to `owner`: another user's
  // call id looks exactly like one that does not exist.
  const CallInfo* find(std::string_view owner, std::string_view id) const;
  // The user ends the call: false when find() would return nullptr.
  bool hang_up(std::string_view owner, std::string_view id);
  // The user's client answers an incoming call's notification: 404 when
  // find() would return nullptr or the call is not incoming, 409 when it is
  // too late (answered, ended) or, to accept, there is no phone to call back.
  Result<void> accept(std::string_view owner, std::string_view id);
  Result<void> decline(std::string_view owner, std::string_view id);
  // The call whose user-side leg is `session` (an INVITE with Replaces
  // names it), or nullptr.
  Call* find_by_phone(const sip::dialog::InviteSession* session);
  // Shutdown: every call is ended (Call::shut_down); active() drops to 0 as
  // they end.
  void hang_up_all();

  std::size_t active() const { return calls_.size(); }
  const CallMetrics& metrics() const { return metrics_; }

 private:
  struct Entry {
    std::unique_ptr<Call> call;
    IncomingCall* incoming = nullptr;  // the same call, when it is one
    // Declared after the call, so destroyed before it: a flow still
    // suspended at shutdown is freed while the legs it refers to exist.
    Task<void> flow;
    std::uint64_t order = 0;
  };
  // The owner's count against max_per_user, or the refusal.
  Result<void> admit(const std::string& owner, int refusal_status);
  const CallInfo* add(std::unique_ptr<Call> call, IncomingCall* incoming);
  IncomingCall* find_incoming(std::string_view owner, std::string_view id);
  void on_change(const Call& call);

  sip::dialog::UserAgent& ua_;
  TimerService& timers_;
  MediaFactory media_;
  CallServiceConfig config_;
  Observer changed_;
  std::unordered_map<std::string, Entry> calls_;  // by id
  // Calls per owner, for the limit: a map lookup per POST, not a scan of
  // every call in progress.
  std::unordered_map<std::string, std::size_t> per_owner_;
  std::uint64_t next_order_ = 0;
  CallMetrics metrics_;
  // Cleared by the destructor: a pending "free this call" timer finds it gone.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace cvw::calls
