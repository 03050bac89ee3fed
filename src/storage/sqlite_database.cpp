// The SQLite backend: one sqlite3 connection, statements prepared once per
// SQL text and kept, $N placeholders bound by name.
#include <sqlite3.h>

#include <algorithm>
#include <charconv>
#include <climits>
#include <filesystem>
#include <unordered_map>
#include <vector>

#include "storage/backends.hpp"

namespace cvw::storage {
namespace {

constexpr int kBusyTimeoutMs = 5000;
// Repositories use a fixed set of statements; the cap only guards against SQL
// built at run time growing the cache without end.
constexpr std::size_t kMaxCachedStatements = 512;

struct CloseConnection {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
struct FinalizeStatement {
  void operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }
};
using ConnectionPtr = std::unique_ptr<sqlite3, CloseConnection>;
using StatementPtr = std::unique_ptr<sqlite3_stmt, FinalizeStatement>;

struct TransparentHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view text) const {
    return std::hash<std::string_view>{}(text);
  }
};

int status_of(int rc) {
  switch (rc & 0xff) {  // the primary code of an extended one
    case SQLITE_CONSTRAINT:
      return 409;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_CANTOPEN:
      return 503;
    default:
      return 500;
  }
}

// PostgreSQL's limit on parameters of one statement.
constexpr int kMaxPlaceholder = 65535;

// The placeholder number of a parameter named "$N", or 0.
int placeholder_number(const char* name) {
  if (name == nullptr || name[0] != '$' || name[1] < '1' || name[1] > '9') return 0;
  const std::string_view digits(name + 1);
  int n = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
  return ec == std::errc{} && end == digits.data() + digits.size() && n <= kMaxPlaceholder ? n : 0;
}

class SqliteDatabase final : public Database {
 public:
  explicit SqliteDatabase(ConnectionPtr db) : db_(std::move(db)) {}

  std::string_view backend() const override { return "sqlite"; }

  Result<QueryResult> execute(std::string_view sql, std::span<const Param> params) override {
    Result<Statement*> prepared = prepare(sql);
    if (!prepared) return failed(prepared.error());
    Statement& statement = **prepared;
    if (params.size() != statement.param_count)
      return failed(
          Error{500, "sqlite: the statement takes " + std::to_string(statement.param_count) +
                         " parameter(s) ($1..$N), " + std::to_string(params.size()) + " given"});
    if (auto r = check_no_nul(backend(), params); !r) return failed(r.error());

    sqlite3_stmt* stmt = statement.stmt.get();
    // Reset on every way out: a statement left part-way through its rows
    // would hold its read transaction (and the WAL snapshot) open.
    struct Reset {
      sqlite3_stmt* stmt;
      ~Reset() {
        sqlite3_reset(stmt);
        sqlite3_clear_bindings(stmt);
      }
    } reset{stmt};

    for (std::size_t slot = 0; slot < statement.param_of_slot.size(); ++slot) {
      const Param& param = params[statement.param_of_slot[slot]];
      const int index = static_cast<int>(slot) + 1;
      int rc = SQLITE_OK;
      if (const auto* n = std::get_if<std::int64_t>(&param)) {
        rc = sqlite3_bind_int64(stmt, index, *n);
      } else if (const auto* text = std::get_if<std::string>(&param)) {
        if (text->size() > INT_MAX) return failed(Error{500, "sqlite: parameter too large"});
        // SQLITE_STATIC: the text outlives the statement's use of it (bindings
        // are cleared before execute() returns).
        rc = sqlite3_bind_text(stmt, index, text->data(), static_cast<int>(text->size()),
                               SQLITE_STATIC);
      } else {
        rc = sqlite3_bind_null(stmt, index);
      }
      if (rc != SQLITE_OK) return failed(error(rc));
    }

    QueryResult result;
    int columns = 0;
    const sqlite3_int64 changes_before = sqlite3_total_changes64(db_.get());
    for (bool first = true;; first = false) {
      const int rc = sqlite3_step(stmt);
      if (rc != SQLITE_ROW && rc != SQLITE_DONE) return failed(error(rc));
      if (first) {
        // Only now: the first step re-prepares a statement the schema changed
        // under (SELECT * after ALTER TABLE has more columns).
        columns = sqlite3_column_count(stmt);
        result.columns.reserve(static_cast<std::size_t>(columns));
        for (int c = 0; c < columns; ++c) result.columns.emplace_back(sqlite3_column_name(stmt, c));
      }
      if (rc == SQLITE_DONE) break;
      std::vector<std::optional<std::string>> values(static_cast<std::size_t>(columns));
      for (int c = 0; c < columns; ++c) {
        if (sqlite3_column_type(stmt, c) == SQLITE_NULL) continue;
        // column_text before column_bytes: the text conversion sets the length.
        const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, c));
        const int size = sqlite3_column_bytes(stmt, c);
        values[static_cast<std::size_t>(c)].emplace(text != nullptr ? text : "",
                                                    static_cast<std::size_t>(size));
      }
      result.rows.emplace_back(std::move(values));
    }
    // sqlite3_changes64() keeps the count of the last INSERT/UPDATE/DELETE
    // even across a later SELECT or DDL; only trust it when this statement
    // changed something.
    if (sqlite3_total_changes64(db_.get()) != changes_before)
      result.affected = sqlite3_changes64(db_.get());
    return result;
  }

  Result<void> execute_script(std::string_view sql) override {
    char* message = nullptr;
    const int rc = sqlite3_exec(db_.get(), std::string(sql).c_str(), nullptr, nullptr, &message);
    if (rc == SQLITE_OK) return {};
    Error e{status_of(rc),
            "sqlite: " + std::string(message != nullptr ? message : sqlite3_errmsg(db_.get()))};
    sqlite3_free(message);
    return failed(std::move(e));
  }

 protected:
  // A deferred BEGIN would take the write lock at the first write, and in WAL
  // mode that upgrade fails at once (SQLITE_BUSY, no busy wait) when another
  // connection wrote since this one started reading.
  std::string_view begin_statement() const override { return "BEGIN IMMEDIATE"; }
  bool connection_in_transaction() const override { return sqlite3_get_autocommit(db_.get()) == 0; }

 private:
  struct Statement {
    StatementPtr stmt;
    // Bind slot i (SQLite's numbering, from 1, minus one) takes params[param_of_slot[i]].
    std::vector<std::size_t> param_of_slot;
    std::size_t param_count = 0;  // the highest $N
  };

  Error error(int rc) const {
    return Error{status_of(rc), "sqlite: " + std::string(sqlite3_errmsg(db_.get()))};
  }

  Result<Statement*> prepare(std::string_view sql) {
    if (auto it = statements_.find(sql); it != statements_.end()) return &it->second;
    if (sql.size() > INT_MAX) return Error{500, "sqlite: statement too large"};
    if (statements_.size() >= kMaxCachedStatements) statements_.clear();

    sqlite3_stmt* raw = nullptr;
    const char* tail = nullptr;
    int rc = sqlite3_prepare_v3(db_.get(), sql.data(), static_cast<int>(sql.size()),
                                SQLITE_PREPARE_PERSISTENT, &raw, &tail);
    Statement statement{StatementPtr(raw), {}, 0};
    if (rc != SQLITE_OK) return error(rc);
    if (!statement.stmt) return Error{500, "sqlite: empty statement"};

    // SQLite compiles the first statement only; refuse the text rather than
    // silently skip what follows it (comments and whitespace are fine).
    sqlite3_stmt* rest = nullptr;
    rc = sqlite3_prepare_v2(db_.get(), tail, static_cast<int>(sql.data() + sql.size() - tail),
                            &rest, nullptr);
    sqlite3_finalize(rest);
    if (rc != SQLITE_OK || rest != nullptr)
      return Error{500, "sqlite: execute() takes one statement, found more (use execute_script)"};

    const int slots = sqlite3_bind_parameter_count(statement.stmt.get());
    std::vector<bool> used;
    for (int slot = 1; slot <= slots; ++slot) {
      const char* name = sqlite3_bind_parameter_name(statement.stmt.get(), slot);
      const int n = placeholder_number(name);
      if (n == 0)
        return Error{500, "sqlite: placeholder '" + std::string(name != nullptr ? name : "?") +
                              "' is not supported: use $1..$N (N up to 65535)"};
      const auto index = static_cast<std::size_t>(n - 1);
      statement.param_of_slot.push_back(index);
      if (used.size() <= index) used.resize(index + 1);
      used[index] = true;
    }
    // PostgreSQL cannot type a parameter the statement never mentions.
    if (auto gap = std::find(used.begin(), used.end(), false); gap != used.end())
      return Error{500, "sqlite: placeholder $" + std::to_string(gap - used.begin() + 1) +
                            " is not used (placeholders must be $1..$N without gaps)"};
    statement.param_count = used.size();

    auto [it, inserted] = statements_.emplace(std::string(sql), std::move(statement));
    return &it->second;
  }

  ConnectionPtr db_;  // declared first: closed after every statement is finalized
  std::unordered_map<std::string, Statement, TransparentHash, std::equal_to<>> statements_;
};

}  // namespace

