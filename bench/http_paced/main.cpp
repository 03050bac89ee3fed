// http_paced: open-loop (paced) HTTP/1.1 load with latency corrected for
// coordinated omission, for targets such as issue #3's "GET /api/v1/me:
// p99 < 5 ms at 10,000 requests/s, keep-alive".
//
//   http_paced --port=PORT --rate=10000 --token=TOKEN [--path=/api/v1/me]
//              [--connections=50] [--duration=10] [--warmup=2] [--timeout=2] [--json]
//
// Why our own client: wrk is closed-loop (a connection sends its next
// request only when the last response is in), so a server that stalls is
// sent less and its stall is one slow sample instead of every request that
// should have gone out meanwhile; wrk2, which paces, is not packaged in
// Debian 12. See paced_client.hpp for the model.
//
// One thread; pin it to a core of its own (taskset) away from the server.
// Exit 0 when at least 95 % of the rate was held and no request failed, 1
// otherwise, 2 for bad arguments or when the connections cannot be opened.
#include <cstdio>

#include "options.hpp"
#include "paced_client.hpp"
#include "report.hpp"

int main(int argc, char** argv) {
  auto options = cvw::bench::parse_options(argc, argv);
  if (!options) {
    std::fprintf(stderr, "http_paced: %s\n%s", options.error().message.c_str(), cvw::bench::kUsage);
    return 2;
  }
  auto result = cvw::bench::run_paced(*options);
  if (!result) {
    std::fprintf(stderr, "http_paced: %s\n", result.error().message.c_str());
    return 2;
  }
  if (options->json) {
    cvw::bench::print_json(stdout, *options, *result);
  } else {
    cvw::bench::print_table(stdout, *options, *result);
  }
  return cvw::bench::rate_held(*options, *result) && cvw::bench::failed(*result) == 0 ? 0 : 1;
}
