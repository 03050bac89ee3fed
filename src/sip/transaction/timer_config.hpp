// The timer values of RFC 3261 §17 (Table 4 of Appendix A) and RFC 6026 §8.
//
// Every value is configurable; the defaults are the RFC's. The timers whose
// RFC value is 64*T1 are separate fields (not derived on the fly) so that a
// deployment can tune one without the others; with_t1() rescales them all
// when only T1 changes (e.g. a high-latency trunk).
//
// Reliable transports (TCP, TLS) do not use these values for Timers A, E, G
// (no retransmission) nor D, I, J, K: RFC 3261 sets those to zero seconds,
// and the state machines apply that rule themselves.
#pragma once

#include <chrono>

#include "common/timer.hpp"

namespace cvw::sip::txn {

struct TimerConfig {
  // §17.1.1.1: "T1 is an estimate of the round-trip time (RTT), and it
  // defaults to 500 ms."
  Duration t1{500};
  // §17.1.2.2: T2 "represents the amount of time a non-INVITE server
  // transaction will take to respond to a request"; default 4 s. It caps the
  // doubling of Timers E and G.
  Duration t2{4000};
  // T4: "maximum duration a message will remain in the network"; default 5 s.
  // Timers I and K wait T4 on unreliable transports.
  Duration t4{5000};

  Duration timer_b{64 * 500};  // INVITE transaction timeout, 64*T1
  Duration timer_d{32000};     // §17.1.1.2: "at least 32 seconds for unreliable transports"
  Duration timer_f{64 * 500};  // non-INVITE transaction timeout, 64*T1
  Duration timer_h{64 * 500};  // wait time for the ACK to a non-2xx final, 64*T1
  Duration timer_j{64 * 500};  // wait time for non-INVITE request retransmissions, 64*T1
  Duration timer_l{64 * 500};  // RFC 6026: wait time for INVITE retransmissions after a 2xx
  Duration timer_m{64 * 500};  // RFC 6026: wait time for further 2xx after the first one

  // §17.2.1: the server transaction "MUST generate a 100 (Trying) response
  // unless it knows that the TU will generate a provisional or final response
  // within 200 ms". The INVITE server transaction waits this long for the TU.
  Duration trying_delay{200};

  // §9.1: "If there is no final response for the original request in 64*T1
  // seconds ... the client SHOULD then consider the original transaction
  // cancelled and SHOULD destroy the client transaction".
  Duration cancel_timeout{64 * 500};

  // The RFC defaults with another T1: every 64*T1 timer follows it.
  static TimerConfig with_t1(Duration t1) {
    TimerConfig c;
    c.t1 = t1;
    c.timer_b = c.timer_f = c.timer_h = c.timer_j = c.timer_l = c.timer_m = c.cancel_timeout =
        64 * t1;
    return c;
  }
};

}  // namespace cvw::sip::txn
