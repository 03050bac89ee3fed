#include "app/registration_store.hpp"

#include <chrono>
#include <cstdint>
#include <set>
#include <unordered_map>
#include <utility>

#include "common/log.hpp"
#include "directory/text.hpp"

namespace cvw::app {

// One row per binding. `expires` in unix seconds; `path` the Path URIs in
// order, one per line (a URI holds no raw line break). No foreign key to
// users: the AoR is the location service's key, and the daemon decides at
// load which AoRs are still users.
const std::string_view kRegistrationsSchema = R"sql(
CREATE TABLE registrations (
  aor TEXT NOT NULL,
  contact TEXT NOT NULL,
  call_id TEXT NOT NULL,
  cseq BIGINT NOT NULL,
  expires BIGINT NOT NULL,
  path TEXT NOT NULL,
  q TEXT NOT NULL,
  instance TEXT NOT NULL,
  source TEXT NOT NULL,
  user_agent TEXT NOT NULL,
  PRIMARY KEY (aor, contact)
);
)sql";

namespace {

using registrar::Binding;
using registrar::WallClock;

// Rounded up, so a restored binding never expires before the time its 200
// granted (at most a second later).
std::int64_t unix_seconds_ceil(WallClock::time_point t) {
  return std::chrono::ceil<std::chrono::seconds>(t.time_since_epoch()).count();
}
std::int64_t unix_seconds_floor(WallClock::time_point t) {
  return std::chrono::floor<std::chrono::seconds>(t.time_since_epoch()).count();
}

// The text of a REGISTER goes through directory::detail::storable_text: one
// refused row (a Latin-1 User-Agent on PostgreSQL) would fail the batch of
// everyone's bindings.
std::string join_lines(const std::vector<std::string>& lines) {
  std::string out;
  for (const std::string& line : lines) {
    if (!out.empty()) out += '\n';
    out += line;
  }
  return out;
}

std::vector<std::string> split_lines(std::string_view text) {
  std::vector<std::string> out;
  while (!text.empty()) {
    const std::size_t end = text.find('\n');
    out.emplace_back(text.substr(0, end));
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return out;
}

// One batch, inside the transaction the BatchWriter opens: each AoR's last
// snapshot replaces whatever was stored for it.
Result<void> commit_snapshots(storage::Database& db, const std::vector<RegistrationSnapshot>& batch) {
  // ON CONFLICT: two contacts made equal by storable_text() must not fail the batch.
  static constexpr std::string_view kInsert =
      "INSERT INTO registrations (aor, contact, call_id, cseq, expires, path, q, instance, source, user_agent) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (aor, contact) DO NOTHING";
  std::unordered_map<std::string_view, std::size_t> last;
  for (std::size_t i = 0; i < batch.size(); ++i) last[batch[i].aor] = i;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    const RegistrationSnapshot& snapshot = batch[i];
    if (last[snapshot.aor] != i) continue;  // a later snapshot of this AoR says more
    const std::string aor = directory::detail::storable_text(snapshot.aor);
    if (auto r = db.execute("DELETE FROM registrations WHERE aor = $1", {aor}); !r) return r.error();
    for (const Binding& b : snapshot.bindings) {
      // Built by emplace_back, as in call_history.cpp: g++ 12 at -O2 warns
      // falsely about std::variant temporaries in an initializer list.
      std::vector<storage::Param> params;
      params.reserve(10);
      params.emplace_back(aor);
      params.emplace_back(directory::detail::storable_text(b.contact));
      params.emplace_back(directory::detail::storable_text(b.call_id));
      params.emplace_back(static_cast<std::int64_t>(b.cseq));
      params.emplace_back(unix_seconds_ceil(b.expires));
      params.emplace_back(directory::detail::storable_text(join_lines(b.path)));
      params.emplace_back(directory::detail::storable_text(b.q));
      params.emplace_back(directory::detail::storable_text(b.instance));
      params.emplace_back(directory::detail::storable_text(b.source));
      params.emplace_back(directory::detail::storable_text(b.user_agent));
      if (auto r = db.execute(kInsert, params); !r) return r.error();
    }
  }
  return {};
}

}  // namespace

RegistrationStore::RegistrationStore(storage::Database& db, TimerService& timers,
                                     std::unique_ptr<storage::Database> writer, RegistrationStoreOptions options)
    : db_(db), writer_("registrations", db, timers, std::move(writer), options, commit_snapshots) {}

void RegistrationStore::save(std::string_view aor, const std::vector<registrar::Binding>& now) {
  writer_.push(RegistrationSnapshot{std::string(aor), now});
}

Result<std::size_t> RegistrationStore::load_into(registrar::LocationService& locations, WallClock::time_point now,
                                                 const std::function<bool(std::string_view aor)>& keep) {
  if (auto r = flush(); !r) return r.error();
  const std::int64_t now_s = unix_seconds_floor(now);
  // Expired while cvwd was down: no purge ran to delete them.
  auto expired = db_.execute("DELETE FROM registrations WHERE expires <= $1", {now_s});
  if (!expired) return expired.error();
  auto rows = db_.execute(
      "SELECT aor, contact, call_id, cseq, expires, path, q, instance, source, user_agent FROM registrations "
      "WHERE expires > $1 ORDER BY aor, contact",
      {now_s});
  if (!rows) return rows.error();

  std::size_t restored = 0;
  std::size_t dropped = 0;
  std::set<std::string, std::less<>> refused;
  for (const storage::Row& row : rows->rows) {
    const std::string_view aor = row.text(0);
    if (keep && !keep(aor)) {
      refused.emplace(aor);
      ++dropped;
      continue;
    }
    Binding b;
    b.contact = row.text(1);
    b.call_id = row.text(2);
    b.cseq = static_cast<std::uint32_t>(row.integer(3));
    b.expires = WallClock::time_point(std::chrono::seconds(row.integer(4)));
    b.path = split_lines(row.text(5));
    b.q = row.text(6);
    b.instance = row.text(7);
    b.source = row.text(8);
    b.user_agent = row.text(9);
    locations.restore(std::string(aor), std::move(b), now);
    ++restored;
  }
  for (const std::string& aor : refused) save(aor, {});
  if (expired->affected > 0 || restored > 0 || dropped > 0) {
    log().info("registrations: {} binding(s) restored, {} expired while stopped, {} of {} AoR(s) no longer kept",
               restored, expired->affected, dropped, refused.size());
  }
  return restored;
}

}  // namespace cvw::app
