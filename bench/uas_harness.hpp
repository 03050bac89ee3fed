// The UAS side of a call driven without sockets, shared by the SIP core's
// in-process benchmarks (dialog_memory, uas_core_bench): the real transaction
// layer and UA core over a ManualTimerService and a Sender that drops the
// bytes. Each call is what the transport would hand up: an INVITE of ~900
// bytes with SDP from a PBX trunk (parsed, validated, received/rport
// stamped), answered at once with 200 + SDP by the application, then the ACK
// and, to end it, a BYE.
#pragma once

#include <cstddef>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

#include "common/timer.hpp"
#include "sip/dialog/user_agent.hpp"
#include "sip/message.hpp"
#include "sip/response_routing.hpp"
#include "sip/transaction/transaction_layer.hpp"
#include "sip/validate.hpp"

namespace cvw::sip::bench {

// The transport for these programs: counts what would have been sent.
class NullSender final : public txn::Sender {
 public:
  void send(std::string_view wire, const Peer&) override {
    ++messages;
    bytes += wire.size();
  }
  std::size_t messages = 0;
  std::size_t bytes = 0;
};

inline constexpr std::string_view kOffer =
    "v=0\r\n"
    "o=alice 2890844526 2890844526 IN IP4 127.0.0.1\r\n"
    "s=-\r\n"
    "c=IN IP4 127.0.0.1\r\n"
    "t=0 0\r\n"
    "m=audio 49170 RTP/AVP 0 8 9 18 101\r\n"
    "a=rtpmap:0 PCMU/8000\r\n"
    "a=rtpmap:8 PCMA/8000\r\n"
    "a=rtpmap:9 G722/8000\r\n"
    "a=rtpmap:18 G729/8000\r\n"
    "a=fmtp:18 annexb=no\r\n"
    "a=rtpmap:101 telephone-event/8000\r\n"
    "a=fmtp:101 0-16\r\n"
    "a=ptime:20\r\n"
    "a=sendrecv\r\n";

inline constexpr std::string_view kAnswer =
    "v=0\r\n"
    "o=cvw 1001 1001 IN IP4 127.0.0.1\r\n"
    "s=-\r\n"
    "c=IN IP4 127.0.0.1\r\n"
    "t=0 0\r\n"
    "m=audio 40000 RTP/AVP 0 101\r\n"
    "a=rtpmap:0 PCMU/8000\r\n"
    "a=rtpmap:101 telephone-event/8000\r\n"
    "a=fmtp:101 0-16\r\n"
    "a=ptime:20\r\n"
    "a=sendrecv\r\n";

// Answers every INVITE at once; keeps no reference to the sessions (the UA
// core owns them), so the figures are the stack's own.
class Answerer final : public dialog::UaHandler, public dialog::InviteHandler {
 public:
  void on_invite(std::shared_ptr<dialog::InviteSession> session) override {
    session->set_handler(this);
    session->answer("application/sdp", kAnswer);
    const dialog::Dialog* d = session->dialog();
    last_tag = d ? d->id().local_tag : std::string();
  }
  void on_established(dialog::InviteSession&) override { ++established; }
  void on_terminated(dialog::InviteSession&, dialog::EndReason, int) override { ++terminated; }

