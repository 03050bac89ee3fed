#include "sip/transport/udp_errors.hpp"

#include <linux/errqueue.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

namespace cvw::sip::transport {

boost::system::error_code enable_udp_errors(int fd, bool v6) {
  const int on = 1;
  const int rc = v6 ? ::setsockopt(fd, IPPROTO_IPV6, IPV6_RECVERR, &on, sizeof on)
                    : ::setsockopt(fd, IPPROTO_IP, IP_RECVERR, &on, sizeof on);
  if (rc != 0) return {errno, boost::system::system_category()};
  return {};
}

int drain_udp_errors(int fd, std::span<char> buffer, const std::function<void(const UdpError&)>& each) {
  int read = 0;
  for (;;) {
    sockaddr_storage to{};
    alignas(cmsghdr) char control[512];
    iovec iov{buffer.data(), buffer.size()};
    msghdr h{};
    h.msg_name = &to;
    h.msg_namelen = sizeof to;
    h.msg_iov = &iov;
    h.msg_iovlen = 1;
    h.msg_control = control;
    h.msg_controllen = sizeof control;
    const ssize_t got = ::recvmsg(fd, &h, MSG_ERRQUEUE | MSG_DONTWAIT);
    if (got < 0) {
      if (errno == EINTR) continue;
      return read;  // EAGAIN: the queue is empty
    }
    ++read;
    for (cmsghdr* c = CMSG_FIRSTHDR(&h); c != nullptr; c = CMSG_NXTHDR(&h, c)) {
      const bool v4 = c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_RECVERR;
      const bool v6 = c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_RECVERR;
      if (!v4 && !v6) continue;
      sock_extended_err e;
      std::memcpy(&e, CMSG_DATA(c), sizeof e);
      if (e.ee_origin != SO_EE_ORIGIN_ICMP && e.ee_origin != SO_EE_ORIGIN_ICMP6) break;
      if (e.ee_errno == EMSGSIZE) break;
      UdpError error;
      std::memcpy(error.to.data(), &to, h.msg_namelen);
      error.to.resize(h.msg_namelen);
      error.error = static_cast<int>(e.ee_errno);
      error.quoted = std::string_view(buffer.data(), static_cast<std::size_t>(got));
      each(error);
      break;
    }
  }
}

bool may_be_queued_error(int error) {
  switch (error) {
    case ECONNREFUSED:
    case EHOSTUNREACH:
    case ENETUNREACH:
    case EHOSTDOWN:
    case ENONET:
    case EPROTO:
    case EACCES:
    case EPERM:
    case EMSGSIZE:
    case ETIMEDOUT:
      return true;
    default:
      return false;
  }
}

}  // namespace cvw::sip::transport
