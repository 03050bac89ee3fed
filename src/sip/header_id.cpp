#include "sip/header_id.hpp"

#include <array>
#include <cstddef>

namespace cvw::sip {
namespace {

struct Entry {
  std::string_view name;  // canonical long form
  char compact;           // 0 when the header has no compact form
};

// Indexed by HeaderId; order must match the enum.
constexpr std::array<Entry, static_cast<std::size_t>(HeaderId::kCount)> kHeaders = {{
    {"", 0},
    {"Accept", 0},
    {"Accept-Contact", 'a'},
    {"Allow-Events", 'u'},
    {"Allow", 0},
    {"Alert-Info", 0},
    {"Answer-Mode", 0},
    {"Authorization", 0},
    {"Call-ID", 'i'},
    {"Call-Info", 0},
    {"Contact", 'm'},
    {"Content-Disposition", 0},
    {"Content-Encoding", 'e'},
    {"Content-Length", 'l'},
    {"Content-Type", 'c'},
    {"CSeq", 0},
    {"Date", 0},
    {"Event", 'o'},
    {"Expires", 0},
    {"From", 'f'},
    {"Max-Forwards", 0},
    {"Min-Expires", 0},
    {"Min-SE", 0},
    {"P-Asserted-Identity", 0},
    {"P-Preferred-Identity", 0},
    {"Privacy", 0},
    {"Proxy-Authenticate", 0},
    {"Proxy-Authorization", 0},
    {"Proxy-Require", 0},
    {"RAck", 0},
    {"Reason", 0},
    {"Record-Route", 0},
    {"Refer-To", 'r'},
    {"Referred-By", 'b'},
    {"Replaces", 0},
    {"Require", 0},
    {"Retry-After", 0},
    {"Route", 0},
    {"RSeq", 0},
    {"Server", 0},
    {"Session-Expires", 'x'},
    {"Subject", 's'},
    {"Subscription-State", 0},
    {"Supported", 'k'},
    {"Timestamp", 0},
    {"To", 't'},
    {"Unsupported", 0},
    {"User-Agent", 0},
    {"Via", 'v'},
    {"Warning", 0},
    {"WWW-Authenticate", 0},
}};

constexpr char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

// Buckets by (length, lower-case first letter) so a lookup compares against
// one or two candidates: this runs for every header line of every message.
struct Index {
  static constexpr std::size_t kMaxLen = 24;
  std::array<std::array<std::array<std::uint8_t, 3>, 26>, kMaxLen + 1> slots{};
  std::array<HeaderId, 26> compact{};
  std::array<std::array<char, kMaxLen>, kHeaders.size()> lower_names{};

  constexpr Index() {
    for (std::size_t id = 1; id < kHeaders.size(); ++id) {
      const Entry& e = kHeaders[id];
      for (std::size_t i = 0; i < e.name.size(); ++i) lower_names[id][i] = lower(e.name[i]);
      auto& bucket = slots[e.name.size()][static_cast<std::size_t>(lower(e.name[0]) - 'a')];
      bool placed = false;
      for (auto& s : bucket) {
        if (s == 0) {
          s = static_cast<std::uint8_t>(id);
          placed = true;
          break;
        }
      }
      if (!placed) throw "header index bucket full: widen the bucket";  // compile-time error
      if (e.compact != 0) compact[static_cast<std::size_t>(e.compact - 'a')] = static_cast<HeaderId>(id);
    }
  }
};

constexpr Index kIndex{};

}  // namespace

HeaderId header_id(std::string_view name) {
  if (name.empty() || name.size() > Index::kMaxLen) return HeaderId::Other;
  const char first = lower(name[0]);
  if (first < 'a' || first > 'z') return HeaderId::Other;
  const auto letter = static_cast<std::size_t>(first - 'a');
  if (name.size() == 1) return kIndex.compact[letter];
  for (std::uint8_t id : kIndex.slots[name.size()][letter]) {
    if (id == 0) break;
    // Header names are tokens: OR-ing 0x20 lower-cases letters and leaves
    // every other token character unequal to a lower-case letter or '-'.
    const auto& ref = kIndex.lower_names[id];
    std::size_t i = 1;
    while (i < name.size() && static_cast<char>(name[i] | 0x20) == ref[i]) ++i;
    if (i == name.size()) return static_cast<HeaderId>(id);
  }
  return HeaderId::Other;
}

std::string_view header_name(HeaderId id) { return kHeaders[static_cast<std::size_t>(id)].name; }

}  // namespace cvw::sip
