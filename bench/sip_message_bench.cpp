// Message-layer figures: parse, validate and serialize a typical ~900-byte
// INVITE (tests/fixtures/sip/invite_typical.sip). Targets (issue #2):
// parse <= 1 us, serialize <= 0.5 us on one core.
//
//   cmake --preset release && cmake --build --preset release --target sip_message_bench
//   build/release/bench/sip_message_bench
#include <benchmark/benchmark.h>

#include <fstream>
#include <sstream>
#include <string>

#include "sip/header_values.hpp"
#include "sip/message.hpp"
#include "sip/validate.hpp"

namespace {

const std::string& typical_invite() {
  static const std::string bytes = [] {
    std::ifstream in(std::string(CVW_FIXTURES_DIR) + "/sip/invite_typical.sip", std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }();
  return bytes;
}

void set_bytes(benchmark::State& state) {
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * typical_invite().size()));
  state.counters["msg_bytes"] = static_cast<double>(typical_invite().size());
}

// Framing + start line + header split: what every received message costs.
void BM_Parse(benchmark::State& state) {
  const std::string& bytes = typical_invite();
  for (auto _ : state) {
    auto m = cvw::sip::Message::parse(bytes);
    benchmark::DoNotOptimize(m);
  }
  set_bytes(state);
}
BENCHMARK(BM_Parse);

// Parse plus the strict checks a UAS runs once per request (all Vias, From,
// To, Contact, Route, CSeq...).
void BM_ParseAndValidate(benchmark::State& state) {
  const std::string& bytes = typical_invite();
  for (auto _ : state) {
    auto m = cvw::sip::Message::parse(bytes);
    auto v = cvw::sip::validate_request(*m);
    benchmark::DoNotOptimize(v);
  }
  set_bytes(state);
}
BENCHMARK(BM_ParseAndValidate);

// What a stateless proxy reads: parse and the top Via's branch.
void BM_ParseTopVia(benchmark::State& state) {
  const std::string& bytes = typical_invite();
  std::string scratch;
  for (auto _ : state) {
    auto m = cvw::sip::Message::parse(bytes);
    const auto value = m->header(cvw::sip::HeaderId::Via);
    auto via = cvw::sip::parse_via(value.substr(0, cvw::sip::list_item_end(value)), scratch);
    benchmark::DoNotOptimize(via->branch());
  }
  set_bytes(state);
}
BENCHMARK(BM_ParseTopVia);

void BM_Serialize(benchmark::State& state) {
  auto m = cvw::sip::Message::parse(typical_invite());
  std::string out;
  out.reserve(4096);
  for (auto _ : state) {
    out.clear();
    m->serialize_to(out);
    benchmark::DoNotOptimize(out.data());
  }
  set_bytes(state);
}
BENCHMARK(BM_Serialize);

}  // namespace

BENCHMARK_MAIN();
