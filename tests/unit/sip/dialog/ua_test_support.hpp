// Test doubles and a fixture for ladder-style UA core tests: the real
// UserAgent on the real TransactionLayer, a recording Sender for the wire, an
// application that records what the UA tells it, and a ManualTimerService so
// Timer B and the 2xx retransmissions fire without sleeping.
//
// The far ends are Alice (calls us, udp 192.0.2.10:5060) and Bob (we call
// him, udp 192.0.2.20:5060). cvw listens on udp (and tcp) 127.0.0.1:5060.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/timer.hpp"
#include "../support/wire_text.hpp"
#include "sip/dialog/dialog.hpp"
#include "sip/dialog/invite_session.hpp"
#include "sip/dialog/user_agent.hpp"
#include "sip/header_values.hpp"
#include "sip/message.hpp"
#include "sip/peer.hpp"
#include "sip/response_routing.hpp"
#include "sip/transaction/sender.hpp"
#include "sip/transaction/transaction_layer.hpp"

namespace cvw::sip::dialog::test {

using namespace std::chrono_literals;
using cvw::sip::test::crlf;
using cvw::sip::test::peer;


inline Message parse(std::string_view wire) {
  Result<Message> m = Message::parse(wire);
  EXPECT_TRUE(m.ok()) << (m.ok() ? "" : m.error().message) << "\n" << wire;
  EXPECT_FALSE(m.ok() && m->defect()) << "defect: " << wire;
  if (!m.ok()) return Message::response(599, "Unparsable");
  return std::move(m).value();
}


// --- reading header values --------------------------------------------------

// Every value of a (possibly comma-separated, possibly repeated) header, in order.
inline std::vector<std::string> values(const Message& m, HeaderId id) {
  std::vector<std::string> out;
  for (const HeaderField& h : m.headers()) {
    if (h.id != id) continue;
    Result<void> r = for_each_list_value(h.value, [&](std::string_view item) -> Result<void> {
      out.emplace_back(item);
      return {};
    });
    EXPECT_TRUE(r.ok()) << h.value;
  }
  return out;
}

inline std::string to_tag(const Message& m) {
  return tag_of(m.header(HeaderId::To));
}
inline std::string from_tag(const Message& m) {
  return tag_of(m.header(HeaderId::From));
}

inline std::uint32_t cseq_number(const Message& m) {
  Result<CSeq> c = parse_cseq(m.header(HeaderId::CSeq));
  EXPECT_TRUE(c.ok()) << m.header(HeaderId::CSeq);
  return c ? c->number : 0;
}

inline std::string top_branch(const Message& m) {
  std::string scratch;
  const std::string_view line = m.header(HeaderId::Via);
  Result<Via> via = parse_via(line.substr(0, list_item_end(line)), scratch);
  EXPECT_TRUE(via.ok()) << line;
  return via ? std::string(via->branch()) : std::string();
}

// --- the wire -----------------------------------------------------------------

struct Sent {
  std::string wire;
  Peer to;
  Duration at{0};  // when it was sent, since the start of the test

  Message message() const { return parse(wire); }
  // "INVITE", "ACK"... for requests; "180", "200"... for responses.
  std::string first_word() const { return cvw::sip::test::first_word(wire); }
};

// Keeps everything the UA and the transactions put on the wire.
class Wire final : public txn::Sender {
 public:
  explicit Wire(const TimerService& clock) : clock_(clock), start_(clock.now()) {}
  void send(std::string_view wire, const Peer& to) override {
    sent.push_back(
        Sent{std::string(wire), to, std::chrono::duration_cast<Duration>(clock_.now() - start_)});
  }

