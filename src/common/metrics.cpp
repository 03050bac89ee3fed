#include "common/metrics.hpp"

#include <fmt/format.h>

namespace cvw {

void MetricsWriter::family(std::string_view name, Type type, std::string_view help) {
  fmt::format_to(std::back_inserter(out_), "# HELP {} {}\n# TYPE {} {}\n", name, help, name,
                 type == Type::Counter ? "counter" : "gauge");
}

void MetricsWriter::labels(Labels labels) {
  if (labels.size() == 0) return;
  out_ += '{';
  bool first = true;
  for (const auto& [key, value] : labels) {
    if (!first) out_ += ',';
    first = false;
    out_.append(key);
    out_ += "=\"";
    // Label values are escaped as the format requires: backslash, quote, newline.
    for (char c : value) {
      if (c == '\\' || c == '"') {
        out_ += '\\';
        out_ += c;
      } else if (c == '\n') {
        out_ += "\\n";
      } else {
        out_ += c;
      }
    }
    out_ += '"';
  }
  out_ += '}';
}

void MetricsWriter::counters(std::string_view name, std::string_view help, std::string_view label,
                             Parts parts) {
  family(name, Type::Counter, help);
  for (const auto& [value, count] : parts) sample(name, count, {{label, value}});
}

void MetricsWriter::gauge(std::string_view name, std::string_view help, std::uint64_t value) {
  family(name, Type::Gauge, help);
  sample(name, value);
}

void MetricsWriter::counter(std::string_view name, std::string_view help, std::uint64_t value) {
  family(name, Type::Counter, help);
  sample(name, value);
}

void MetricsWriter::sample(std::string_view name, std::uint64_t value, Labels l) {
  out_.append(name);
  labels(l);
  fmt::format_to(std::back_inserter(out_), " {}\n", value);
}

void MetricsWriter::sample(std::string_view name, double value, Labels l) {
  out_.append(name);
  labels(l);
  fmt::format_to(std::back_inserter(out_), " {}\n", value);
}

std::string MetricsRegistry::render() const {
  MetricsWriter writer;
  for (const auto& collect : collectors_) collect(writer);
  return std::move(writer.text());
}

}  // namespace cvw
