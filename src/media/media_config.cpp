// Validation of the [media] section; see media_config.hpp.
#include "media/media_config.hpp"

#include <string>

namespace cvw::media {
namespace {

Error config_error(std::string message) {
  return Error{0, std::move(message)};
}

}  // namespace

Result<void> validate(const MediaConfig& config) {
  const boost::asio::ip::address& a = config.address;
  if (a.is_unspecified())
    return config_error(
        "media.address: must be a specific local address, it is written into SDP c= (got " +
        a.to_string() + ")");
  if (a.is_multicast())
    return config_error("media.address: must not be a multicast address (got " + a.to_string() +
                        ")");
  // Port 0 would ask the kernel for any port: not a port from the range.
  if (config.port_min == 0)
    return config_error("media.port_min: must be between 1 and 65535 (got 0)");
  if (config.port_min > config.port_max)
    return config_error("media.port_min: must not exceed media.port_max (got " +
                        std::to_string(config.port_min) + " > " + std::to_string(config.port_max) +
                        ")");
  if (config.port_min == config.port_max && config.port_min % 2 != 0)
    return config_error(
        "media.port_min: the range media.port_min..media.port_max holds no even port for RTP "
        "(got " +
        std::to_string(config.port_min) + ".." + std::to_string(config.port_max) + ")");
  if (config.pool_pairs > kMaxPoolPairs)
    return config_error("media.pool_pairs: must be between 0 and " + std::to_string(kMaxPoolPairs) +
                        " (got " + std::to_string(config.pool_pairs) + ")");
  if (config.pool_rest_ms > kMaxPoolRestMs)
    return config_error("media.pool_rest_ms: must be between 0 and " +
                        std::to_string(kMaxPoolRestMs) + " (got " +
                        std::to_string(config.pool_rest_ms) + ")");
  return {};
}

}  // namespace cvw::media
