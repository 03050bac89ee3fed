// How cvwctl ends, and the one exception its commands throw.
//
// The command layer is the control side (STYLE.md): parsers of what the
// server or a file sends return Result, and the commands turn a failure into
// a Failure, caught at one boundary (run_cvwctl) that prints
// "cvwctl: <message>" and exits with the code. Scripts branch on the code.
#pragma once

#include <stdexcept>
#include <string>

namespace cvw::cvwctl {

enum class ExitCode : int {
  kOk = 0,
  kFailed = 1,       // the API refused (any 4xx/5xx) or a local file could not be used
  kUsage = 2,        // the command line is wrong
  kUnreachable = 3,  // the server cannot be reached (connection, TLS, timeout, cut reply)
};

class Failure : public std::runtime_error {
 public:
  Failure(ExitCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
  ExitCode code() const { return code_; }

 private:
  ExitCode code_;
};

}  // namespace cvw::cvwctl
