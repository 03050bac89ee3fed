#include "calls/engine_ringback.hpp"

namespace cvw::calls {

namespace {

class EngineRingback final : public Ringback {
 public:
  explicit EngineRingback(std::unique_ptr<media::MediaChannel> channel) : channel_(std::move(channel)) {}
  const std::string& address() const override { return channel_->address(); }
  std::uint16_t port() const override { return channel_->port(); }
  void play(const boost::asio::ip::udp::endpoint& to, std::uint8_t payload_type) override {
    channel_->play_ringback(to, payload_type);
  }
  void stop() override { channel_->stop(); }

 private:
  std::unique_ptr<media::MediaChannel> channel_;
};

}  // namespace

Result<std::unique_ptr<Ringback>> open_ringback(media::MediaEngine& engine) {
  auto channel = engine.open();
  if (!channel) return channel.error();
  return std::unique_ptr<Ringback>(std::make_unique<EngineRingback>(std::move(*channel)));
}

}  // namespace cvw::calls