  // How many messages with this method (or status code) went out.
  std::size_t count(std::string_view word) const {
    std::size_t n = 0;
    for (const Sent& s : sent) n += s.first_word() == word ? 1 : 0;
    return n;
  }
  // Every one of them, in order.
  std::vector<const Sent*> all(std::string_view word) const {
    std::vector<const Sent*> out;
    for (const Sent& s : sent) {
      if (s.first_word() == word) out.push_back(&s);
    }
    return out;
  }
  // The last one (fails the test when there is none).
  const Sent& last(std::string_view word) const {
    for (auto it = sent.rbegin(); it != sent.rend(); ++it) {
      if (it->first_word() == word) return *it;
    }
    ADD_FAILURE() << "nothing sent starting with " << word;
    static const Sent none{"SIP/2.0 599 Nothing Sent\r\nCSeq: 0 NONE\r\n\r\n", Peer{}};
    return none;
  }
  Message last_message(std::string_view word) const { return last(word).message(); }
  // How many went out with this CSeq value ("2 INVITE"): tells the responses
  // to a re-INVITE from those to the first INVITE.
  std::size_t count(std::string_view word, std::string_view cseq) const {
    std::size_t n = 0;
    for (const Sent* s : all(word)) n += s->message().header(HeaderId::CSeq) == cseq ? 1 : 0;
    return n;
  }
  const Sent& last(std::string_view word, std::string_view cseq) const {
    for (auto it = sent.rbegin(); it != sent.rend(); ++it) {
      if (it->first_word() == word && it->message().header(HeaderId::CSeq) == cseq) return *it;
    }
    ADD_FAILURE() << "nothing sent starting with " << word << " for CSeq " << cseq;
    static const Sent none{"SIP/2.0 599 Nothing Sent\r\nCSeq: 0 NONE\r\n\r\n", Peer{}};
    return none;
  }
  // Distinct CSeq numbers among the requests of this method (a retransmission
  // repeats one, a new request adds one).
  std::set<std::uint32_t> cseqs(std::string_view method) const {
    std::set<std::uint32_t> out;
    for (const Sent* s : all(method)) out.insert(cseq_number(s->message()));
    return out;
  }

  std::vector<Sent> sent;

 private:
  const TimerService& clock_;
  TimePoint start_;
};

// --- the application ------------------------------------------------------------

// Both application interfaces, recording every event as a line of text so a
// test can compare the whole sequence: "invite", "progress 180",
// "established", "offer", "reinvite 200", "terminated cancelled 487".
class App final : public UaHandler, public InviteHandler {
 public:
  void on_invite(std::shared_ptr<InviteSession> session) override {
    events.push_back("invite");
    session->set_handler(this);
    incoming.push_back(session);
    if (on_invite_hook) on_invite_hook(*session);
  }
  void on_progress(InviteSession&, const Message& provisional) override {
    events.push_back("progress " + std::to_string(provisional.status()));
  }
  void on_established(InviteSession&) override { events.push_back("established"); }
  std::optional<std::string> on_offer(InviteSession&, std::string_view offer) override {
    events.push_back("offer");
    offers.emplace_back(offer);
    return answer_to_offers;
  }
  void on_reinvite_result(InviteSession&, int status) override {
    events.push_back("reinvite " + std::to_string(status));
  }
  void on_terminated(InviteSession&, EndReason reason, int status) override {
    events.push_back("terminated " + std::string(to_string(reason)) + " " + std::to_string(status));
  }

