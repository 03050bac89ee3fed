// Passwords: read from standard input (--password-stdin, for scripts) or
// asked for on the terminal without echo. Never from the command line,
// where ps(1) and shell history would show them.
#pragma once

#include <istream>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace cvw::cvwctl {

// The first line of `in` without its line end (LF or CRLF). Errors: no line
// at all, or an empty one.
Result<std::string> read_password_line(std::istream& in);

// Writes `prompt` to the controlling terminal and reads a line with echo
// off (restored afterwards, also on error). Errors when there is no
// terminal (a script, a cron job): they should use --password-stdin.
Result<std::string> prompt_password(std::string_view prompt);

}  // namespace cvw::cvwctl
