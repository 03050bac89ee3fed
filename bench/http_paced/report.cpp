#include "report.hpp"

#include "common/log.hpp"

#include <string>

namespace cvw::bench {

namespace {

struct Row {
  std::int64_t p50, p90, p99, p999, max;
};

Row row(const LatencyHistogram& h) {
  return {h.percentile_us(50), h.percentile_us(90), h.percentile_us(99), h.percentile_us(99.9),
          h.count() > 0 ? h.max_ns() / 1000 : 0};
}


std::string json_row(const LatencyHistogram& h) {
  const Row x = row(h);
  char text[160];
  std::snprintf(text, sizeof text, "{\"p50\":%lld,\"p90\":%lld,\"p99\":%lld,\"p99_9\":%lld,\"max\":%lld}",
                static_cast<long long>(x.p50), static_cast<long long>(x.p90), static_cast<long long>(x.p99),
                static_cast<long long>(x.p999), static_cast<long long>(x.max));
  return text;
}

void print_row(std::FILE* out, const char* name, const LatencyHistogram& h, const char* note) {
  const Row x = row(h);
  std::fprintf(out, "  %-15s %9lld %9lld %9lld %9lld %9lld   %s\n", name, static_cast<long long>(x.p50),
               static_cast<long long>(x.p90), static_cast<long long>(x.p99), static_cast<long long>(x.p999),
               static_cast<long long>(x.max), note);
}

}  // namespace

std::uint64_t failed(const RunResult& r) { return r.non_200 + r.errors + r.timeouts; }

bool rate_held(const Options& o, const RunResult& r) {
  return r.rate_achieved >= kRateHeld * static_cast<double>(o.rate);
}

void print_table(std::FILE* out, const Options& o, const RunResult& r) {
  std::fprintf(out, "http_paced: GET %s on %s port %u, %zu connections, %g s measured after %g s warm-up, timeout %g s\n",
               o.path.c_str(), o.address.to_string().c_str(), static_cast<unsigned>(o.port), o.connections,
               o.duration_s, o.warmup_s, o.timeout_s);
  std::fprintf(out, "  rate asked     %10llu /s\n", static_cast<unsigned long long>(o.rate));
  std::fprintf(out, "  rate achieved  %12.1f /s  (%.1f %%: 200s received in the window per second)\n",
               r.rate_achieved, 100.0 * r.rate_achieved / static_cast<double>(o.rate));
  std::fprintf(out, "  requests       %10llu due in the window: %llu ok, %llu failed (non-200 %llu, errors %llu, timeouts %llu)\n",
               static_cast<unsigned long long>(r.asked), static_cast<unsigned long long>(r.ok),
               static_cast<unsigned long long>(failed(r)), static_cast<unsigned long long>(r.non_200),
               static_cast<unsigned long long>(r.errors), static_cast<unsigned long long>(r.timeouts));
  std::fprintf(out, "  latency in µs         p50       p90       p99     p99.9       max\n");
  print_row(out, "from due time", r.latency, "<- the figure: includes waiting for the schedule's slot");
  print_row(out, "from write", r.service, "   what a closed-loop tool (wrk) would report");
  print_row(out, "start lag", r.start_lag, "   due time -> written (client timer, no free connection)");
  std::fprintf(out, "  most requests waiting for a free connection at once: %llu; reconnects: %llu\n",
               static_cast<unsigned long long>(r.most_waiting), static_cast<unsigned long long>(r.reconnects));
  std::fprintf(out, "  client CPU     %10.1f %% of one core\n", r.client_cpu_percent);
  if (r.first_bad_status != 0) std::fprintf(out, "  first non-200 status: %d\n", r.first_bad_status);
  if (!r.first_error.empty()) std::fprintf(out, "  first error: %s\n", r.first_error.c_str());
  if (r.warmup_failed != 0)
    std::fprintf(out, "  NOTE: %llu warm-up requests failed (not counted above)\n",
                 static_cast<unsigned long long>(r.warmup_failed));
  // The client shares nothing with the server but it is one thread: past
  // most of its core its own queueing shows up as start lag.
  if (r.client_cpu_percent > 80)
    std::fprintf(out, "  NOTE: the client used %.0f %% of its core; its own delays may be in the figures\n",
                 r.client_cpu_percent);
  const bool held = rate_held(o, r);
  if (held && failed(r) == 0) {
    std::fprintf(out, "  result: rate held, no request failed\n");
  } else {
    std::fprintf(out, "  result: FAILED:%s%s\n", held ? "" : " below 95 % of the asked rate;",
                 failed(r) == 0 ? "" : " requests failed");
  }
}

void print_json(std::FILE* out, const Options& o, const RunResult& r) {
  std::fprintf(out,
               "{\"path\":%s,\"port\":%u,\"connections\":%zu,\"duration_s\":%g,\"warmup_s\":%g,\"timeout_s\":%g,"
               "\"rate_asked\":%llu,\"rate_achieved\":%.1f,\"requests\":%llu,\"ok\":%llu,\"failed\":%llu,"
               "\"non_200\":%llu,\"errors\":%llu,\"timeouts\":%llu,\"latency_us\":%s,\"service_us\":%s,"
               "\"start_lag_us\":%s,\"most_waiting\":%llu,\"reconnects\":%llu,\"warmup_failed\":%llu,"
               "\"client_cpu_percent\":%.1f,\"first_bad_status\":%d,\"first_error\":%s,\"passed\":%s}\n",
               json_quoted(o.path).c_str(), static_cast<unsigned>(o.port), o.connections, o.duration_s, o.warmup_s,
               o.timeout_s, static_cast<unsigned long long>(o.rate), r.rate_achieved,
               static_cast<unsigned long long>(r.asked), static_cast<unsigned long long>(r.ok),
               static_cast<unsigned long long>(failed(r)), static_cast<unsigned long long>(r.non_200),
               static_cast<unsigned long long>(r.errors), static_cast<unsigned long long>(r.timeouts),
               json_row(r.latency).c_str(), json_row(r.service).c_str(), json_row(r.start_lag).c_str(),
               static_cast<unsigned long long>(r.most_waiting), static_cast<unsigned long long>(r.reconnects),
               static_cast<unsigned long long>(r.warmup_failed), r.client_cpu_percent, r.first_bad_status,
               json_quoted(r.first_error).c_str(), rate_held(o, r) && failed(r) == 0 ? "true" : "false");
}

}  // namespace cvw::bench