Result<std::unique_ptr<Database>> open_sqlite(const std::string& path) {
  if (path != ":memory:") {
    // SQLite would only say "unable to open database file".
    std::filesystem::path folder = std::filesystem::path(path).parent_path();
    if (folder.empty()) folder = ".";
    std::error_code ec;
    if (!std::filesystem::is_directory(folder, ec))
      return Error{503, "sqlite: cannot open '" + path + "': folder '" + folder.string() +
                            "' does not exist"};
  }
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(
      path.c_str(), &raw,
      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE,
      nullptr);
  ConnectionPtr connection(raw);  // even a failed open returns a handle to close
  if (rc != SQLITE_OK)
    return Error{503, "sqlite: cannot open '" + path +
                          "': " + (raw != nullptr ? sqlite3_errmsg(raw) : sqlite3_errstr(rc))};
  sqlite3_busy_timeout(connection.get(), kBusyTimeoutMs);

  auto db = std::make_unique<SqliteDatabase>(std::move(connection));
  Result<QueryResult> mode = db->execute("PRAGMA journal_mode = WAL", {});
  if (!mode)
    return Error{mode.error().status,
                 "sqlite: cannot open '" + path + "': " + mode.error().message};
  const std::string_view journal = mode->rows.empty() ? "" : mode->rows[0].text(0);
  if (journal != "wal" && !(path == ":memory:" && journal == "memory"))
    return Error{500, "sqlite: cannot switch '" + path + "' to WAL journal mode (it stays '" +
                          std::string(journal) + "')"};
  // FULL: WAL syncs at every commit, so an acknowledged commit survives a
  // power loss, not only a crash of the process.
  for (const char* pragma : {"PRAGMA synchronous = FULL", "PRAGMA foreign_keys = ON"}) {
    if (auto r = db->execute_script(pragma); !r)
      return Error{r.error().status, "sqlite: cannot open '" + path + "': " + r.error().message};
  }
  return std::unique_ptr<Database>(std::move(db));
}

}  // namespace cvw::storage
