// Prometheus metrics: the exposition text is written on demand from the
// counters each layer already keeps (TransportMetrics, TransactionMetrics,
// the HTTP server's counters...). Nothing is registered per message: a layer
// adds one collector at startup and keeps incrementing its plain integers, so
// the hot paths pay nothing for /metrics. Everything runs on the event-loop
// thread, which is also where /metrics is rendered, so no atomics are needed.
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cvw {

// Writes the Prometheus text exposition format (version 0.0.4).
class MetricsWriter {
 public:
  using Labels = std::initializer_list<std::pair<std::string_view, std::string_view>>;
  enum class Type { Counter, Gauge };

  // Starts a metric family: its # HELP and # TYPE lines. Call once per name,
  // then sample() it as often as it has label sets.
  void family(std::string_view name, Type type, std::string_view help);
  void sample(std::string_view name, std::uint64_t value, Labels labels = {});
  void sample(std::string_view name, double value, Labels labels = {});
  // A whole counter family split by one label, the usual shape of an outcome
  // counter: counters("cvw_x_total", "Help.", "outcome", {{"written", w}, {"failed", f}}).
  using Parts = std::initializer_list<std::pair<std::string_view, std::uint64_t>>;
  void counters(std::string_view name, std::string_view help, std::string_view label, Parts parts);
  // A family of one sample without labels: the usual shape of a gauge or a
  // plain counter.
  void gauge(std::string_view name, std::string_view help, std::uint64_t value);
  void counter(std::string_view name, std::string_view help, std::uint64_t value);

  std::string& text() { return out_; }

 private:
  void labels(Labels labels);
  std::string out_;
};

class MetricsRegistry {
 public:
  using Collector = std::function<void(MetricsWriter&)>;
  void add(Collector collector) { collectors_.push_back(std::move(collector)); }
  std::string render() const;

 private:
  std::vector<Collector> collectors_;
};

}  // namespace cvw