  std::vector<std::string> events;
  std::vector<std::shared_ptr<InviteSession>> incoming;
  std::vector<std::string> offers;
  // What on_offer() returns (nullopt: refuse with 488).
  std::optional<std::string> answer_to_offers;
  std::function<void(InviteSession&)> on_invite_hook;
};

// --- SDP bodies -------------------------------------------------------------------

inline std::string sdp(std::string_view who, int version, int port) {
  return "v=0\r\no=" + std::string(who) + " 1 " + std::to_string(version) +
         " IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio " +
         std::to_string(port) + " RTP/AVP 0\r\n";
}

// --- requests from the far end ----------------------------------------------------

// A request as Alice's UA would send it, built fluently:
//   AliceRequest("BYE").cseq(2).to_tag(our_tag).text()
// Defaults describe Alice's call to us; every request gets a fresh branch
// unless one is given (a CANCEL must reuse its INVITE's).
class AliceRequest {
 public:
  explicit AliceRequest(std::string method) : method_(std::move(method)) {
    static int counter = 0;
    branch_ = "z9hG4bKalice" + std::to_string(++counter);
  }
  AliceRequest& uri(std::string v) {
    uri_ = std::move(v);
    return *this;
  }
  AliceRequest& branch(std::string v) {
    branch_ = std::move(v);
    return *this;
  }
  AliceRequest& cseq(std::uint32_t n) {
    cseq_ = n;
    return *this;
  }
  AliceRequest& cseq_method(std::string v) {
    cseq_method_ = std::move(v);
    return *this;
  }
  AliceRequest& call_id(std::string v) {
    call_id_ = std::move(v);
    return *this;
  }
  AliceRequest& from_tag(std::string v) {
    from_tag_ = std::move(v);
    return *this;
  }
  AliceRequest& to_tag(std::string v) {
    to_tag_ = std::move(v);
    return *this;
  }
  AliceRequest& contact(std::string v) {
    contact_ = std::move(v);
    return *this;
  }
  AliceRequest& via_host(std::string v) {
    via_host_ = std::move(v);
    return *this;
  }
  AliceRequest& transport(std::string v) {
    transport_ = std::move(v);
    return *this;
  }
  AliceRequest& header(std::string line) {
    extra_.push_back(std::move(line));
    return *this;
  }
  AliceRequest& body(std::string type, std::string body) {
    type_ = std::move(type);
    body_ = std::move(body);
    return *this;
  }
  const std::string& branch_value() const { return branch_; }

  std::string text() const {
    std::string t = method_ + " " + uri_ + " SIP/2.0\n";
    t += "Via: SIP/2.0/" + transport_ + " " + via_host_ + ";branch=" + branch_ + "\n";
    t += "Max-Forwards: 70\n";
    t += "From: Alice <sip:alice@atlanta.example.com>;tag=" + from_tag_ + "\n";
    t += "To: <sip:cvw@127.0.0.1:5060>" + (to_tag_.empty() ? "" : ";tag=" + to_tag_) + "\n";
    t += "Call-ID: " + call_id_ + "\n";
    t += "CSeq: " + std::to_string(cseq_) + " " + (cseq_method_.empty() ? method_ : cseq_method_) +
         "\n";
    if (!contact_.empty() && method_ != "BYE" && method_ != "CANCEL" && method_ != "ACK") {
      t += "Contact: " + contact_ + "\n";
    }
    for (const std::string& line : extra_) t += line + "\n";
    if (!body_.empty()) t += "Content-Type: " + type_ + "\n";
    t += "Content-Length: " + std::to_string(body_.size()) + "\n\n";
    return crlf(t) + body_;
  }

 private:
  std::string method_;
  std::string uri_ = "sip:cvw@127.0.0.1:5060";
  std::string branch_;
  std::uint32_t cseq_ = 1;
  std::string cseq_method_;
  std::string call_id_ = "call-1@192.0.2.10";
  std::string from_tag_ = "alice-tag";
  std::string to_tag_;
  std::string contact_ = "<sip:alice@192.0.2.10:5060>";
  std::string via_host_ = "192.0.2.10:5060";
  std::string transport_ = "UDP";
  std::vector<std::string> extra_;
  std::string type_;
  std::string body_;
};

// --- the fixture ------------------------------------------------------------------------

inline UaConfig udp_config() {
  UaConfig c;
  c.user_agent = "cvw-test";
  c.contact_user = "cvw";
  c.local.push_back(LocalAddress{Protocol::Udp, "127.0.0.1", 5060});
  return c;
}

inline UaConfig udp_tcp_config() {
  UaConfig c = udp_config();
  c.local.push_back(LocalAddress{Protocol::Tcp, "127.0.0.1", 5060});
  return c;
}

class UaTest : public ::testing::Test {
 protected:
  explicit UaTest(UaConfig config = udp_tcp_config())
      : wire(timers), layer(timers, wire), ua(layer, wire, timers, std::move(config)) {
    ua.set_handler(&app);
  }
  ~UaTest() override {
    // Sessions point at the UA; let go of ours while it still exists.
    app.incoming.clear();
  }

