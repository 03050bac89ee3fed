// Marks the calling thread as one of cvwd's background workers: a name that
// `top -H`, `ps -L` and gdb show ("cvw-history" rather than "cvwd"), and the
// lowest scheduling priority (nice 19).
//
// Why the priority: SIP, HTTP and media run on one event-loop thread, and
// everything slow (SQLite commits with fdatasync, argon2 password hashing)
// runs on worker threads precisely so that the loop never waits. But on a
// machine where a worker shares the loop's core, a worker at the same
// priority takes its full time slice while SIP messages queue behind it: with
// cvwd pinned to one core at 500 click-to-calls/s, the p99 of the time cvwd
// takes to pass a phone's 200 on to the callee's INVITE was 5.0 ms, 2.1 ms
// with the workers at nice 19 (bench/load/README.md). Work the workers do is
// never latency-critical: a call history row or a login may wait for the loop.
//
// On Linux the nice value belongs to the thread, not the process (setpriority
// with the thread id), and raising it needs no privilege. Failures are
// ignored: a name and a priority are hints, never a reason to stop.
#pragma once

#include <string_view>

namespace cvw {

// `name`: at most 15 characters (the kernel's limit); longer is cut.
void make_this_a_background_thread(std::string_view name);

}  // namespace cvw
