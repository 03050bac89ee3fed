// make_this_a_background_thread: the name tools show, cut to the kernel's
// 15 characters, and nice 19 for that thread only, never the caller's.
#include "common/background_thread.hpp"

#include <gtest/gtest.h>
#include <pthread.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <string>
#include <thread>

namespace {

int nice_of(pid_t tid) {
  errno = 0;
  return getpriority(PRIO_PROCESS, static_cast<id_t>(tid));
}

TEST(BackgroundThread, NamesItAndLowersOnlyItsOwnPriority) {
  const int loop_nice = nice_of(static_cast<pid_t>(syscall(SYS_gettid)));
  std::string name;
  int worker_nice = 0;
  std::thread worker([&] {
    cvw::make_this_a_background_thread("call-history-writer-with-a-long-name");
    std::array<char, 32> buf{};
    pthread_getname_np(pthread_self(), buf.data(), buf.size());
    name = buf.data();
    worker_nice = nice_of(static_cast<pid_t>(syscall(SYS_gettid)));
  });
  worker.join();
  EXPECT_EQ(name, "call-history-wr");  // 15 characters
  EXPECT_EQ(worker_nice, 19);
  EXPECT_EQ(nice_of(static_cast<pid_t>(syscall(SYS_gettid))), loop_nice)
      << "the caller's thread must keep its priority";
}

}  // namespace
