// Logging: spdlog behind one init function so sinks and format are chosen
// once at startup. Layers log through cvw::log(); nothing else opens sinks.
#pragma once

#include <spdlog/spdlog.h>

#include <string_view>

namespace cvw {

// Text for people at a terminal; JSON lines ({"ts","level","msg"}) for log
// shippers (journald, Loki, Elasticsearch) that should not parse free text.
enum class LogFormat { Text, Json };

// Installs the process-wide logger writing to stderr. Call once from main().
void init_logging(spdlog::level::level_enum level, LogFormat format = LogFormat::Text);

// Changes the level at run time (SIGHUP reload).
void set_log_level(spdlog::level::level_enum level);

// Appends `text` to `out` escaped for a JSON string (RFC 8259 §7).
void append_json_escaped(std::string& out, std::string_view text);
// `text` as a JSON string, quotes included: a value quoted in an error
// message or a JSON report.
std::string json_quoted(std::string_view text);

inline spdlog::logger& log() { return *spdlog::default_logger_raw(); }

}  // namespace cvw
