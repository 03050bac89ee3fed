// Task<T>: a lazily started C++20 coroutine for application call flows, so a
// click-to-call reads like its ladder diagram:
//
//   Task<void> call(...) {
//     int status = co_await leg_a.invite(30s);
//     if (status != 200) co_return;
//     co_await leg_b.invite(60s);
//     ...
//   }
//
// A Task starts when it is awaited (its awaiter resumes when it finishes) or
// when spawn() detaches it. Everything runs on the one event-loop thread;
// there is no scheduler here: awaitables resume their waiter from the
// callback that completes them (see Completion below).
#pragma once

#include <coroutine>
#include <exception>
#include <optional>
#include <utility>

#include "common/timer.hpp"

namespace cvw {

template <typename T>
class Task;

namespace detail {

struct TaskPromiseBase {
  std::coroutine_handle<> continuation;
  std::exception_ptr error;
  bool detached = false;

  std::suspend_always initial_suspend() noexcept { return {}; }
  struct FinalAwaiter {
    bool await_ready() noexcept { return false; }
    template <typename P>
    std::coroutine_handle<> await_suspend(std::coroutine_handle<P> h) noexcept {
      auto& promise = h.promise();
      if (promise.detached) {
        // Nobody will read the result: free the frame now. An exception in a
        // detached flow is a bug; terminate rather than lose it silently.
        if (promise.error) std::terminate();
        h.destroy();
        return std::noop_coroutine();
      }
      return promise.continuation ? promise.continuation : std::noop_coroutine();
    }
    void await_resume() noexcept {}
  };
  FinalAwaiter final_suspend() noexcept { return {}; }
  void unhandled_exception() { error = std::current_exception(); }
};

template <typename T>
struct TaskPromise : TaskPromiseBase {
  std::optional<T> value;
  Task<T> get_return_object();
  template <typename U>
  void return_value(U&& v) {
    value.emplace(std::forward<U>(v));
  }
  T result() {
    if (error) std::rethrow_exception(error);
    return std::move(*value);
  }
};

template <>
struct TaskPromise<void> : TaskPromiseBase {
  Task<void> get_return_object();
  void return_void() {}
  void result() {
    if (error) std::rethrow_exception(error);
  }
};

}  // namespace detail

template <typename T = void>
class [[nodiscard]] Task {
 public:
  using promise_type = detail::TaskPromise<T>;
  using Handle = std::coroutine_handle<promise_type>;

  Task() = default;  // empty: nothing to run (a slot for a flow started later)
  explicit Task(Handle h) : handle_(h) {}
  Task(Task&& other) noexcept : handle_(std::exchange(other.handle_, {})) {}
  Task& operator=(Task&& other) noexcept {
    if (this != &other) {
      if (handle_) handle_.destroy();
      handle_ = std::exchange(other.handle_, {});
    }
    return *this;
  }
  Task(const Task&) = delete;
  Task& operator=(const Task&) = delete;
  ~Task() {
    if (handle_) handle_.destroy();
  }

  bool await_ready() const noexcept { return false; }
  std::coroutine_handle<> await_suspend(std::coroutine_handle<> awaiting) noexcept {
    handle_.promise().continuation = awaiting;
    return handle_;  // symmetric transfer: start the task now
  }
  T await_resume() { return handle_.promise().result(); }

  // Starts the task and keeps it: the frame lives, finished or suspended,
  // until the Task is destroyed. An owner can so end a flow that will never
  // finish (its peers are gone) by destroying it, without leaking the frame.
  void start() { handle_.resume(); }
  bool done() const { return handle_ && handle_.done(); }

  // Starts the task and lets it run to completion on its own; the frame frees
  // itself at the end.
  friend void spawn(Task task) {
    Handle h = std::exchange(task.handle_, {});
    h.promise().detached = true;
    h.resume();
  }

 private:
  Handle handle_{};
};

namespace detail {
template <typename T>
Task<T> TaskPromise<T>::get_return_object() {
  return Task<T>{std::coroutine_handle<TaskPromise<T>>::from_promise(*this)};
}
inline Task<void> TaskPromise<void>::get_return_object() {
  return Task<void>{std::coroutine_handle<TaskPromise<void>>::from_promise(*this)};
}
}  // namespace detail

// A one-shot result that a callback sets and one coroutine awaits. Setting it
// before the await makes the await complete at once.
//
// With a TimerService, the waiter is resumed from a zero-delay timer, never
// from inside set(): the callback that sets it (deep in the SIP stack) has
// returned before the flow runs on and, say, destroys the object that owns
// the Completion. Without one, set() resumes the waiter inline.
//
// A pending deferred resume is cancelled when the Completion is destroyed:
// the object that owns it (a call leg) goes in the same turn as the flow
// that awaited it (its coroutine frame), and the timer must not resume a
// frame that is gone. Not copyable or movable: the timer refers to it.
template <typename T>
class Completion {
 public:
  explicit Completion(TimerService* defer = nullptr) : defer_(defer) {}
  ~Completion() {
    if (defer_ != nullptr && pending_ != 0) defer_->cancel(pending_);
  }
  Completion(const Completion&) = delete;
  Completion& operator=(const Completion&) = delete;
  void set(T value) {
    if (value_) return;  // first result wins (e.g. a timeout racing the answer)
    value_.emplace(std::move(value));
    auto w = std::exchange(waiter_, {});
    if (!w) return;
    if (defer_) {
      pending_ = defer_->schedule(Duration{0}, [this, w] {
        pending_ = 0;
        w.resume();
      });
    } else {
      w.resume();
    }
  }
  bool ready() const { return value_.has_value(); }
  void reset() {
    value_.reset();
    waiter_ = {};
  }

  auto operator co_await() {
    struct Awaiter {
      Completion& c;
      bool await_ready() const noexcept { return c.value_.has_value(); }
      void await_suspend(std::coroutine_handle<> h) noexcept { c.waiter_ = h; }
      T await_resume() { return *c.value_; }
    };
    return Awaiter{*this};
  }

 private:
  std::optional<T> value_;
  std::coroutine_handle<> waiter_;
  TimerService* defer_;
  TimerService::Handle pending_ = 0;  // the deferred resume, until it runs
};

}  // namespace cvw
