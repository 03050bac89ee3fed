#include "app/call_history.hpp"

#include <utility>

#include "common/log.hpp"
#include "directory/csv.hpp"
#include "directory/user.hpp"
#include "events/event_json.hpp"

namespace cvw::app {

const std::string_view kCallHistorySchema = R"sql(
CREATE TABLE call_history (
  id TEXT PRIMARY KEY,
  user_key TEXT NOT NULL REFERENCES users(sip_key) ON DELETE CASCADE,
  owner TEXT NOT NULL,
  to_text TEXT NOT NULL,
  target_kind TEXT NOT NULL,
  target_uri TEXT NOT NULL,
  target_number TEXT NOT NULL,
  phone_number TEXT NOT NULL,
  operation_id TEXT,
  subject TEXT,
  started_at BIGINT NOT NULL,
  connected_at BIGINT,
  ended_at BIGINT NOT NULL,
  reason TEXT NOT NULL,
  reason_by TEXT NOT NULL,
  sip_status INTEGER NOT NULL,
  message TEXT NOT NULL
);
CREATE INDEX call_history_user ON call_history(user_key, ended_at);
)sql";

// One column per ALTER TABLE: SQLite adds no more at a time. NULL for the
// calls that were not transferred, and for every call written before.
const std::string_view kCallHistoryTransfersSchema = R"sql(
ALTER TABLE call_history ADD COLUMN transfer_kind TEXT;
ALTER TABLE call_history ADD COLUMN transferred_to TEXT;
)sql";

// Migration 7: incoming calls (issue #5) in the same history. Calls written
// before were all click-to-calls.
const std::string_view kCallHistoryIncomingSchema = R"sql(
ALTER TABLE call_history ADD COLUMN direction TEXT NOT NULL DEFAULT 'outgoing';
ALTER TABLE call_history ADD COLUMN caller TEXT;
ALTER TABLE call_history ADD COLUMN answered_on TEXT;
)sql";

