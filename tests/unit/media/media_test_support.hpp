// What the media tests share: a loopback UDP receiver, a port-is-free check,
// a free port block finder, an RTP header reader, and an independent G.711
// decoder and Goertzel filter (written here from the ITU-T G.711 tables and
// the textbook recurrence, not taken from spandsp, so the tests do not check
// spandsp against itself).
#pragma once

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <random>
#include <span>
#include <vector>

#include "media/media_config.hpp"

namespace cvw::media::test {

namespace asio = boost::asio;
using asio::ip::udp;

inline const asio::ip::address kLoopback = asio::ip::make_address("127.0.0.1");

// io_context::run_for() stops the context when it runs out of work; each call
// here starts it again so tests can run it in slices.
inline void run_for(asio::io_context& io, std::chrono::milliseconds d) {
  io.restart();
  io.run_for(d);
}

struct Datagram {
  std::vector<std::uint8_t> bytes;
  udp::endpoint from;
};

// A socket on 127.0.0.1:<ephemeral> whose queue the test reads when it likes.
class Receiver {
 public:
  explicit Receiver(asio::io_context& io) : socket_(io, udp::endpoint(kLoopback, 0)) {
    socket_.non_blocking(true);
  }
  udp::endpoint endpoint() const { return socket_.local_endpoint(); }

  // Every datagram queued now.
  std::vector<Datagram> drain() {
    std::vector<Datagram> out;
    for (;;) {
      std::vector<std::uint8_t> buffer(2048);
      udp::endpoint from;
      boost::system::error_code ec;
      const std::size_t n = socket_.receive_from(asio::buffer(buffer), from, 0, ec);
      if (ec) return out;
      buffer.resize(n);
      out.push_back(Datagram{std::move(buffer), from});
    }
  }

  // Runs `io` in 10 ms slices until `count` datagrams have arrived or `limit` passed.
  std::vector<Datagram> collect(asio::io_context& io, std::size_t count,
                                std::chrono::milliseconds limit = std::chrono::milliseconds(2000)) {
    std::vector<Datagram> out;
    const auto end = std::chrono::steady_clock::now() + limit;
    while (out.size() < count && std::chrono::steady_clock::now() < end) {
      run_for(io, std::chrono::milliseconds(10));
      for (Datagram& d : drain()) out.push_back(std::move(d));
    }
    return out;
  }

