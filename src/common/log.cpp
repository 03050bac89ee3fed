#include "common/log.hpp"

#include <spdlog/sinks/stdout_sinks.h>

namespace cvw {

void init_logging(spdlog::level::level_enum level) {
  auto logger = spdlog::stderr_logger_mt("cvw");
  logger->set_pattern("%Y-%m-%d %H:%M:%S.%e %^%-5l%$ %v");
  logger->set_level(level);
  spdlog::set_default_logger(logger);
}

}  // namespace cvw
