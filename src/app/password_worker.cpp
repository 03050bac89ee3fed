#include "app/password_worker.hpp"

#include <boost/asio/post.hpp>

namespace cvw::app {

PasswordWorker::PasswordWorker(boost::asio::io_context& io, directory::PasswordCost cost, std::size_t threads)
    : io_(io), cost_(cost), dummy_hash_(directory::hash_password("not a password of anyone", cost)), pool_(threads) {}

PasswordWorker::~PasswordWorker() {
  pool_.stop();
  pool_.join();
}

void PasswordWorker::hash(std::string password, std::function<void(std::string)> done) {
  boost::asio::post(pool_, [this, password = std::move(password), done = std::move(done)]() mutable {
    std::string encoded = directory::hash_password(password, cost_);
    boost::asio::post(io_, [encoded = std::move(encoded), done = std::move(done)]() mutable { done(std::move(encoded)); });
  });
}

void PasswordWorker::verify(std::string password, std::string encoded, std::function<void(bool)> done) {
  boost::asio::post(pool_, [this, password = std::move(password), encoded = std::move(encoded),
                            done = std::move(done)]() mutable {
    const bool real = !encoded.empty();
    const bool ok = directory::verify_password(password, real ? encoded : dummy_hash_) && real;
    boost::asio::post(io_, [ok, done = std::move(done)]() mutable { done(ok); });
  });
}

}  // namespace cvw::app
