// The far ends of a click-to-call in the in-memory network
// (tests/unit/sip/flow/loopback.hpp): scripted phones that answer with their
// own SDP, and a CallMedia that records what the flow asked of it.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "calls/click_to_call.hpp"
#include "common/task.hpp"
#include "loopback.hpp"
#include "sdp/session.hpp"
#include "sip/dialog/call_leg.hpp"

namespace cvw::calls::test {

using namespace std::chrono_literals;
using sip::test::Host;
using sip::test::Network;

// A media description of a phone at `ip`:`port`, PCMU and PCMA.
inline std::string phone_sdp(const std::string& ip, int port, int version = 1) {
  return "v=0\r\no=phone 7 " + std::to_string(version) + " IN IP4 " + ip + "\r\ns=-\r\nc=IN IP4 " + ip +
         "\r\nt=0 0\r\nm=audio " + std::to_string(port) +
         " RTP/AVP 0 8\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\na=sendrecv\r\n";
}

// The c= address and m= port of an SDP body.
inline std::pair<std::string, int> media_of(std::string_view body) {
  auto s = sdp::parse(body);
  if (!s || s->media.empty()) return {"", 0};
  const sdp::Connection* c = sdp::effective_connection(*s, s->media[0]);
  return {c ? c->address : "", s->media[0].port};
}

// The direction of an SDP body's first stream ("sendrecv", "sendonly"...).
inline std::string direction_of(std::string_view body) {
  auto s = sdp::parse(body);
  if (!s || s->media.empty()) return "";
  return std::string(sdp::direction_name(sdp::effective_direction(*s, s->media[0])));
}

// A phone whose behaviour a test scripts as a coroutine per incoming call.
class Phone : public sip::dialog::UaHandler, private sip::dialog::CallLegObserver {
 public:
  Phone(Network& net, Host& host) : net_(net), host_(host) { host.ua->set_handler(this); }
  std::function<Task<void>(sip::dialog::CallLeg&)> script;
  std::vector<std::unique_ptr<sip::dialog::CallLeg>> legs;  // one per call received
  std::vector<Task<void>> flows;  // after legs: a flow still waiting goes before its leg
  std::vector<std::string> offers;  // every offer it received: INVITE and re-INVITEs
  std::string invite_wire;          // the INVITE as it arrived

  void on_invite(std::shared_ptr<sip::dialog::InviteSession> session) override {
    invite_wire = session->invite()->serialize();
    offers.emplace_back(session->invite()->body());
    legs.push_back(std::make_unique<sip::dialog::CallLeg>(*host_.ua, net_.timers, std::move(session)));
    flows.push_back(script(*legs.back()));
    flows.back().start();
  }

  // Accepts re-offers with `sdp` as the answer; an empty `sdp` refuses
  // them (488).
  void accept_reoffers(std::string sdp) {
    reoffer_answers_[legs.back().get()] = std::move(sdp);
    legs.back()->observe(this);
  }

 private:
  std::optional<std::string> on_leg_offer(sip::dialog::CallLeg& leg,
                                          std::string_view offer) override {
    offers.emplace_back(offer);
    const std::string& answer = reoffer_answers_.at(&leg);
    if (answer.empty()) return std::nullopt;
    return answer;
  }

  std::map<const sip::dialog::CallLeg*, std::string> reoffer_answers_;
  Network& net_;
  Host& host_;
};

// cvw's side of an incoming call: every INVITE goes to `take`.
struct InviteReceiver : sip::dialog::UaHandler {
  std::function<void(std::shared_ptr<sip::dialog::InviteSession>)> take;
  void on_invite(std::shared_ptr<sip::dialog::InviteSession> session) override { take(std::move(session)); }
};

// A test of call flows over the in-memory network: the network and the
// scripts its phones run (answer, reject, ring until cancelled), on the
// network's manual clock.
class CallFlowTest : public ::testing::Test {
 protected:
  using Script = std::function<Task<void>(sip::dialog::CallLeg&)>;

  Network net;

  // A phone that rings, answers with `sdp` after `delay` and takes re-offers.
  Script answers(Phone& who, std::string sdp, Duration delay = std::chrono::seconds(1)) {
    return [this, &who, sdp, delay](sip::dialog::CallLeg& leg) -> Task<void> {
      who.accept_reoffers(sdp);
      leg.ring();
      co_await sleep(delay);
      co_await leg.answer("application/sdp", sdp);
    };
  }
  Script rejects(int status, Duration delay = std::chrono::seconds(1)) {
    return [this, status, delay](sip::dialog::CallLeg& leg) -> Task<void> {
      leg.ring();
      co_await sleep(delay);
      leg.reject(status);
    };
  }
  Script rings_forever() {
    return [](sip::dialog::CallLeg& leg) -> Task<void> {
      leg.ring();
      co_await leg.ended();
    };
  }
  // A Completion completed by the manual clock after `d`.
  Completion<int>& sleep(Duration d) {
    sleeps_.push_back(std::make_unique<Completion<int>>(&net.timers));
    Completion<int>* c = sleeps_.back().get();
    net.timers.schedule(d, [c] { c->set(0); });
    return *c;
  }

 private:
  std::vector<std::unique_ptr<Completion<int>>> sleeps_;
};

// Records what the flow asked of cvw's media; anchored when constructed so
// (the callee-side endpoint on port 30002).
class FakeMedia final : public CallMedia {
 public:
  struct Log {
    // "play 127.0.0.2:40000 pt 0", "stop", "relay 127.0.0.2:40000 <-> 127.0.0.3:42000",
    // "release" (direct media, once connected)
    std::vector<std::string> events;
    bool playing = false;
  };
  explicit FakeMedia(Log& log, bool anchored = false) : log_(log), anchored_(anchored) {}
  const std::string& address() const override { return address_; }
  std::uint16_t phone_port() const override { return 30000; }
  std::uint16_t callee_port() const override { return anchored_ ? 30002 : 0; }
  void play_ringback(const boost::asio::ip::udp::endpoint& to, std::uint8_t pt) override {
    log_.events.push_back("play " + text(to) + " pt " + std::to_string(pt));
    log_.playing = true;
  }
  void stop_ringback() override {
    if (log_.playing) log_.events.emplace_back("stop");
    log_.playing = false;
  }
  void relay(const boost::asio::ip::udp::endpoint& phone, const boost::asio::ip::udp::endpoint& callee) override {
    stop_ringback();
    log_.events.push_back("relay " + text(phone) + " <-> " + text(callee));
  }
  void release_if_direct() override {
    if (!anchored_) log_.events.emplace_back("release");
  }

 private:
  static std::string text(const boost::asio::ip::udp::endpoint& e) {
    return e.port() == 0 ? "none" : e.address().to_string() + ":" + std::to_string(e.port());
  }
  Log& log_;
  bool anchored_;
  std::string address_ = "127.0.0.1";
};

}  // namespace cvw::calls::test
