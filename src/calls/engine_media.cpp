#include "calls/engine_media.hpp"

#include <string>

namespace cvw::calls {

namespace {

class EngineMedia final : public CallMedia {
 public:
  EngineMedia(std::unique_ptr<media::MediaChannel> phone,
              std::unique_ptr<media::MediaChannel> callee)
      : phone_(std::move(phone)),
        callee_(std::move(callee)),
        address_(phone_->address()),
        phone_port_(phone_->port()) {}
  const std::string& address() const override { return address_; }
  std::uint16_t phone_port() const override { return phone_port_; }
  std::uint16_t callee_port() const override { return callee_ ? callee_->port() : 0; }
  void play_ringback(const boost::asio::ip::udp::endpoint& to, std::uint8_t payload_type) override {
    if (phone_) phone_->play_ringback(to, payload_type);
  }
  void stop_ringback() override {
    if (phone_) phone_->stop();
  }
  void release_if_direct() override {
    if (!callee_) phone_.reset();  // the channel's destructor hands the pair back
  }
  void relay(const boost::asio::ip::udp::endpoint& phone, const boost::asio::ip::udp::endpoint& callee) override {
    if (!callee_) return;
    phone_->set_remote(phone);
    callee_->set_remote(callee);
    if (!phone_->forwarding()) {
      phone_->forward_to(callee_.get());
      callee_->forward_to(phone_.get());
    }
  }

 private:
  std::unique_ptr<media::MediaChannel> phone_;
  std::unique_ptr<media::MediaChannel> callee_;  // anchored media only
  // Kept apart from the channel, which direct media lets go once connected.
  std::string address_;
  std::uint16_t phone_port_;
};

}  // namespace

Result<std::unique_ptr<CallMedia>> open_call_media(media::MediaEngine& engine, bool anchored) {
  auto phone = engine.open();
  if (!phone) return phone.error();
  std::unique_ptr<media::MediaChannel> callee;
  if (anchored) {
    auto second = engine.open();
    if (!second) return second.error();
    callee = std::move(*second);
  }
  return std::unique_ptr<CallMedia>(std::make_unique<EngineMedia>(std::move(*phone), std::move(callee)));
}

}  // namespace cvw::calls