  std::string last_tag;
  std::size_t established = 0;
  std::size_t terminated = 0;
};

// The text of call `i`'s requests, as a PBX trunk would send them.
class Wire {
 public:
  std::string invite(std::size_t i) const {
    char head[1024];
    const int n =
        std::snprintf(head, sizeof head,
                      "INVITE sip:1001@127.0.0.1:5060 SIP/2.0\r\n"
                      "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-%08zu-inv;rport\r\n"
                      "Record-Route: <sip:127.0.0.1:5070;lr;ftag=%08zuft>\r\n"
                      "Max-Forwards: 69\r\n"
                      "From: \"Alice Example\" <sip:2001@pbx.example.com>;tag=%08zuft\r\n"
                      "To: <sip:1001@pbx.example.com>\r\n"
                      "Call-ID: %08zu-4f2a9c1e7b3d@127.0.0.1\r\n"
                      "CSeq: 1 INVITE\r\n"
                      "Contact: <sip:2001@127.0.0.1:5072;transport=udp>\r\n"
                      "P-Asserted-Identity: \"Alice Example\" <sip:2001@pbx.example.com>\r\n"
                      "Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, UPDATE, INFO, REFER, NOTIFY\r\n"
                      "Supported: replaces, timer\r\n"
                      "User-Agent: Example-PBX/5.4\r\n"
                      "Content-Type: application/sdp\r\n"
                      "Content-Length: %zu\r\n"
                      "\r\n",
                      i, i, i, i, kOffer.size());
    std::string out(head, static_cast<std::size_t>(n));
    out.append(kOffer);
    return out;
  }
  std::string ack(std::size_t i, std::string_view to_tag) const {
    return in_dialog(i, to_tag, "ACK", 1, "ack");
  }
  std::string bye(std::size_t i, std::string_view to_tag) const {
    return in_dialog(i, to_tag, "BYE", 2, "bye");
  }

 private:
  static std::string in_dialog(std::size_t i, std::string_view to_tag, const char* method, int cseq,
                               const char* branch) {
    char text[1024];
    const int n = std::snprintf(text, sizeof text,
                                "%s sip:cvw@127.0.0.1:5060 SIP/2.0\r\n"
                                "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-%08zu-%s;rport\r\n"
                                "Max-Forwards: 70\r\n"
                                "From: \"Alice Example\" <sip:2001@pbx.example.com>;tag=%08zuft\r\n"
                                "To: <sip:1001@pbx.example.com>;tag=%.*s\r\n"
                                "Call-ID: %08zu-4f2a9c1e7b3d@127.0.0.1\r\n"
                                "CSeq: %d %s\r\n"
                                "Content-Length: 0\r\n"
                                "\r\n",
                                method, i, branch, i, static_cast<int>(to_tag.size()),
                                to_tag.data(), i, cseq, method);
    return std::string(text, static_cast<std::size_t>(n));
  }
};

// Stands in for the transport: parse, validate, stamp, route the reply, hand up.
class Injector {
 public:
  explicit Injector(txn::TransactionLayer& layer) : layer_(layer) {
    source_.address = boost::asio::ip::make_address("127.0.0.1");
    source_.port = 5070;
  }
  bool operator()(std::string_view bytes) {
    Result<Message> m = Message::parse(bytes);
    if (!m || m->defect() || !validate_request(*m)) return false;
    const Peer reply_to = stamp_received(*m, source_);
    layer_.receive(std::move(*m), source_, reply_to);
    return true;
  }

 private:
  txn::TransactionLayer& layer_;
  Peer source_;
};

// The whole UAS: stack, application and injector, wired as cvw-sipua wires
// them (one UDP listen address, default timers).
struct UasBed {
  UasBed() { ua.set_handler(&app); }

  static dialog::UaConfig ua_config(const txn::TimerConfig& timers) {
    dialog::UaConfig config;
    config.user_agent = "cvw";
    config.local.push_back(dialog::LocalAddress{Protocol::Udp, "127.0.0.1", 5060});
    config.timers = timers;
    return config;
  }
  // Past every transaction timer (Timer L/J: 64*T1 = 32 s).
  Duration past_timers() const { return timers_config.timer_l + Duration{1000}; }

  const txn::TimerConfig timers_config;
  ManualTimerService timers;
  NullSender sender;
  txn::TransactionLayer layer{timers, sender, timers_config};
  dialog::UserAgent ua{layer, sender, timers, ua_config(timers_config)};
  Answerer app;
  Injector inject{layer};
  const Wire wire{};
};

}  // namespace cvw::sip::bench