namespace {

using calls::Clock;

std::int64_t unix_ms(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}
Clock::time_point from_unix_ms(std::int64_t ms) { return Clock::time_point(std::chrono::milliseconds(ms)); }

storage::Param optional_text(const std::optional<std::string>& v) {
  return v ? storage::Param(*v) : storage::Param(std::monostate{});
}
storage::Param text_or_null(const std::string& v) {
  return v.empty() ? storage::Param(std::monostate{}) : storage::Param(v);
}

// Names back to enums: the history only holds what to_string() wrote.
template <typename E>
E enum_from(std::string_view name, E last, E fallback) {
  for (std::size_t i = 0; i <= static_cast<std::size_t>(last); ++i) {
    if (calls::to_string(static_cast<E>(i)) == name) return static_cast<E>(i);
  }
  return fallback;
}

// The one way a batch is written, whichever thread commits it (inside the
// batch's transaction, which the BatchWriter opens).
Result<void> commit_batch(storage::Database& db, const std::vector<calls::CallInfo>& batch) {
  // INSERT ... SELECT ... WHERE EXISTS: a call of a user deleted meanwhile
  // is skipped instead of failing the whole batch on the foreign key.
  static constexpr std::string_view kInsert =
      "INSERT INTO call_history (id, user_key, owner, to_text, target_kind, target_uri, target_number, "
      "phone_number, operation_id, subject, started_at, connected_at, ended_at, reason, reason_by, sip_status, "
      "message, transfer_kind, transferred_to, direction, caller, answered_on) SELECT $1, $2, $3, $4, $5, $6, $7, "
      "$8, $9, $10, CAST($11 AS BIGINT), CAST($12 AS BIGINT), CAST($13 AS BIGINT), $14, $15, CAST($16 AS INTEGER), "
      "$17, $18, $19, $20, $21, $22 WHERE EXISTS (SELECT 1 FROM users WHERE sip_key = $2)";
  for (const calls::CallInfo& c : batch) {
    const calls::EndReason reason = c.reason.value_or(calls::EndReason{});
    // Built by emplace_back: g++ 12 at -O2 warns falsely (-Wmaybe-uninitialized)
    // about a std::variant temporary copied into an initializer list.
    std::vector<storage::Param> params;
    params.reserve(22);
    params.emplace_back(c.id);
    params.emplace_back(directory::sip_uri_key(c.owner));
    params.emplace_back(c.owner);
    params.emplace_back(c.to);
    params.emplace_back(std::string(calls::to_string(c.target_kind)));
    params.emplace_back(c.target_uri);
    params.emplace_back(c.target_number);
    params.emplace_back(c.phone_number);
    params.push_back(optional_text(c.operation_id));
    params.push_back(optional_text(c.subject));
    params.emplace_back(unix_ms(c.started_at));
    if (c.connected_at) {
      params.emplace_back(unix_ms(*c.connected_at));
    } else {
      params.emplace_back(std::monostate{});
    }
    params.emplace_back(unix_ms(c.ended_at.value_or(Clock::now())));
    params.emplace_back(std::string(calls::to_string(reason.code)));
    params.emplace_back(std::string(calls::to_string(reason.by)));
    params.emplace_back(static_cast<std::int64_t>(reason.sip_status));
    params.emplace_back(reason.message);
    params.push_back(text_or_null(std::string(calls::to_string(c.transfer_kind))));
    params.push_back(text_or_null(c.transferred_to));
    params.emplace_back(std::string(calls::to_string(c.direction)));
    params.push_back(text_or_null(c.from));
    params.push_back(text_or_null(std::string(calls::to_string(c.answered_on))));
    if (auto r = db.execute(kInsert, params); !r) return r.error();
  }
  return {};
}

// After the sign of a cell starting with + or -: whether it reads as a phone
// number ("+1 (425) 555-0100", "+14255550100"), not as the rest of a formula.
bool looks_like_phone_number(std::string_view after_sign) {
  bool digit = false;
  for (const char c : after_sign) {
    if (c >= '0' && c <= '9') {
      digit = true;
    } else if (c != ' ' && c != '(' && c != ')' && c != '.' && c != '-') {
      return false;
    }
  }
  return digit;
}

}  // namespace

CallHistory::CallHistory(storage::Database& db, TimerService& timers, std::unique_ptr<storage::Database> writer,
                         CallHistoryOptions options)
    : db_(db), writer_("call history", db, timers, std::move(writer), options, commit_batch) {}

Result<std::vector<calls::CallInfo>> CallHistory::list(std::string_view owner, std::size_t limit) {
  return select("WHERE user_key = $1 ORDER BY ended_at DESC, id DESC LIMIT CAST($2 AS INTEGER)",
                {directory::sip_uri_key(owner), static_cast<std::int64_t>(limit)});
}

Result<std::vector<calls::CallInfo>> CallHistory::list_all(std::size_t limit) {
  return select("ORDER BY ended_at DESC, id DESC LIMIT CAST($1 AS INTEGER)", {static_cast<std::int64_t>(limit)});
}

