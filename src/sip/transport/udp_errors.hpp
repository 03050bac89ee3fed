// ICMP errors for UDP (ip(7), ipv6(7): IP_RECVERR, IPV6_RECVERR). A peer's
// host that answers a datagram with "port unreachable" (the SIP server on a
// trunk or phone is down, the host is up) tells cvw at once; without this,
// a request to it waits out Timer B or F (32 s).
//
// With the option set, the kernel queues each error on the socket with the
// destination of the datagram it is about and the start of that datagram as
// the ICMP message quoted it (from about 500 bytes on IPv4, 1,200 on IPv6),
// and also leaves the error pending on the socket: the next send or receive
// on it, whoever it is for, fails once with that errno. The transport
// therefore reads the queue whenever a send or receive fails so, and retries
// (transport.cpp). Each error ends only the client transaction whose top Via
// branch and method the quoted bytes carry (TransactionLayer::transport_error),
// so a forged ICMP packet would have to know a random branch to end a call.
#pragma once

#include <boost/asio/ip/udp.hpp>
#include <boost/system/error_code.hpp>
#include <functional>
#include <span>
#include <string_view>

namespace cvw::sip::transport {

// Asks the kernel to queue ICMP errors for the datagrams sent from `fd`, an
// IPv6 socket (v6-only) when `v6`.
boost::system::error_code enable_udp_errors(int fd, bool v6);

struct UdpError {
  boost::asio::ip::udp::endpoint to;  // where the datagram the error is about went
  int error = 0;                      // ECONNREFUSED (port unreachable), EHOSTUNREACH...
  std::string_view quoted;            // the start of that datagram, as the ICMP message quoted it
};

// Reads every error queued on `fd` (MSG_ERRQUEUE) and calls `each` for those
// an ICMP message reported (not local ones, nor "fragmentation needed",
// which is path MTU discovery's business, not a failure). `buffer` holds one
// quoted datagram at a time. Returns how many errors were read, of any kind;
// the socket's pending error is cleared once the queue is empty.
int drain_udp_errors(int fd, std::span<char> buffer, const std::function<void(const UdpError&)>& each);

// True for an errno with which a pending queued error can make a send or
// receive on the socket fail (the ICMP error's own).
bool may_be_queued_error(int error);

}  // namespace cvw::sip::transport
