#include "common/background_thread.hpp"

#include <pthread.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <array>

namespace cvw {

void make_this_a_background_thread(std::string_view name) {
  std::array<char, 16> short_name{};  // 15 characters and the NUL
  const std::size_t n = std::min(name.size(), short_name.size() - 1);
  std::copy_n(name.data(), n, short_name.data());
  (void)pthread_setname_np(pthread_self(), short_name.data());
  // Raising the nice value needs no privilege.
  const auto tid = static_cast<id_t>(syscall(SYS_gettid));
  (void)setpriority(PRIO_PROCESS, tid, 19);
}

}  // namespace cvw
