#include "app/password_worker.hpp"

#include <boost/asio/post.hpp>

#include "common/background_thread.hpp"

namespace cvw::app {

namespace {
// The pool's threads are Asio's: each marks itself on its first job.
void mark_password_thread() {
  thread_local const bool marked = (make_this_a_background_thread("password-hash"), true);
  (void)marked;
}
}  // namespace

PasswordWorker::PasswordWorker(boost::asio::io_context& io, directory::PasswordCost cost,
                               std::size_t threads)
    : io_(io),
      cost_(cost),
      dummy_hash_(directory::hash_password("not a password of anyone", cost)),
      pool_(threads) {
  // Named and lowered before the first login, so top -H is right from the
  // start (a thread that misses these is marked by its first job).
  for (std::size_t i = 0; i < threads; ++i) boost::asio::post(pool_, mark_password_thread);
}

PasswordWorker::~PasswordWorker() {
  pool_.stop();
  pool_.join();
}

void PasswordWorker::hash(std::string password, std::function<void(std::string)> done) {
  boost::asio::post(pool_, [this, password = std::move(password),
                            done = std::move(done)]() mutable {
    mark_password_thread();
    std::string encoded = directory::hash_password(password, cost_);
    boost::asio::post(io_, [encoded = std::move(encoded), done = std::move(done)]() mutable { done(std::move(encoded)); });
  });
}

void PasswordWorker::verify(std::string password, std::string encoded, std::function<void(bool)> done) {
  boost::asio::post(pool_, [this, password = std::move(password), encoded = std::move(encoded),
                            done = std::move(done)]() mutable {
    mark_password_thread();
    const bool real = !encoded.empty();
    const bool ok = directory::verify_password(password, real ? encoded : dummy_hash_) && real;
    boost::asio::post(io_, [ok, done = std::move(done)]() mutable { done(ok); });
  });
}

}  // namespace cvw::app