Result<std::vector<calls::CallInfo>> CallHistory::select(std::string_view where, std::vector<storage::Param> params) {
  if (auto r = flush(); !r) return r.error();
  const std::string sql =
      "SELECT id, owner, to_text, target_kind, target_uri, target_number, phone_number, operation_id, subject, "
      "started_at, connected_at, ended_at, reason, reason_by, sip_status, message, transfer_kind, transferred_to, "
      "direction, caller, answered_on FROM call_history " +
      std::string(where);
  auto rows = db_.execute(sql, params);
  if (!rows) return rows.error();
  std::vector<calls::CallInfo> out;
  out.reserve(rows->rows.size());
  for (const storage::Row& row : rows->rows) {
    calls::CallInfo c;
    c.id = row.text(0);
    c.owner = row.text(1);
    c.to = row.text(2);
    c.target_kind = row.text(3) == "user" ? calls::TargetKind::User : calls::TargetKind::Number;
    c.target_uri = row.text(4);
    c.target_number = row.text(5);
    c.phone_number = row.text(6);
    if (!row.is_null(7)) c.operation_id = std::string(row.text(7));
    if (!row.is_null(8)) c.subject = std::string(row.text(8));
    c.started_at = from_unix_ms(row.integer(9));
    if (!row.is_null(10)) c.connected_at = from_unix_ms(row.integer(10));
    c.ended_at = from_unix_ms(row.integer(11));
    c.state = calls::CallState::Ended;
    calls::EndReason reason;
    reason.code = enum_from(row.text(12), calls::EndCode::Failed, calls::EndCode::Failed);
    reason.by = enum_from(row.text(13), calls::Party::Server, calls::Party::None);
    reason.sip_status = static_cast<int>(row.integer(14));
    reason.message = row.text(15);
    c.reason = std::move(reason);
    if (!row.is_null(16))
      c.transfer_kind =
          enum_from(row.text(16), calls::TransferKind::Blind, calls::TransferKind::None);
    if (!row.is_null(17)) c.transferred_to = row.text(17);
    c.direction = row.text(18) == "incoming" ? calls::Direction::Incoming : calls::Direction::Outgoing;
    if (!row.is_null(19)) c.from = row.text(19);
    if (!row.is_null(20))
      c.answered_on =
          enum_from(row.text(20), calls::AnsweredOn::Forwarded, calls::AnsweredOn::None);
    out.push_back(std::move(c));
  }
  return out;
}

std::string csv_injection_safe(std::string_view cell) {
  if (cell.empty()) return {};
  bool formula = false;
  switch (cell.front()) {
    case '=':
    case '@':
    case '\t':
    case '\r':
      formula = true;
      break;
    case '+':
    case '-':
      formula = !looks_like_phone_number(cell.substr(1));
      break;
    default:
      break;
  }
  return formula ? "'" + std::string(cell) : std::string(cell);
}

std::string call_history_csv(const std::vector<calls::CallInfo>& calls) {
  auto time = [](const std::optional<Clock::time_point>& t) { return t ? events::rfc3339_utc(*t) : std::string(); };
  // Every cell goes through csv_injection_safe: text from callers and
  // clients (to, subject, messages with display names) lands in admins'
  // spreadsheets.
  auto record = [](std::vector<std::string> cells) {
    for (std::string& cell : cells) cell = csv_injection_safe(cell);
    return directory::format_csv_record(cells);
  };
  std::string out = record({"id", "user", "to", "target", "targetNumber", "phoneNumber", "startedAt", "connectedAt",
                            "endedAt", "seconds", "reason", "by", "sipStatus", "message", "operationId", "subject",
                            "transferKind", "transferredTo", "direction", "from", "answeredOn"});
  for (const calls::CallInfo& c : calls) {
    const calls::EndReason reason = c.reason.value_or(calls::EndReason{});
    const std::string seconds =
        c.connected_at && c.ended_at
            ? std::to_string(std::chrono::duration_cast<std::chrono::seconds>(*c.ended_at - *c.connected_at).count())
            : "0";
    out += record({c.id,
                   c.owner,
                   c.to,
                   c.target_uri,
                   c.target_number,
                   c.phone_number,
                   events::rfc3339_utc(c.started_at),
                   time(c.connected_at),
                   time(c.ended_at),
                   seconds,
                   std::string(calls::to_string(reason.code)),
                   std::string(calls::to_string(reason.by)),
                   reason.sip_status ? std::to_string(reason.sip_status) : "",
                   reason.message,
                   c.operation_id.value_or(""),
                   c.subject.value_or(""),
                   std::string(calls::to_string(c.transfer_kind)),
                   c.transferred_to,
                   std::string(calls::to_string(c.direction)),
                   c.from,
                   std::string(calls::to_string(c.answered_on))});
  }
  return out;
}

}  // namespace cvw::app
