// Test doubles and a fixture for ladder-style transaction tests: the real
// TransactionLayer between a recording Sender (the wire) and a recording TU,
// driven by a ManualTimerService so timers fire without sleeping.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/timer.hpp"
#include "../support/wire_text.hpp"
#include "sip/header_values.hpp"
#include "sip/message.hpp"
#include "sip/peer.hpp"
#include "sip/transaction/message_builders.hpp"
#include "sip/transaction/transaction_layer.hpp"

namespace cvw::sip::txn::test {

using namespace std::chrono_literals;
using cvw::sip::test::crlf;
using cvw::sip::test::peer;


inline Message parse(std::string_view text) {
  Result<Message> m = Message::parse(crlf(text));
  EXPECT_TRUE(m.ok()) << (m.ok() ? "" : m.error().message) << "\n" << text;
  return std::move(m).value();
}


// What went on the wire.
struct Sent {
  std::string wire;
  Peer to;

  Message message() const {
    Result<Message> m = Message::parse(wire);
    EXPECT_TRUE(m.ok()) << wire;
    return std::move(m).value();
  }
  // "INVITE", "ACK"... for requests; "486"... for responses.
  std::string first_word() const { return cvw::sip::test::first_word(wire); }
};

class RecordingSender final : public Sender {
 public:
  void send(std::string_view wire, const Peer& to) override {
    sent.push_back(Sent{std::string(wire), to});
    if (on_send) on_send(sent.back());
  }
  // How many messages with this method (or status code) were sent.
  std::size_t count(std::string_view word) const {
    std::size_t n = 0;
    for (const Sent& s : sent) n += s.first_word() == word ? 1 : 0;
    return n;
  }
  const Sent& last() const { return sent.back(); }

  std::vector<Sent> sent;
  std::function<void(const Sent&)> on_send;
};

class RecordingUser final : public TransactionUser {
 public:
  struct Request {
    ServerTransactionId id;
    Message message;
  };
  struct Cancel {
    ServerTransactionId invite;
    Message message;
  };

  void on_request(ServerTransactionId id, Message&& request, const Peer& /*from*/) override {
    requests.push_back(Request{id, std::move(request)});
    if (answer_requests) answer_requests(requests.back());
  }
  void on_cancel(ServerTransactionId invite, const Message& cancel) override {
    cancels.push_back(Cancel{invite, cancel.clone()});
    if (answer_cancels) answer_cancels(cancels.back());
  }
  void on_ack(Message&& ack, const Peer& /*from*/) override { acks.push_back(std::move(ack)); }
  void on_stray_response(Message&& response, const Peer& /*from*/) override {
    strays.push_back(std::move(response));
  }
  void on_server_failure(ServerTransactionId id, ServerFailure failure) override {
    failures.emplace_back(id, failure);
  }

  std::vector<Request> requests;
  std::vector<Cancel> cancels;
  std::vector<Message> acks;
  std::vector<Message> strays;
  std::vector<std::pair<ServerTransactionId, ServerFailure>> failures;
  // Optional hooks that answer from inside the callback, as a TU may.
  std::function<void(Request&)> answer_requests;
  std::function<void(Cancel&)> answer_cancels;
};

// The TU's view of one client transaction.
struct ClientRecorder {
  std::vector<Message> responses;
  int timeouts = 0;
  int transport_errors = 0;

  ClientCallbacks callbacks() {
    ClientCallbacks c;
    c.on_response = [this](ClientTransactionId, Message&& r) { responses.push_back(std::move(r)); };
    c.on_timeout = [this](ClientTransactionId) { ++timeouts; };
    c.on_transport_error = [this](ClientTransactionId) { ++transport_errors; };
    return c;
  }
  std::vector<int> statuses() const {
    std::vector<int> s;
    for (const Message& r : responses) s.push_back(r.status());
    return s;
  }
};

// The fixture: Alice's UA (udp 192.0.2.10:5060) talks to us.
class TransactionTest : public ::testing::Test {
 protected:
  TransactionTest()
      : layer(timers, wire, TimerConfig{}, [this] { return "tok" + std::to_string(++tokens); }) {
    layer.set_user(tu);
  }

  // Moves the manual clock to `t` since the start of the test.
  void at(Duration t) {
    ASSERT_GE(t, elapsed);
    timers.advance(t - elapsed);
    elapsed = t;
  }
  void after(Duration d) { at(elapsed + d); }

  void from_wire(std::string_view text, const Peer& from) {
    layer.receive(parse(text), from, from);
  }
  void from_wire(std::string_view text) { from_wire(text, alice); }

  // The TU answers its n-th request.
  Result<void> answer(std::size_t n, int status, std::string_view to_tag = "bob-tag") {
    return layer.respond(tu.requests.at(n).id,
                         make_response(tu.requests.at(n).message, status, to_tag));
  }

  ManualTimerService timers;
  RecordingSender wire;
  RecordingUser tu;
  int tokens = 0;
  TransactionLayer layer;
  Duration elapsed{0};

