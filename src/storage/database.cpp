// Row accessors, transaction() and open_database(); see database.hpp.
#include "storage/database.hpp"

#include <charconv>
#include <stdexcept>

#include "storage/backends.hpp"
#include "storage/storage_url.hpp"

namespace cvw::storage {

const std::optional<std::string>& Row::at(std::size_t column) const {
  if (column >= values_.size())
    throw std::out_of_range("storage row: column " + std::to_string(column) +
                            " out of range (row has " + std::to_string(values_.size()) + ")");
  return values_[column];
}

std::optional<std::string_view> Row::value(std::size_t column) const {
  const std::optional<std::string>& v = at(column);
  if (!v) return std::nullopt;
  return std::string_view(*v);
}

std::string_view Row::text(std::size_t column) const {
  const std::optional<std::string>& v = at(column);
  if (!v) throw std::logic_error("storage row: column " + std::to_string(column) + " is NULL");
  return *v;
}

std::int64_t Row::integer(std::size_t column) const {
  const std::string_view t = text(column);
  std::int64_t n = 0;
  const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), n);
  if (ec != std::errc{} || end != t.data() + t.size() || t.empty())
    throw std::logic_error("storage row: column " + std::to_string(column) +
                           " is not an integer: '" + std::string(t) + "'");
  return n;
}

bool Row::boolean(std::size_t column) const {
  const std::string_view t = text(column);
  if (t == "1" || t == "t" || t == "true") return true;
  if (t == "0" || t == "f" || t == "false") return false;
  throw std::logic_error("storage row: column " + std::to_string(column) + " is not a boolean: '" +
                         std::string(t) + "'");
}

Error Database::failed(Error error) {
  if (in_transaction_ && !failure_in_transaction_) failure_in_transaction_ = error;
  return error;
}

void Database::rollback_quietly() {
  // A connection that was lost has no transaction left to roll back, and a
  // failed COMMIT on PostgreSQL already ended it; SQLite keeps it open.
  if (connection_in_transaction()) (void)execute("ROLLBACK");
}

Result<void> Database::transaction(const std::function<Result<void>()>& fn) {
  if (in_transaction_)
    return Error{500,
                 std::string(backend()) +
                     ": nested transaction(): a transaction is already open on this connection "
                     "(there are no savepoints)"};
  if (auto begun = execute(begin_statement()); !begun) return begun.error();
  in_transaction_ = true;
  failure_in_transaction_.reset();
  // Cleared on every way out, including an exception from fn.
  struct Leave {
    Database& db;
    ~Leave() {
      db.in_transaction_ = false;
      db.failure_in_transaction_.reset();
    }
  } leave{*this};

  Result<void> outcome;
  try {
    outcome = fn();
  } catch (...) {
    rollback_quietly();
    throw;
  }
  if (!outcome) {
    rollback_quietly();
    return outcome;
  }
  if (failure_in_transaction_) {
    rollback_quietly();
    return Error{failure_in_transaction_->status,
                 std::string(backend()) +
                     ": transaction rolled back: a statement inside it failed (" +
                     failure_in_transaction_->message + ")"};
  }
  if (!connection_in_transaction())
    return Error{500, std::string(backend()) +
                          ": the transaction was ended inside transaction() (by a COMMIT "
                          "or ROLLBACK of its own?)"};
  in_transaction_ = false;  // COMMIT's own failure is the answer, not a doomed transaction
  if (auto committed = execute("COMMIT"); !committed) {
    rollback_quietly();
    return committed.error();
  }
  return {};
}

Result<std::unique_ptr<Database>> open_database(std::string_view url) {
  Result<StorageUrl> parsed = parse_storage_url(url);
  if (!parsed) return parsed.error();
  switch (parsed->backend) {
    case StorageUrl::Backend::sqlite:
      return open_sqlite(parsed->target);
    case StorageUrl::Backend::postgresql:
      return open_postgresql(parsed->target);
  }
  return Error{500, "storage URL: unknown backend"};
}

}  // namespace cvw::storage
