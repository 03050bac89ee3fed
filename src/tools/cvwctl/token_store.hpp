// Where cvwctl keeps its login between runs: one JSON file
//   {"server": "https://cvw.example.com:8443", "accessToken": "...",
//    "refreshToken": "...", "expiresAt": 1767225600}
// at $XDG_CONFIG_HOME/cvw/cvwctl.json, or ~/.config/cvw/cvwctl.json.
// expiresAt is when the access token expires, in Unix seconds.
//
// The file holds bearer credentials, so it is written with mode 0600 (and its
// folder, when cvwctl creates it, 0700), through a temporary file renamed
// over the old one: a crash never leaves a half-written session, and a file
// that had looser permissions is replaced by one that has not.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace cvw::cvwctl {

struct StoredSession {
  std::string server;  // ServerUrl::to_string() of the server that issued the tokens
  std::string access_token;
  std::string refresh_token;
  std::int64_t expires_at = 0;

  bool operator==(const StoredSession&) const = default;
};

std::string serialize_session(const StoredSession& session);
// Errors name the key: `accessToken: must be a non-empty string`.
Result<StoredSession> parse_session(std::string_view text);

// $XDG_CONFIG_HOME/cvw/cvwctl.json when XDG_CONFIG_HOME is an absolute path
// (the XDG spec says to ignore a relative one), else $HOME/.config/cvw/cvwctl.json.
Result<std::filesystem::path> session_file_path(std::string_view xdg_config_home,
                                                std::string_view home);

class TokenStore {
 public:
  explicit TokenStore(std::filesystem::path file) : file_(std::move(file)) {}

  const std::filesystem::path& file() const { return file_; }

  // nullopt when there is no file. Errors start with the file's path.
  Result<std::optional<StoredSession>> load() const;
  Result<void> save(const StoredSession& session) const;
  // No file is not an error: logging out twice is fine.
  Result<void> remove() const;

 private:
  std::filesystem::path file_;
};

}  // namespace cvw::cvwctl
