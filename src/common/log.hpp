// Logging: spdlog behind one init function so sinks and format are chosen
// once at startup. Layers log through cvw::log(); nothing else opens sinks.
#pragma once

#include <spdlog/spdlog.h>

namespace cvw {

// Installs the process-wide logger writing to stderr. Call once from main().
void init_logging(spdlog::level::level_enum level);

inline spdlog::logger& log() { return *spdlog::default_logger_raw(); }

}  // namespace cvw
