// Random tokens for tags, branches and Call-IDs (RFC 3261 §19.3: "at least
// 32 bits of randomness"). One generator per thread, seeded from the OS.
#pragma once

#include <cstdint>
#include <random>
#include <string>

namespace cvw {

inline std::mt19937_64& random_engine() {
  thread_local std::mt19937_64 engine{std::random_device{}()};
  return engine;
}

// `length` characters from [0-9a-z]: about 5.2 bits each.
inline std::string random_token(std::size_t length = 16) {
  static constexpr char kAlphabet[] = "0123456789abcdefghijklmnopqrstuvwxyz";
  std::string out(length, '0');
  std::uint64_t bits = 0;
  for (std::size_t i = 0; i < length; ++i) {
    if (i % 12 == 0) bits = random_engine()();
    out[i] = kAlphabet[bits % 36];
    bits /= 36;
  }
  return out;
}

}  // namespace cvw
