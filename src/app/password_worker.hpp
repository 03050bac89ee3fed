// argon2id off the event loop. Hashing or verifying a password costs tens of
// milliseconds of CPU and 19 MiB of memory by design; on the event-loop
// thread that would stall SIP and every other HTTP client. A small pool does
// the work and posts the answer back to the loop.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>

#include <functional>
#include <string>

#include "directory/password.hpp"

namespace cvw::app {

class PasswordWorker {
 public:
  PasswordWorker(boost::asio::io_context& io, directory::PasswordCost cost, std::size_t threads = 1);
  ~PasswordWorker();

  // `done` runs on the event loop.
  void hash(std::string password, std::function<void(std::string encoded)> done);
  // An empty `encoded` (unknown user) is checked against a dummy hash of the
  // same cost, so the answer takes as long as for a real account.
  void verify(std::string password, std::string encoded, std::function<void(bool)> done);

  const directory::PasswordCost& cost() const { return cost_; }

 private:
  boost::asio::io_context& io_;
  directory::PasswordCost cost_;
  std::string dummy_hash_;
  boost::asio::thread_pool pool_;
};

}  // namespace cvw::app
