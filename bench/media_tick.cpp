// media_tick: the cost of one ringback packet in the engine's 20 ms tick, and
// of one packet relayed between two channels (anchored media).
//
//   BM_EngineTick/N   one tick for N playing channels (what the timer runs);
//                     items/s is packets/s, so 1/that is the cost per packet
//   BM_RawSendto      the floor: a bare sendto() of the same 172 bytes
//   BM_Relay/N        N queued 172-byte RTP packets read and sent on by the
//                     engine's receive path (drain_rtp_now: recvfrom, check,
//                     sendto per packet, one recvfrom more for EAGAIN)
//   BM_RelayLoop/N    the same through io_context::poll(): adds what a
//                     readiness costs (epoll_wait, the handler, Asio's
//                     EPOLL_CTL_MOD re-arm), shared by the N packets read
//   BM_RawRelay/N     the floor: bare recvfrom() + sendto() per packet
//   BM_OpenRelease/P  MediaEngine::open() and the channel destroyed at once:
//                     P = 0 without the pool (socket, bind, FIONBIO, epoll
//                     ADD, close per socket), P = 1 with it and no rest (the
//                     pair reused: one EAGAIN read per socket on release and
//                     one on reuse)
//
// All packets go to one sink socket on 127.0.0.1, drained outside the timed
// part, and the relayed ones are queued on the channel outside it too. The
// loopback syscalls are the bulk of the cost; the difference from the raw
// floors is what the engine adds. The allocs_per_packet counter counts
// operator new calls inside the timed loop (expected 0).
#include <benchmark/benchmark.h>
#include <sys/socket.h>

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <memory>
#include <vector>

#include "allocation_counter.hpp"
#include "media/media_engine.hpp"

namespace {

namespace asio = boost::asio;
using asio::ip::udp;
using cvw::media::MediaChannel;
using cvw::media::MediaConfig;
using cvw::media::MediaEngine;

// Below the kernel's ephemeral ports (32768 and up), where the sink sockets
// are bound: the engine refuses a remote inside its own range.
MediaConfig bench_config() {
  MediaConfig config;
  config.port_min = 20000;
  config.port_max = 29999;
  return config;
}

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

  MediaEngine engine(io, bench_config());
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
    const std::uint64_t before = cvw::bench::allocations_so_far();
    cvw::media::detail::send_frame_now(engine);
    allocations += cvw::bench::allocations_so_far() - before;
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

// a forwards to b, b sends to the sink; `sender` plays the phone.
struct RelayPair {
  asio::io_context io;
  udp::socket sink{io, udp::endpoint(asio::ip::make_address("127.0.0.1"), 0)};
  udp::socket sender{io, udp::endpoint(asio::ip::make_address("127.0.0.1"), 0)};
  std::unique_ptr<MediaEngine> engine;
  std::unique_ptr<MediaChannel> a, b;
  udp::endpoint a_rtp;
  std::array<std::uint8_t, 172> packet{0x80};

  bool open(benchmark::State& state) {
    sink.non_blocking(true);
    sink.set_option(asio::socket_base::receive_buffer_size(8 << 20));
    engine = std::make_unique<MediaEngine>(io, bench_config());
    auto first = engine->open();
    auto second = engine->open();
    if (!first || !second) {
      state.SkipWithError((first ? second : first).error().message.c_str());
      return false;
    }
    a = std::move(*first);
    b = std::move(*second);
    b->set_remote(sink.local_endpoint());
    a->forward_to(b.get());
    a_rtp = udp::endpoint(asio::ip::make_address("127.0.0.1"), a->port());
    return true;
  }

