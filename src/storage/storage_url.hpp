// Storage URLs: which backend and what it opens.
//
//   sqlite:relative/or/absolute/path.db   the path is taken literally (no
//   sqlite:///abs/path.db                 percent-decoding, no parameters);
//                                         relative to the working directory
//   sqlite::memory:                       a private in-memory database
//   postgresql://user:pass@host:port/dbname?params   handed to libpq as a
//   postgres://...                                   connection URI
//
// Parsing is pure (no I/O): whether the file can be opened or the server
// reached is open_database()'s business.
#pragma once

#include <string>
#include <string_view>

#include "common/result.hpp"

namespace cvw::storage {

struct StorageUrl {
  enum class Backend { sqlite, postgresql };
  Backend backend = Backend::sqlite;
  // SQLite: the file path, or ":memory:". PostgreSQL: the URL itself.
  std::string target;
};

// Errors (status 500) quote the URL with its password hidden and name the fault.
Result<StorageUrl> parse_storage_url(std::string_view url);

// The URL with the password of its user info ("user:PASSWORD@") and of a
// "password=" query parameter replaced by "***": safe to log or show.
std::string redact_url(std::string_view url);

// `message` with every occurrence of the URL's password (as written and
// percent-decoded) replaced by "***", for messages that came from elsewhere
// (libpq) and might quote it.
std::string hide_password(std::string message, std::string_view url);

}  // namespace cvw::storage
