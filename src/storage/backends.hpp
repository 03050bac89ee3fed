// The two backends behind open_database(), and what they share. Internal to
// src/storage: everything else reaches a backend through open_database().
#pragma once

#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "storage/database.hpp"

namespace cvw::storage {

// `path` is a file path or ":memory:".
Result<std::unique_ptr<Database>> open_sqlite(const std::string& path);
// `url` is a postgresql:// or postgres:// connection URI.
Result<std::unique_ptr<Database>> open_postgresql(const std::string& url);

// PostgreSQL cannot store a NUL in text (libpq would cut the value short), so
// both backends refuse one: code tested on SQLite then behaves the same on
// PostgreSQL.
inline Result<void> check_no_nul(std::string_view backend, std::span<const Param> params) {
  for (std::size_t i = 0; i < params.size(); ++i) {
    const auto* text = std::get_if<std::string>(&params[i]);
    if (text != nullptr && std::memchr(text->data(), '\0', text->size()) != nullptr)
      return Error{500, std::string(backend) + ": parameter $" + std::to_string(i + 1) +
                            " contains a NUL byte"};
  }
  return {};
}

}  // namespace cvw::storage