  void queue(std::size_t packets) {
    for (std::size_t i = 0; i < packets; ++i) sender.send_to(asio::buffer(packet), a_rtp);
  }
};

void report_relay(benchmark::State& state, const RelayPair& pair, std::uint64_t allocations) {
  const auto packets = static_cast<double>(state.iterations() * state.range(0));
  state.SetItemsProcessed(static_cast<std::int64_t>(packets));
  state.counters["allocs_per_packet"] = static_cast<double>(allocations) / packets;
  state.counters["relayed_per_packet"] =
      static_cast<double>(pair.engine->metrics().packets_relayed) / packets;
  state.counters["relay_drops"] = static_cast<double>(pair.engine->metrics().relay_drops);
}

void BM_Relay(benchmark::State& state) {
  const auto batch = static_cast<std::size_t>(state.range(0));
  RelayPair pair;
  if (!pair.open(state)) return;
  std::uint64_t allocations = 0;
  for (auto _ : state) {
    state.PauseTiming();
    drain(pair.sink);
    pair.queue(batch);
    state.ResumeTiming();
    const std::uint64_t before = cvw::bench::allocations_so_far();
    cvw::media::detail::drain_rtp_now(*pair.a);
    allocations += cvw::bench::allocations_so_far() - before;
  }
  report_relay(state, pair, allocations);
}
BENCHMARK(BM_Relay)->Arg(1)->Arg(16)->Arg(64);

void BM_RelayLoop(benchmark::State& state) {
  const auto batch = static_cast<std::size_t>(state.range(0));
  RelayPair pair;
  if (!pair.open(state)) return;
  pair.io.poll();  // the socket waits are armed
  std::uint64_t allocations = 0;
  for (auto _ : state) {
    state.PauseTiming();
    drain(pair.sink);
    pair.queue(batch);
    pair.io.restart();
    state.ResumeTiming();
    const std::uint64_t before = cvw::bench::allocations_so_far();
    pair.io.poll();
    allocations += cvw::bench::allocations_so_far() - before;
  }
  report_relay(state, pair, allocations);
}
BENCHMARK(BM_RelayLoop)->Arg(1)->Arg(16)->Arg(64);

void BM_RawRelay(benchmark::State& state) {
  const auto batch = static_cast<std::size_t>(state.range(0));
  asio::io_context io;
  const auto loopback = asio::ip::make_address("127.0.0.1");
  udp::socket sink(io, udp::endpoint(loopback, 0));
  sink.non_blocking(true);
  sink.set_option(asio::socket_base::receive_buffer_size(8 << 20));
  udp::socket in(io, udp::endpoint(loopback, 0));
  udp::socket out(io, udp::endpoint(loopback, 0));
  udp::socket sender(io, udp::endpoint(loopback, 0));
  const udp::endpoint to = sink.local_endpoint();
  const udp::endpoint in_at = in.local_endpoint();
  std::array<std::uint8_t, 172> packet{0x80};
  std::array<std::uint8_t, 2049> buffer{};
  for (auto _ : state) {
    state.PauseTiming();
    drain(sink);
    for (std::size_t i = 0; i < batch; ++i) sender.send_to(asio::buffer(packet), in_at);
    state.ResumeTiming();
    for (;;) {
      sockaddr_storage from{};
      socklen_t from_size = sizeof from;
      const ssize_t n = ::recvfrom(in.native_handle(), buffer.data(), buffer.size(), MSG_DONTWAIT,
                                   reinterpret_cast<sockaddr*>(&from), &from_size);
      if (n < 0) break;
      benchmark::DoNotOptimize(::sendto(out.native_handle(), buffer.data(),
                                        static_cast<std::size_t>(n), MSG_DONTWAIT, to.data(),
                                        static_cast<socklen_t>(to.size())));
    }
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * state.range(0)));
}
BENCHMARK(BM_RawRelay)->Arg(1)->Arg(16)->Arg(64);

void BM_OpenRelease(benchmark::State& state) {
  asio::io_context io;
  MediaConfig config = bench_config();
  config.pool_pairs = state.range(0) == 0 ? 0 : 1024;
  config.pool_rest_ms = 0;
  MediaEngine engine(io, config);
  std::uint64_t allocations = 0;
  std::size_t cycles = 0;
  for (auto _ : state) {
    const std::uint64_t before = cvw::bench::allocations_so_far();
    auto channel = engine.open();
    if (!channel) {
      state.SkipWithError(channel.error().message.c_str());
      return;
    }
    channel->reset();
    allocations += cvw::bench::allocations_so_far() - before;
    // The aborted waits of closed sockets, run now and then as the loop would.
    if (++cycles % 256 == 0) {
      state.PauseTiming();
      io.restart();
      io.poll();
      state.ResumeTiming();
    }
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["allocs_per_cycle"] =
      static_cast<double>(allocations) / static_cast<double>(state.iterations());
  state.counters["reused_per_cycle"] = static_cast<double>(engine.metrics().channels_reused) /
                                       static_cast<double>(state.iterations());
}
BENCHMARK(BM_OpenRelease)->Arg(0)->Arg(1);

}  // namespace

BENCHMARK_MAIN();
