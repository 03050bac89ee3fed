// The PostgreSQL backend: one libpq connection, statements sent with
// PQexecParams (parse, bind and execute in one round trip), text results.
#include <libpq-fe.h>
#include <poll.h>

#include <cctype>
#include <climits>
#include <cstdlib>
#include <vector>

#include "common/log.hpp"
#include "storage/backends.hpp"
#include "storage/storage_url.hpp"

namespace cvw::storage {
namespace {

// libpq waits for the OS (minutes) when a host does not answer; a URL can
// still set its own connect_timeout.
constexpr const char* kConnectTimeoutSeconds = "10";
// Run on every (re)connection: warnings and errors only, and the same wait
// for a lock as SQLite's busy timeout.
constexpr const char* kSessionSetup = "SET client_min_messages = warning; SET lock_timeout = '5s'";

struct FinishConnection {
  void operator()(PGconn* conn) const { PQfinish(conn); }
};
struct ClearResult {
  void operator()(PGresult* result) const { PQclear(result); }
};
using ConnectionPtr = std::unique_ptr<PGconn, FinishConnection>;
using ResultPtr = std::unique_ptr<PGresult, ClearResult>;

// libpq's messages span lines ("...failed: Connection refused\n\tIs the
// server running...?\n"); one line reads better in a log and an HTTP error.
std::string one_line(std::string_view text) {
  std::string out;
  bool space = false;
  for (const char c : text) {
    if (std::isspace(static_cast<unsigned char>(c)) != 0) {
      space = true;
      continue;
    }
    if (space && !out.empty()) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

// SQLSTATEs meaning "try again later": the connection failed (class 08, but
// 08P01 is a protocol violation: our fault), the server is shutting down or
// out of connections, or a lock/statement timeout or deadlock hit.
bool is_unavailable(std::string_view sqlstate) {
  return (sqlstate.starts_with("08") && sqlstate != "08P01") || sqlstate.starts_with("57P") ||
         sqlstate == "53300" || sqlstate == "55P03" || sqlstate == "57014" || sqlstate == "40001" ||
         sqlstate == "40P01";
}

void log_notice(void* /*unused*/, const char* message) {
  cvw::log().warn("postgresql: {}", one_line(message));
}

class PostgresDatabase final : public Database {
 public:
  PostgresDatabase(ConnectionPtr conn, std::string url)
      : conn_(std::move(conn)), url_(std::move(url)) {}

  std::string_view backend() const override { return "postgresql"; }

  Result<QueryResult> execute(std::string_view sql, std::span<const Param> params) override {
    if (auto r = check_no_nul(backend(), params); !r) return failed(r.error());
    if (params.size() > INT_MAX) return failed(Error{500, "postgresql: too many parameters"});
    if (auto r = ensure_connected(); !r) return failed(r.error());

    // Integers go as their decimal text; with no types given, the server
    // types each parameter from its use, as it would a literal.
    std::vector<std::string> numbers;
    numbers.reserve(params.size());  // no reallocation: values point into it
    std::vector<const char*> values(params.size(), nullptr);
    for (std::size_t i = 0; i < params.size(); ++i) {
      if (const auto* n = std::get_if<std::int64_t>(&params[i])) {
        values[i] = numbers.emplace_back(std::to_string(*n)).c_str();
      } else if (const auto* text = std::get_if<std::string>(&params[i])) {
        values[i] = text->c_str();
      }
    }
    ResultPtr result(PQexecParams(conn_.get(), std::string(sql).c_str(),
                                  static_cast<int>(params.size()), nullptr, values.data(), nullptr,
                                  nullptr, 0));
    return take(std::move(result));
  }

  Result<void> execute_script(std::string_view sql) override {
    if (auto r = ensure_connected(); !r) return failed(r.error());
    // The simple query protocol: several statements, no parameters.
    Result<QueryResult> r = take(ResultPtr(PQexec(conn_.get(), std::string(sql).c_str())));
    if (!r) return r.error();
    return {};
  }

  Result<void> set_up_session() {
    ResultPtr result(PQexec(conn_.get(), kSessionSetup));
    if (PQresultStatus(result.get()) == PGRES_COMMAND_OK) return {};
    return error_of(result.get());
  }

 protected:
  bool connection_in_transaction() const override {
    const PGTransactionStatusType status = PQtransactionStatus(conn_.get());
    return status == PQTRANS_INTRANS || status == PQTRANS_INERROR || status == PQTRANS_ACTIVE;
  }

 private:
  // A server restart, pg_terminate_backend() or an idle timeout closes the
  // connection while it is idle; libpq only notices at its next read. So read
  // what is pending now, before sending anything: reconnecting at this point
  // cannot run a statement twice. A connection lost while a statement is in
  // flight is reported (503), not retried: the statement may have run; the
  // next call reconnects.
  Result<void> ensure_connected() {
    if (alive()) return {};
    if (in_transaction())
      return Error{503,
                   "postgresql: connection to '" + redact_url(url_) +
                       "' lost inside a transaction: " + one_line(PQerrorMessage(conn_.get()))};
    cvw::log().warn("postgresql: connection to '{}' lost ({}); reconnecting", redact_url(url_),
                    one_line(PQerrorMessage(conn_.get())));
    PQreset(conn_.get());
    if (PQstatus(conn_.get()) != CONNECTION_OK)
      return Error{503, "postgresql: cannot reconnect to '" + redact_url(url_) +
                            "': " + hide_password(one_line(PQerrorMessage(conn_.get())), url_)};
    return set_up_session();
  }

  bool alive() {
    if (PQstatus(conn_.get()) != CONNECTION_OK) return false;
    // A few rounds: a closing server first sends its FATAL message, then EOF.
    for (int round = 0; round < 4; ++round) {
      pollfd fd{PQsocket(conn_.get()), POLLIN, 0};
      if (poll(&fd, 1, 0) <= 0) break;
      if (PQconsumeInput(conn_.get()) == 0) break;
    }
    return PQstatus(conn_.get()) == CONNECTION_OK;
  }

  Error error_of(const PGresult* result) const {
    const char* sqlstate_field =
        result != nullptr ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
    const std::string_view sqlstate = sqlstate_field != nullptr ? sqlstate_field : "";
    const char* primary =
        result != nullptr ? PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
    const char* detail =
        result != nullptr ? PQresultErrorField(result, PG_DIAG_MESSAGE_DETAIL) : nullptr;
    std::string message = one_line(primary != nullptr ? primary : PQerrorMessage(conn_.get()));
    // A constraint's detail names the key: "Key (sip_uri)=(...) already exists."
    if (detail != nullptr) message += " (" + one_line(detail) + ")";

    if (sqlstate.starts_with("23")) return Error{409, "postgresql: " + message};
    if (PQstatus(conn_.get()) != CONNECTION_OK)
      return Error{503, "postgresql: connection to '" + redact_url(url_) + "' lost: " + message};
    if (is_unavailable(sqlstate)) return Error{503, "postgresql: " + message};
    return Error{500, "postgresql: " + message};
  }

  // Brings the connection out of COPY mode the way the protocol allows (a
  // reconnection would lose a transaction around the statement).
  void abandon_copy() {
    PGconn* conn = conn_.get();
    (void)PQputCopyEnd(conn,
                       "COPY is not supported by cvw storage");  // fails harmlessly for COPY TO
    char* row = nullptr;
    while (PQgetCopyData(conn, &row, 0) > 0) PQfreemem(row);
    while (PGresult* rest = PQgetResult(conn)) PQclear(rest);
  }

  Result<QueryResult> take(ResultPtr result) {
    switch (PQresultStatus(result.get())) {
      case PGRES_COMMAND_OK:
      case PGRES_TUPLES_OK:
        break;
      case PGRES_EMPTY_QUERY:
        return failed(Error{500, "postgresql: empty statement"});
      case PGRES_COPY_IN:
      case PGRES_COPY_OUT:
      case PGRES_COPY_BOTH:
        abandon_copy();
        return failed(Error{500, "postgresql: COPY is not supported"});
      default:
        return failed(error_of(result.get()));
    }
    PGresult* r = result.get();
    QueryResult out;
    const int columns = PQnfields(r);
    const int rows = PQntuples(r);
    out.columns.reserve(static_cast<std::size_t>(columns));
    for (int c = 0; c < columns; ++c) out.columns.emplace_back(PQfname(r, c));
    out.rows.reserve(static_cast<std::size_t>(rows));
    for (int row = 0; row < rows; ++row) {
      std::vector<std::optional<std::string>> values(static_cast<std::size_t>(columns));
      for (int c = 0; c < columns; ++c) {
        if (PQgetisnull(r, row, c) == 0)
          values[static_cast<std::size_t>(c)].emplace(
              PQgetvalue(r, row, c), static_cast<std::size_t>(PQgetlength(r, row, c)));
      }
      out.rows.emplace_back(std::move(values));
    }
    // PQcmdTuples also counts the rows of a SELECT; affected is for changes.
    const std::string_view command = PQcmdStatus(r);
    if (command.starts_with("INSERT ") || command.starts_with("UPDATE ") ||
        command.starts_with("DELETE ") || command.starts_with("MERGE ")) {
      out.affected = std::strtoll(PQcmdTuples(r), nullptr, 10);
    }
    return out;
  }

  ConnectionPtr conn_;
  std::string url_;
};

}  // namespace

Result<std::unique_ptr<Database>> open_postgresql(const std::string& url) {
  // The URL's own faults first, told as such (500), before any connection attempt.
  char* parse_error = nullptr;
  PQconninfoOption* options = PQconninfoParse(url.c_str(), &parse_error);
  if (options == nullptr) {
    std::string problem =
        parse_error != nullptr ? one_line(parse_error) : "cannot be parsed (out of memory?)";
    PQfreemem(parse_error);
    return Error{
        500, "storage URL '" + redact_url(url) + "': " + hide_password(std::move(problem), url)};
  }
  PQconninfoFree(options);

  // Key words are applied in order and dbname expands the URL, so the URL
  // overrides these defaults.
  const char* keywords[] = {"connect_timeout", "fallback_application_name", "dbname", nullptr};
  const char* values[] = {kConnectTimeoutSeconds, "cvw", url.c_str(), nullptr};
  ConnectionPtr conn(PQconnectdbParams(keywords, values, 1));
  if (!conn)
    return Error{503, "postgresql: cannot connect to '" + redact_url(url) + "': out of memory"};
  if (PQstatus(conn.get()) != CONNECTION_OK)
    return Error{503, "postgresql: cannot connect to '" + redact_url(url) +
                          "': " + hide_password(one_line(PQerrorMessage(conn.get())), url)};
  PQsetNoticeProcessor(conn.get(), log_notice, nullptr);

  auto db = std::make_unique<PostgresDatabase>(std::move(conn), url);
  if (auto r = db->set_up_session(); !r) return r.error();
  return std::unique_ptr<Database>(std::move(db));
}

}  // namespace cvw::storage