  // Moves the manual clock to `t` since the start of the test.
  void at(Duration t) {
    ASSERT_GE(t, elapsed) << "time only goes forward";
    timers.advance(t - elapsed);
    elapsed = t;
  }
  void after(Duration d) { at(elapsed + d); }

  // A message from the network, as the transport hands it up.
  void from_wire(std::string_view wire_text, const Peer& from) {
    layer.receive(parse(wire_text), from, from);
  }
  void from_alice(const AliceRequest& request) { from_wire(request.text(), alice); }
  void from_bob(const Message& response) { from_wire(response.serialize(), bob); }

  // --- UAS helpers --------------------------------------------------------------

  // Alice's INVITE with an offer; chain .header(...) to add more.
  AliceRequest alice_invite(std::uint32_t cseq = 1) const {
    return AliceRequest("INVITE").cseq(cseq).body("application/sdp", sdp("alice", 1, 49170));
  }
  // The session the app was given for the n-th incoming INVITE.
  InviteSession& incoming(std::size_t n = 0) {
    EXPECT_GT(app.incoming.size(), n);
    return *app.incoming.at(n);
  }
  // Alice calls, we answer at once, she ACKs: a confirmed dialog. Returns our tag.
  std::string establish_incoming_call() {
    const AliceRequest invite = alice_invite();
    from_alice(invite);
    incoming().answer("application/sdp", sdp("cvw", 1, 40000));
    const std::string tag = to_tag(wire.last_message("200"));
    from_alice(AliceRequest("ACK").cseq(1).to_tag(tag));
    EXPECT_EQ(incoming().state(), SessionState::Confirmed);
    return tag;
  }

  // --- UAC helpers --------------------------------------------------------------

  InviteParams call_bob(std::string uri = "sip:bob@192.0.2.20:5060") const {
    InviteParams p;
    p.request_uri = std::move(uri);
    p.to = "Bob <" + p.request_uri + ">";
    p.body = sdp("cvw", 1, 40000);
    return p;
  }
  std::shared_ptr<InviteSession> start_call(const InviteParams& params) {
    Result<std::shared_ptr<InviteSession>> s = ua.invite(params, &app);
    EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message);
    return s.ok() ? *s : nullptr;
  }
  // Bob's response to a request we sent: our Vias, From, Call-ID, CSeq; To
  // with `tag`; a Contact for 1xx/2xx to INVITE.
  Message bob_response(const Message& request, int status, std::string_view tag = "bob-tag",
                       std::string contact = "<sip:bob@192.0.2.20:5070>") const {
    Message r = make_response(request, status, {}, tag);
    if (request.method() == Method::Invite && status > 100 && status < 300 && !contact.empty()) {
      r.add(HeaderId::Contact, contact);
    }
    return r;
  }
  // We call Bob; he answers with 200 (with `record_route` lines) and we ACK.
  std::shared_ptr<InviteSession> establish_outgoing_call(
      std::vector<std::string> record_route = {}) {
    std::shared_ptr<InviteSession> s = start_call(call_bob());
    Message ok = bob_response(wire.last_message("INVITE"), 200);
    for (const std::string& rr : record_route) ok.add(HeaderId::RecordRoute, rr);
    ok.set_body("application/sdp", sdp("bob", 1, 30000));
    from_bob(ok);
    EXPECT_EQ(s->state(), SessionState::Confirmed);
    return s;
  }

  ManualTimerService timers;
  Wire wire;
  txn::TransactionLayer layer;
  UserAgent ua;
  // Declared after the UA: destroyed first, so the sessions it holds die with the UA.
  App app;
  Duration elapsed{0};

  const Peer alice = peer(Protocol::Udp, "192.0.2.10", 5060);
  const Peer alice_tcp = peer(Protocol::Tcp, "192.0.2.10", 5060);
  const Peer bob = peer(Protocol::Udp, "192.0.2.20", 5060);
};

}  // namespace cvw::sip::dialog::test
