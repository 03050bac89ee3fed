// media_tick: the cost of one ringback packet in the engine's 20 ms tick.
//
//   BM_EngineTick/N   one tick for N playing channels (what the timer runs);
//                     items/s is packets/s, so 1/that is the cost per packet
//   BM_RawSendto      the floor: a bare sendto() of the same 172 bytes
//
// All packets go to one sink socket on 127.0.0.1, drained outside the timed
// part. The loopback sendto() is the bulk of the cost; the difference between
// the two benchmarks is what the engine adds (header, memcpy, loop). The
// allocs_per_packet counter counts operator new calls inside the timed loop
// (expected 0).
#include <benchmark/benchmark.h>
#include <sys/socket.h>

#include <array>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <cstdlib>
#include <memory>
#include <new>
#include <vector>

#include "media/media_engine.hpp"

namespace {

std::atomic<std::uint64_t> g_allocations{0};

}  // namespace

// All three out of line, so that GCC does not see malloc()/free() meet the
// other half of the pair (-Wmismatched-new-delete): they are replaced together.
[[gnu::noinline]] void* operator new(std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
[[gnu::noinline]] void operator delete(void* p) noexcept {
  std::free(p);
}
[[gnu::noinline]] void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}

namespace {

namespace asio = boost::asio;
using asio::ip::udp;
using cvw::media::MediaChannel;
using cvw::media::MediaConfig;
using cvw::media::MediaEngine;

void drain(udp::socket& sink) {
  std::array<std::uint8_t, 2048> buffer{};
  boost::system::error_code ec;
  while (!ec) sink.receive(asio::buffer(buffer), 0, ec);
}

void BM_EngineTick(benchmark::State& state) {
  const auto channels = static_cast<std::size_t>(state.range(0));
  asio::io_context io;
  udp::socket sink(io, udp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  sink.non_blocking(true);
  sink.set_option(asio::socket_base::receive_buffer_size(8 << 20));

  MediaConfig config;
  config.port_min = 40000;
  config.port_max = 49999;
  MediaEngine engine(io, config);
  std::vector<std::unique_ptr<MediaChannel>> open;
  for (std::size_t i = 0; i < channels; ++i) {
    auto c = engine.open();
    if (!c) {
      state.SkipWithError(c.error().message.c_str());
      return;
    }
    (*c)->play_ringback(sink.local_endpoint(), i % 2 == 0 ? 0 : 8);
    open.push_back(std::move(*c));
  }
  // Builds both cycles outside the timed part, like the first real tick would.
  cvw::media::detail::send_frame_now(engine);
  drain(sink);

  std::uint64_t allocations = 0;
  for (auto _ : state) {
    const std::uint64_t before = g_allocations.load(std::memory_order_relaxed);
    cvw::media::detail::send_frame_now(engine);
    allocations += g_allocations.load(std::memory_order_relaxed) - before;
    state.PauseTiming();
    drain(sink);
    state.ResumeTiming();
  }
  const auto packets = static_cast<double>(state.iterations() * channels);
  state.SetItemsProcessed(static_cast<std::int64_t>(packets));
  state.counters["allocs_per_packet"] = static_cast<double>(allocations) / packets;
  state.counters["send_errors"] = static_cast<double>(engine.metrics().send_errors);
}
BENCHMARK(BM_EngineTick)->Arg(1)->Arg(100)->Arg(1000);

void BM_RawSendto(benchmark::State& state) {
  asio::io_context io;
  udp::socket sink(io, udp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  sink.non_blocking(true);
  sink.set_option(asio::socket_base::receive_buffer_size(8 << 20));
  udp::socket from(io, udp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  const udp::endpoint to = sink.local_endpoint();
  std::array<std::uint8_t, 172> packet{0x80};
  std::size_t sent = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(::sendto(from.native_handle(), packet.data(), packet.size(),
                                      MSG_DONTWAIT, to.data(), static_cast<socklen_t>(to.size())));
    if (++sent % 1000 == 0) {
      state.PauseTiming();
      drain(sink);
      state.ResumeTiming();
    }
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RawSendto);

}  // namespace

BENCHMARK_MAIN();
