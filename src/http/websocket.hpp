// An accepted WebSocket (RFC 6455) as the application sees it: text frames
// out in order, text frames in, one close notification. The transport under
// it (plain TCP or TLS) is the server's business.
//
// Lifetime: the server keeps the socket alive while it is open. Callbacks must
// not capture a shared_ptr to the socket itself (that would keep a closed
// socket alive forever): capture a weak_ptr or an id.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace cvw::http {

class WebSocket {
 public:
  virtual ~WebSocket() = default;

  // Queues a text frame. A peer that lets more than kMaxQueued frames pile up
  // is too slow to keep: the socket is closed (1008) rather than let memory grow.
  virtual void send(std::string text) = 0;
  // Sends a close frame (1000) after what is queued; on_close follows.
  virtual void close() = 0;
  virtual bool open() const = 0;

  void on_message(std::function<void(std::string_view)> handler) { on_message_ = std::move(handler); }
  void on_close(std::function<void()> handler) { on_close_ = std::move(handler); }

  static constexpr std::size_t kMaxQueued = 1024;

 protected:
  std::function<void(std::string_view)> on_message_;
  std::function<void()> on_close_;
};

}  // namespace cvw::http
