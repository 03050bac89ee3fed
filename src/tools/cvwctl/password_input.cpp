#include "tools/cvwctl/password_input.hpp"

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace cvw::cvwctl {
namespace {

void strip_line_end(std::string& line) {
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
}

// Closes the terminal and puts its echo back however prompt_password leaves.
class Terminal {
 public:
  Terminal() : fd_(::open("/dev/tty", O_RDWR | O_CLOEXEC)) {}
  ~Terminal() {
    if (fd_ < 0) return;
    if (echo_off_) ::tcsetattr(fd_, TCSAFLUSH, &saved_);
    ::close(fd_);
  }
  Terminal(const Terminal&) = delete;
  Terminal& operator=(const Terminal&) = delete;

  bool open() const { return fd_ >= 0; }
  bool echo_off() {
    if (::tcgetattr(fd_, &saved_) != 0) return false;
    termios quiet = saved_;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    quiet.c_lflag |= ECHONL;
    echo_off_ = ::tcsetattr(fd_, TCSAFLUSH, &quiet) == 0;
    return echo_off_;
  }
  void write(std::string_view text) const {
    while (!text.empty()) {
      const ssize_t n = ::write(fd_, text.data(), text.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return;
      text.remove_prefix(static_cast<std::size_t>(n));
    }
  }
  // One line, at most 4 KiB: no password is longer, and the limit keeps a
  // pasted file from being taken as one.
  bool read_line(std::string& line) const {
    char c = 0;
    while (line.size() < 4096) {
      const ssize_t n = ::read(fd_, &c, 1);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return !line.empty();
      if (c == '\n') return true;
      line += c;
    }
    return true;
  }

 private:
  int fd_;
  termios saved_{};
  bool echo_off_ = false;
};

}  // namespace

Result<std::string> read_password_line(std::istream& in) {
  std::string line;
  if (!std::getline(in, line)) return Error{0, "--password-stdin: no password on standard input"};
  strip_line_end(line);
  if (line.empty()) return Error{0, "--password-stdin: the password on standard input is empty"};
  return line;
}

Result<std::string> prompt_password(std::string_view prompt) {
  Terminal terminal;
  if (!terminal.open())
    return Error{0, "no terminal to ask for the password: pass it with --password-stdin"};
  if (!terminal.echo_off())
    return Error{0, std::string("cannot turn off echo on the terminal: ") + std::strerror(errno)};
  terminal.write(prompt);
  std::string line;
  if (!terminal.read_line(line)) return Error{0, "no password entered"};
  strip_line_end(line);
  if (line.empty()) return Error{0, "no password entered"};
  return line;
}

}  // namespace cvw::cvwctl
