#include "tools/cvwctl/token_store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "tools/cvwctl/output.hpp"

namespace cvw::cvwctl {
namespace json = boost::json;
namespace fs = std::filesystem;
namespace {

Error file_error(const fs::path& file, const std::string& problem) {
  return Error{0, file.string() + ": " + problem};
}

std::string errno_text() {
  return std::strerror(errno);
}

Result<std::string> required_string(const json::object& object, std::string_view key) {
  const json::value* value = object.if_contains(key);
  if (value == nullptr) return Error{0, std::string(key) + ": missing"};
  const json::string* text = value->if_string();
  if (text == nullptr || text->empty())
    return Error{0, std::string(key) + ": must be a non-empty string"};
  return std::string(*text);
}

// Writes all of `data` to `fd`, retrying short writes and EINTR.
bool write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

}  // namespace

std::string serialize_session(const StoredSession& session) {
  json::object object;
  object["server"] = session.server;
  object["accessToken"] = session.access_token;
  object["refreshToken"] = session.refresh_token;
  object["expiresAt"] = session.expires_at;
  return pretty_json(object);
}

Result<StoredSession> parse_session(std::string_view text) {
  boost::system::error_code ec;
  const json::value value = json::parse(text, ec);
  if (ec) return Error{0, "not JSON: " + ec.message()};
  const json::object* object = value.if_object();
  if (object == nullptr) return Error{0, "must be a JSON object"};

  StoredSession session;
  for (auto [key, target] :
       {std::pair{"server", &session.server}, std::pair{"accessToken", &session.access_token},
        std::pair{"refreshToken", &session.refresh_token}}) {
    Result<std::string> field = required_string(*object, key);
    if (!field) return field.error();
    *target = std::move(*field);
  }
  const json::value* expires = object->if_contains("expiresAt");
  if (expires == nullptr) return Error{0, "expiresAt: missing"};
  if (const std::int64_t* seconds = expires->if_int64()) {
    session.expires_at = *seconds;
  } else {
    return Error{0, "expiresAt: must be an integer (Unix seconds)"};
  }
  return session;
}

Result<fs::path> session_file_path(std::string_view xdg_config_home, std::string_view home) {
  if (!xdg_config_home.empty() && xdg_config_home.front() == '/')
    return fs::path(xdg_config_home) / "cvw" / "cvwctl.json";
  if (!home.empty()) return fs::path(home) / ".config" / "cvw" / "cvwctl.json";
  return Error{0, "cannot tell where to keep the login: neither XDG_CONFIG_HOME nor HOME is set"};
}

Result<std::optional<StoredSession>> TokenStore::load() const {
  std::error_code ec;
  if (!fs::exists(file_, ec) && !ec) return std::optional<StoredSession>();
  std::ifstream in(file_, std::ios::binary);
  if (!in) return file_error(file_, "cannot open: " + errno_text());
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return file_error(file_, "cannot read: " + errno_text());
  Result<StoredSession> session = parse_session(text.str());
  if (!session) return file_error(file_, session.error().message + " (log in again to replace it)");
  return std::optional<StoredSession>(std::move(*session));
}

Result<void> TokenStore::save(const StoredSession& session) const {
  const fs::path folder = file_.parent_path();
  std::error_code ec;
  if (!folder.empty() && !fs::exists(folder, ec)) {
    fs::create_directories(folder, ec);
    if (ec) return file_error(folder, "cannot create: " + ec.message());
    // Only a folder we made: tightening an existing ~/.config is not ours to do.
    fs::permissions(folder, fs::perms::owner_all, fs::perm_options::replace, ec);
    if (ec) return file_error(folder, "cannot set mode 0700: " + ec.message());
  }

  std::string temporary = (folder / ("." + file_.filename().string() + ".XXXXXX")).string();
  const int fd = ::mkstemp(temporary.data());  // mode 0600
  if (fd < 0) return file_error(temporary, "cannot create: " + errno_text());
  const std::string text = serialize_session(session);
  const bool written =
      ::fchmod(fd, S_IRUSR | S_IWUSR) == 0 && write_all(fd, text) && ::fsync(fd) == 0;
  const std::string write_problem = written ? std::string() : errno_text();
  if (::close(fd) != 0 || !written) {
    ::unlink(temporary.c_str());
    return file_error(file_, "cannot write: " + (written ? errno_text() : write_problem));
  }
  if (::rename(temporary.c_str(), file_.c_str()) != 0) {
    const std::string problem = errno_text();
    ::unlink(temporary.c_str());
    return file_error(file_, "cannot replace: " + problem);
  }
  return {};
}

Result<void> TokenStore::remove() const {
  if (::unlink(file_.c_str()) != 0 && errno != ENOENT)
    return file_error(file_, "cannot remove: " + errno_text());
  return {};
}

}  // namespace cvw::cvwctl
