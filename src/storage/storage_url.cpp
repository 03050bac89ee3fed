// Storage URL parsing and password redaction; see storage_url.hpp.
#include "storage/storage_url.hpp"

#include <algorithm>
#include <cstddef>
#include <vector>

namespace cvw::storage {
namespace {

struct Range {
  std::size_t begin;
  std::size_t size;
};

// Where the passwords sit in `url`: in the user info and in a password=
// query parameter (libpq accepts both). A URL written without "//"
// ("user:secret@host") is read the same way, so that even a mistyped one is
// never quoted with its password.
std::vector<Range> password_ranges(std::string_view url) {
  std::vector<Range> out;
  const std::size_t scheme_end = url.find("://");
  const std::size_t start = scheme_end == std::string_view::npos ? 0 : scheme_end + 3;
  const std::size_t query = url.find('?', start);
  const std::string_view head =
      url.substr(start, query == std::string_view::npos ? query : query - start);
  // The last '@' before the query ends the user info, so a password written
  // with an unencoded '@' or '/' is still hidden whole.
  const std::size_t at = head.rfind('@');
  const std::size_t colon = head.find(':');
  if (at != std::string_view::npos && colon < at)
    out.push_back({start + colon + 1, at - colon - 1});
  if (query == std::string_view::npos) return out;
  constexpr std::string_view kKey = "password=";
  for (std::size_t pos = query + 1; pos <= url.size();) {
    std::size_t amp = url.find('&', pos);
    if (amp == std::string_view::npos) amp = url.size();
    if (url.substr(pos, amp - pos).starts_with(kKey))
      out.push_back({pos + kKey.size(), amp - pos - kKey.size()});
    pos = amp + 1;
  }
  return out;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// %XX sequences decoded; anything malformed is kept as written.
std::string percent_decoded(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      const int high = hex_value(text[i + 1]);
      const int low = hex_value(text[i + 2]);
      if (high >= 0 && low >= 0) {
        out += static_cast<char>(high * 16 + low);
        i += 2;
        continue;
      }
    }
    out += text[i];
  }
  return out;
}

void replace_all(std::string& text, std::string_view what, std::string_view with) {
  if (what.empty()) return;
  for (std::size_t pos = text.find(what); pos != std::string::npos;
       pos = text.find(what, pos + with.size()))
    text.replace(pos, what.size(), with);
}

Error url_error(std::string_view url, std::string_view problem) {
  return Error{500, "storage URL '" + redact_url(url) + "': " + std::string(problem)};
}

Result<StorageUrl> parse_sqlite(std::string_view url) {
  std::string_view path = url.substr(std::string_view("sqlite:").size());
  if (path == ":memory:") return StorageUrl{StorageUrl::Backend::sqlite, ":memory:"};
  if (path.starts_with("//")) {
    // sqlite:///abs/path: an empty host, then the absolute path.
    path.remove_prefix(2);
    if (!path.empty() && !path.starts_with('/'))
      return url_error(
          url,
          "a host is not allowed; write sqlite:///absolute/path.db or sqlite:relative/path.db");
  }
  if (path.empty())
    return url_error(url, "empty database path (write sqlite:PATH or sqlite::memory:)");
  if (path.find('?') != std::string_view::npos)
    return url_error(url, "sqlite URLs take no parameters ('?' in the path)");
  if (path.find('\0') != std::string_view::npos) return url_error(url, "NUL byte in the path");
  return StorageUrl{StorageUrl::Backend::sqlite, std::string(path)};
}

}  // namespace

std::string redact_url(std::string_view url) {
  std::string out(url);
  std::vector<Range> ranges = password_ranges(url);
  // From the back, so earlier positions stay valid.
  std::sort(ranges.begin(), ranges.end(),
            [](const Range& a, const Range& b) { return a.begin > b.begin; });
  for (const Range& r : ranges)
    if (r.size > 0) out.replace(r.begin, r.size, "***");
  return out;
}

std::string hide_password(std::string message, std::string_view url) {
  for (const Range& r : password_ranges(url)) {
    const std::string_view raw = url.substr(r.begin, r.size);
    const std::string decoded = percent_decoded(raw);
    replace_all(message, raw, "***");
    replace_all(message, decoded, "***");
  }
  return message;
}

Result<StorageUrl> parse_storage_url(std::string_view url) {
  if (url.empty())
    return Error{500, "storage URL is empty (expected sqlite:PATH or postgresql://...)"};
  const std::size_t colon = url.find(':');
  if (colon == std::string_view::npos || colon == 0)
    return url_error(url, "no scheme (expected sqlite:PATH, sqlite::memory: or postgresql://...)");
  const std::string_view scheme = url.substr(0, colon);
  if (scheme == "sqlite") return parse_sqlite(url);
  if (scheme == "postgresql" || scheme == "postgres") {
    if (url.substr(colon + 1).substr(0, 2) != "//")
      return url_error(url, "expected " + std::string(scheme) +
                                "://[user[:password]@][host][:port][/dbname][?params]");
    return StorageUrl{StorageUrl::Backend::postgresql, std::string(url)};
  }
  return url_error(url, "unknown scheme '" + std::string(scheme) +
                            "' (expected sqlite:, postgresql:// or postgres://)");
}

}  // namespace cvw::storage
