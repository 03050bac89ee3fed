// The fixed RTP header (RFC 3550 §5.1) of the packets cvw sends: version 2,
// no padding, no extension, no CSRC.
#pragma once

#include <cstddef>
#include <cstdint>

namespace cvw::media::rtp {

inline constexpr std::size_t kHeaderBytes = 12;
inline constexpr std::uint8_t kVersion = 2;

struct Header {
  bool marker = false;
  std::uint8_t payload_type = 0;
  std::uint16_t sequence = 0;
  std::uint32_t timestamp = 0;
  std::uint32_t ssrc = 0;
};

// Writes the 12 bytes in network order at `out`.
inline void write_header(const Header& h, std::uint8_t* out) {
  out[0] = static_cast<std::uint8_t>(kVersion << 6);
  out[1] = static_cast<std::uint8_t>((h.marker ? 0x80u : 0u) | (h.payload_type & 0x7fu));
  out[2] = static_cast<std::uint8_t>(h.sequence >> 8);
  out[3] = static_cast<std::uint8_t>(h.sequence);
  out[4] = static_cast<std::uint8_t>(h.timestamp >> 24);
  out[5] = static_cast<std::uint8_t>(h.timestamp >> 16);
  out[6] = static_cast<std::uint8_t>(h.timestamp >> 8);
  out[7] = static_cast<std::uint8_t>(h.timestamp);
  out[8] = static_cast<std::uint8_t>(h.ssrc >> 24);
  out[9] = static_cast<std::uint8_t>(h.ssrc >> 16);
  out[10] = static_cast<std::uint8_t>(h.ssrc >> 8);
  out[11] = static_cast<std::uint8_t>(h.ssrc);
}

}  // namespace cvw::media::rtp
