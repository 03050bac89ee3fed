// kill -9 durability, both backends: what a commit acknowledged is there
// after the writing process dies without warning.
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <vector>

#include "scratch_database.hpp"

extern char** environ;

namespace cvw::storage::test {
namespace {

constexpr long kAcksBeforeKill = 200;
constexpr auto kDeadline = std::chrono::seconds(120);  // slow disks, sanitizers

class DurabilityTest : public BackendTest {};
INSTANTIATE_TEST_SUITE_P(Storage, DurabilityTest, testing::ValuesIn(kBothBackends), BackendName{});

TEST_P(DurabilityTest, AcknowledgedCommitsSurviveKill9) {
  int out[2];
  ASSERT_EQ(pipe(out), 0);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, out[0]);
  posix_spawn_file_actions_addclose(&actions, out[1]);
  std::string program = CVW_DURABILITY_WRITER;
  std::string url = scratch().url();
  char* argv[] = {program.data(), url.data(), nullptr};
  pid_t pid = 0;
  const int spawned = posix_spawn(&pid, program.c_str(), &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  close(out[1]);
  ASSERT_EQ(spawned, 0) << "cannot start " << program;
  // Killed and reaped on every way out, a failed assertion included.
  struct Reap {
    pid_t pid;
    int fd;
    int status = 0;
    ~Reap() {
      if (pid > 0) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
      }
      close(fd);
    }
  } writer{pid, out[0]};

  // Read "acked N" lines until enough, then kill the writer mid-stream.
  long last_acked = 0;
  std::string pending;
  const auto deadline = std::chrono::steady_clock::now() + kDeadline;
  while (last_acked < kAcksBeforeKill && std::chrono::steady_clock::now() < deadline) {
    pollfd fd{out[0], POLLIN, 0};
    if (poll(&fd, 1, 1000) <= 0) continue;
    char buffer[4096];
    const ssize_t n = read(out[0], buffer, sizeof buffer);
    if (n <= 0) break;  // the writer ended: it says why on stderr
    pending.append(buffer, static_cast<std::size_t>(n));
    for (std::size_t eol = pending.find('\n'); eol != std::string::npos; eol = pending.find('\n')) {
      const std::string line = pending.substr(0, eol);
      pending.erase(0, eol + 1);
      ASSERT_EQ(line.rfind("acked ", 0), 0u) << "unexpected line: " << line;
      const long n_acked = std::stol(line.substr(6));
      ASSERT_EQ(n_acked, last_acked + 1);
      last_acked = n_acked;
    }
  }
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  writer.pid = 0;
  ASSERT_GE(last_acked, kAcksBeforeKill) << "the writer stopped or was too slow";
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
      << "the writer ended before the kill";

  // A new connection, as after a restart of the process.
  Result<std::unique_ptr<Database>> reopened = scratch().open();
  ASSERT_TRUE(reopened) << reopened.error().message;
  Result<QueryResult> r = (*reopened)->execute(
      "SELECT COUNT(*) AS n, MAX(n) AS highest FROM acked WHERE n <= $1", {last_acked});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->rows.at(0).integer(0), last_acked) << "acknowledged rows are missing";
  EXPECT_EQ(r->rows.at(0).integer(1), last_acked);
}

}  // namespace
}  // namespace cvw::storage::test