  const Peer alice = peer(Protocol::Udp, "192.0.2.10", 5060);
  const Peer alice_tcp = peer(Protocol::Tcp, "192.0.2.10", 5060);
  const Peer bob = peer(Protocol::Udp, "192.0.2.20", 5060);
  const Peer bob_tcp = peer(Protocol::Tcp, "192.0.2.20", 5060);
};

// --- messages from Alice (server side tests) ------------------------------------

inline constexpr std::string_view kInvite =
    "INVITE sip:bob@biloxi.example.com SIP/2.0\n"
    "Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds\n"
    "Via: SIP/2.0/UDP proxy.atlanta.example.com;branch=z9hG4bKnashds8\n"
    "Max-Forwards: 70\n"
    "To: Bob <sip:bob@biloxi.example.com>\n"
    "From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\n"
    "Call-ID: a84b4c76e66710@pc33.atlanta.example.com\n"
    "CSeq: 314159 INVITE\n"
    "Contact: <sip:alice@pc33.atlanta.example.com>\n"
    "Timestamp: 54\n"
    "Content-Length: 0\n"
    "\n";

// The ACK Alice's INVITE client transaction sends for a non-2xx (§17.1.1.3).
inline constexpr std::string_view kAckForFailure =
    "ACK sip:bob@biloxi.example.com SIP/2.0\n"
    "Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds\n"
    "Max-Forwards: 70\n"
    "To: Bob <sip:bob@biloxi.example.com>;tag=bob-tag\n"
    "From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\n"
    "Call-ID: a84b4c76e66710@pc33.atlanta.example.com\n"
    "CSeq: 314159 ACK\n"
    "Content-Length: 0\n"
    "\n";

// The ACK Alice's UA core sends for a 2xx: a transaction of its own, new branch.
inline constexpr std::string_view kAckFor2xx =
    "ACK sip:bob@192.0.2.20 SIP/2.0\n"
    "Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKnew2xxack\n"
    "Max-Forwards: 70\n"
    "To: Bob <sip:bob@biloxi.example.com>;tag=bob-tag\n"
    "From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\n"
    "Call-ID: a84b4c76e66710@pc33.atlanta.example.com\n"
    "CSeq: 314159 ACK\n"
    "Content-Length: 0\n"
    "\n";

inline constexpr std::string_view kCancel =
    "CANCEL sip:bob@biloxi.example.com SIP/2.0\n"
    "Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds\n"
    "Max-Forwards: 70\n"
    "To: Bob <sip:bob@biloxi.example.com>\n"
    "From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\n"
    "Call-ID: a84b4c76e66710@pc33.atlanta.example.com\n"
    "CSeq: 314159 CANCEL\n"
    "Content-Length: 0\n"
    "\n";

inline constexpr std::string_view kOptions =
    "OPTIONS sip:bob@biloxi.example.com SIP/2.0\n"
    "Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKopt1\n"
    "Max-Forwards: 70\n"
    "To: <sip:bob@biloxi.example.com>\n"
    "From: Alice <sip:alice@atlanta.example.com>;tag=77\n"
    "Call-ID: opt1@pc33.atlanta.example.com\n"
    "CSeq: 1 OPTIONS\n"
    "Content-Length: 0\n"
    "\n";

// --- requests we send (client side tests) --------------------------------------------

inline constexpr std::string_view kOutgoingInvite =
    "INVITE sip:carol@chicago.example.com SIP/2.0\n"
    "Via: SIP/2.0/UDP cvw.example.com:5060;branch=z9hG4bKcvw1\n"
    "Route: <sip:p1.example.com;lr>, <sip:p2.example.com;lr>\n"
    "Max-Forwards: 70\n"
    "To: Carol <sip:carol@chicago.example.com>\n"
    "From: Bob <sip:bob@biloxi.example.com>;tag=a6c85cf\n"
    "Call-ID: cvw-call-1@cvw.example.com\n"
    "CSeq: 1 INVITE\n"
    "Contact: <sip:bob@cvw.example.com>\n"
    "Content-Length: 0\n"
    "\n";

inline constexpr std::string_view kOutgoingBye =
    "BYE sip:carol@192.0.2.30 SIP/2.0\n"
    "Via: SIP/2.0/UDP cvw.example.com:5060;branch=z9hG4bKcvwbye\n"
    "Max-Forwards: 70\n"
    "To: Carol <sip:carol@chicago.example.com>;tag=carol1\n"
    "From: Bob <sip:bob@biloxi.example.com>;tag=a6c85cf\n"
    "Call-ID: cvw-call-1@cvw.example.com\n"
    "CSeq: 2 BYE\n"
    "Content-Length: 0\n"
    "\n";

// A response to `request` as the far end would send it: its Via lines, From,
// Call-ID, CSeq, and To with `tag`.
inline Message response_to(const Message& request, int status, std::string_view tag = "carol1") {
  return make_response(request, status, tag);
}

}  // namespace cvw::sip::txn::test