 private:
  udp::socket socket_;
};

// Can the test bind this port of 127.0.0.1 itself? (false: somebody holds it)
inline bool bindable(std::uint16_t port) {
  asio::io_context io;
  udp::socket s(io);
  boost::system::error_code ec;
  s.open(udp::v4(), ec);
  s.bind(udp::endpoint(kLoopback, port), ec);
  return !ec;
}

// The first port of `ports` consecutive free UDP ports on 127.0.0.1, even,
// found by binding them (other test programs may run at the same time, so no
// fixed range is assumed free).
inline std::uint16_t free_even_block(unsigned ports) {
  asio::io_context io;
  std::mt19937 rng{std::random_device{}()};
  std::uniform_int_distribution<unsigned> pick(15000, 30000);
  for (int attempt = 0; attempt < 200; ++attempt) {
    const unsigned base = pick(rng) * 2;  // 30000..60000, even
    std::vector<udp::socket> held;
    bool free = true;
    for (unsigned p = base; p < base + ports && free; ++p) {
      udp::socket s(io);
      boost::system::error_code ec;
      s.open(udp::v4(), ec);
      if (!ec) s.bind(udp::endpoint(kLoopback, static_cast<std::uint16_t>(p)), ec);
      free = !ec;
      held.push_back(std::move(s));
    }
    if (free) return static_cast<std::uint16_t>(base);
  }
  return 0;
}

// A [media] configuration on 127.0.0.1 with a free block of 8 ports (four
// RTP/RTCP pairs); port_min is 0 when no block is free.
inline MediaConfig loopback_config() {
  MediaConfig config;
  const std::uint16_t base = free_even_block(8);
  config.address = kLoopback;
  config.port_min = base;
  config.port_max = static_cast<std::uint16_t>(base == 0 ? 0 : base + 7);
  return config;
}

struct RtpHeader {
  unsigned version = 0;
  bool marker = false;
  unsigned payload_type = 0;
  std::uint16_t sequence = 0;
  std::uint32_t timestamp = 0;
  std::uint32_t ssrc = 0;
};

inline RtpHeader parse_rtp(std::span<const std::uint8_t> b) {
  RtpHeader h;
  if (b.size() < 12) return h;
  h.version = b[0] >> 6;
  h.marker = (b[1] & 0x80) != 0;
  h.payload_type = b[1] & 0x7f;
  h.sequence = static_cast<std::uint16_t>(b[2] << 8 | b[3]);
  h.timestamp =
      std::uint32_t{b[4]} << 24 | std::uint32_t{b[5]} << 16 | std::uint32_t{b[6]} << 8 | b[7];
  h.ssrc =
      std::uint32_t{b[8]} << 24 | std::uint32_t{b[9]} << 16 | std::uint32_t{b[10]} << 8 | b[11];
  return h;
}

// G.711 expansion to 16-bit linear (ITU-T G.711 tables 1a and 2a).
inline std::int16_t ulaw_to_linear16(std::uint8_t code) {
  const unsigned u = ~code & 0xffu;
  int magnitude = static_cast<int>(((u & 0x0fu) << 3) + 0x84u) << ((u & 0x70u) >> 4);
  magnitude -= 0x84;
  return static_cast<std::int16_t>((u & 0x80u) ? -magnitude : magnitude);
}

inline std::int16_t alaw_to_linear16(std::uint8_t code) {
  const unsigned a = code ^ 0x55u;
  const unsigned segment = (a & 0x70u) >> 4;
  int magnitude = static_cast<int>((a & 0x0fu) << 4) + 8;
  if (segment > 0) magnitude = (magnitude + 0x100) << (segment - 1);
  return static_cast<std::int16_t>((a & 0x80u) ? magnitude : -magnitude);
}

inline std::vector<std::int16_t> decode(std::span<const std::uint8_t> payload,
                                        unsigned payload_type) {
  std::vector<std::int16_t> pcm;
  for (const std::uint8_t c : payload)
    pcm.push_back(payload_type == 0 ? ulaw_to_linear16(c) : alaw_to_linear16(c));
  return pcm;
}

// Amplitude of the `hz` component of `x` (8 kHz): |X(k)| * 2 / N. Exact for a
// sine with a whole number of periods in the block.
inline double goertzel_amplitude(std::span<const std::int16_t> x, double hz) {
  const double coeff = 2.0 * std::cos(2.0 * std::numbers::pi * hz / 8000.0);
  double s1 = 0, s2 = 0;
  for (const std::int16_t v : x) {
    const double s = v + coeff * s1 - s2;
    s2 = s1;
    s1 = s;
  }
  const double power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
  return 2.0 * std::sqrt(std::max(power, 0.0)) / static_cast<double>(x.size());
}

// dBm0 of a sine of that amplitude: G.711's full-scale sine is +3.14 dBm0 (A-law
// overload point; mu-law's +3.17 differs by less than the test's tolerance).
inline double dbm0(double amplitude) {
  return 20.0 * std::log10(amplitude / 32768.0) + 3.14;
}

// Mean power of `x`; a sine of amplitude A contributes A^2 / 2.
inline double mean_power(std::span<const std::int16_t> x) {
  double sum = 0;
  for (const std::int16_t v : x) sum += static_cast<double>(v) * v;
  return x.empty() ? 0.0 : sum / static_cast<double>(x.size());
}

// Share of the power of `x` carried by the given frequencies.
inline double share_of_power(std::span<const std::int16_t> x, std::span<const double> hz) {
  double tones = 0;
  for (const double f : hz) {
    const double a = goertzel_amplitude(x, f);
    tones += a * a / 2.0;
  }
  const double total = mean_power(x);
  return total > 0 ? tones / total : 0.0;
}

}  // namespace cvw::media::test
