// The cvwctl program minus main(): the command tree, parsing, and the one
// place where failures become "cvwctl: <message>" and an exit code
// (failure.hpp). Everything goes through `context`, so tests run it
// in-process with their own streams and environment.
#pragma once

#include "tools/cvwctl/context.hpp"

namespace cvw::cvwctl {

// 0 on success (and for --help), else an ExitCode.
int run_cvwctl(int argc, const char* const* argv, Context& context);

}  // namespace cvw::cvwctl
