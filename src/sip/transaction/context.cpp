#include "sip/transaction/context.hpp"

#include <utility>

namespace cvw::sip::txn {

void Context::defer(std::function<void()> fn) {
  if (depth_ == 0) {
    Event event(*this);
    fn();
    return;
  }
  deferred_.push_back(std::move(fn));
}

void Context::leave() {
  if (depth_ > 1) {
    --depth_;
    return;
  }
  // The outermost event is ending. Deferred work still runs inside it (depth
  // stays 1, so nested events do not drain the queue a second time); only
  // then are the machines that reached Terminated destroyed.
  while (!deferred_.empty()) {
    std::function<void()> fn = std::move(deferred_.front());
    deferred_.pop_front();
    fn();
  }
  depth_ = 0;
  if (reap && (!retired_servers_.empty() || !retired_clients_.empty())) {
    reap(retired_servers_, retired_clients_);
  }
  retired_servers_.clear();
  retired_clients_.clear();
}

void TransactionTimer::stop() {
  if (handle_ == 0) return;
  ctx_.timers().cancel(handle_);
  handle_ = 0;
}

}  // namespace cvw::sip::txn
