// What the UA core answers by itself, outside any dialog (RFC 3261 §8.2):
//
//   Alice                              cvw UA core                 app
//     |--- OPTIONS ------------------------>|                        |
//     |<-- 200 (Allow, Accept) -------------|                        |
//     |--- SUBSCRIBE ---------------------->|                        |
//     |<-- 405 (Allow) ---------------------|                        |
//     |--- INVITE (Require: foo) ---------->|                        |
//     |<-- 420 (Unsupported: foo) ----------|     (never told)       |
#include "ua_test_support.hpp"

namespace cvw::sip::dialog::test {
namespace {

class UaCore : public UaTest {
 protected:
  UaCore() : UaTest(udp_config()) {}

  // The one response Alice got, checked for the §8.2.6.2 basics.
  Message only_response(int status) {
    EXPECT_EQ(wire.sent.size(), 1u);
    const std::string code = std::to_string(status);
    EXPECT_EQ(wire.count(code), 1u)
        << "expected one " << code
        << ", wire has: " << (wire.sent.empty() ? "" : wire.sent.back().wire);
    EXPECT_EQ(wire.last(code).to, alice);
    Message r = wire.last_message(code);
    EXPECT_EQ(r.header(HeaderId::CallId), "call-1@192.0.2.10");
    EXPECT_EQ(from_tag(r), "alice-tag");
    EXPECT_FALSE(to_tag(r).empty()) << "§8.2.6.2: a final response outside a dialog gets a To tag";
    return r;
  }
};

TEST_F(UaCore, OptionsOutsideADialogGets200WithAllowAndAccept) {
  from_alice(AliceRequest("OPTIONS").branch("z9hG4bKopt"));
  const Message ok = only_response(200);
  EXPECT_EQ(ok.header(HeaderId::CSeq), "1 OPTIONS");
  EXPECT_EQ(top_branch(ok), "z9hG4bKopt");
  const std::vector<std::string> allow = values(ok, HeaderId::Allow);
  for (const char* m : {"INVITE", "ACK", "BYE", "CANCEL", "OPTIONS"}) {
    EXPECT_NE(std::find(allow.begin(), allow.end(), m), allow.end()) << m << " missing from Allow";
  }
  EXPECT_EQ(ok.header(HeaderId::Accept), "application/sdp");
  EXPECT_TRUE(app.events.empty()) << "the application is not bothered with OPTIONS";
  EXPECT_EQ(ua.session_count(), 0u);
}

TEST_F(UaCore, UnknownMethodGets501) {
  from_alice(AliceRequest("FOO").branch("z9hG4bKfoo"));
  const Message r = only_response(501);
  EXPECT_EQ(r.header(HeaderId::CSeq), "1 FOO");
  EXPECT_TRUE(app.events.empty());
}

// §8.2.1: "If a UAS ... does not support the method ... it MUST generate a
// 405 (Method Not Allowed) response. ... The UAS MUST also add an Allow
// header field to the 405".
class UaCoreKnownButUnsupported : public UaCore,
                                  public ::testing::WithParamInterface<const char*> {};

TEST_P(UaCoreKnownButUnsupported, Gets405WithAllow) {
  from_alice(AliceRequest(GetParam()));
  const Message r = only_response(405);
  EXPECT_EQ(r.header(HeaderId::CSeq), std::string("1 ") + GetParam());
  const std::vector<std::string> allow = values(r, HeaderId::Allow);
  EXPECT_NE(std::find(allow.begin(), allow.end(), "INVITE"), allow.end());
  EXPECT_EQ(std::find(allow.begin(), allow.end(), GetParam()), allow.end())
      << "Allow must not list the method just refused";
  EXPECT_TRUE(app.events.empty());
}

INSTANTIATE_TEST_SUITE_P(Methods, UaCoreKnownButUnsupported,
                         ::testing::Values("SUBSCRIBE", "REGISTER", "MESSAGE", "PUBLISH"));

// A method the application serves (the registrar's REGISTER): its handler
// answers, the UA adds the To tag and its headers, Allow lists the method;
// serve(method, nullptr) gives the 405 back.
TEST_F(UaCore, AServedMethodGoesToItsHandlerAndIsAllowed) {
  struct Registrar : sip::dialog::RequestHandler {
    std::vector<std::string> seen;
    Message respond(const Message& request, const sip::Peer& from) override {
      seen.push_back(std::string(request.method_name()) + " from " + from.address.to_string());
      Message r = sip::make_response(request, 200);
      r.add(HeaderId::Contact, "<sip:alice@127.0.0.2:5070>;expires=3600");
      return r;
    }
  } registrar;
  ua.serve(Method::Register, &registrar);
  from_alice(AliceRequest("REGISTER").branch("z9hG4bKreg"));
  const Message ok = only_response(200);
  EXPECT_EQ(ok.header(HeaderId::Contact), "<sip:alice@127.0.0.2:5070>;expires=3600");
  ASSERT_EQ(registrar.seen.size(), 1u);
  EXPECT_EQ(registrar.seen[0].rfind("REGISTER from ", 0), 0u);
  wire.sent.clear();
  from_alice(AliceRequest("OPTIONS").branch("z9hG4bKopt2"));
  const std::vector<std::string> allow = values(only_response(200), HeaderId::Allow);
  EXPECT_NE(std::find(allow.begin(), allow.end(), "REGISTER"), allow.end());
  wire.sent.clear();
  ua.serve(Method::Register, nullptr);
  from_alice(AliceRequest("REGISTER").branch("z9hG4bKreg2"));
  (void)only_response(405);
  EXPECT_EQ(registrar.seen.size(), 1u);
}

// RFC 3327 §5.3: an edge proxy that inserted Path may Require it; the
// handler that serves REGISTER says it supports it, no other method does.
TEST_F(UaCore, AServedMethodsOwnOptionTagsAreNotRefusedWith420) {
  struct Registrar : sip::dialog::RequestHandler {
    Message respond(const Message& request, const sip::Peer&) override { return sip::make_response(request, 200); }
    std::string_view supported() const override { return "path"; }
  } registrar;
  ua.serve(Method::Register, &registrar);
  from_alice(AliceRequest("REGISTER").branch("z9hG4bKpath").header("Require: path"));
  (void)only_response(200);
  wire.sent.clear();
  from_alice(AliceRequest("REGISTER").branch("z9hG4bKpath2").header("Require: path, foo"));
  EXPECT_EQ(only_response(420).header(HeaderId::Unsupported), "foo");
  wire.sent.clear();
  from_alice(AliceRequest("OPTIONS").branch("z9hG4bKpath3").header("Require: path"));
  EXPECT_EQ(only_response(420).header(HeaderId::Unsupported), "path") << "path is the registrar's, not OPTIONS'";
}

TEST_F(UaCore, RequireOfAnUnknownExtensionGets420WithUnsupported) {
  from_alice(alice_invite().header("Require: foo"));
  // §8.2.2.3: "the UAS MUST respond by generating a response with status code
  // 420 (Bad Extension). The UAS MUST add an Unsupported header field, and
  // list in it those options it does not understand amongst those in the
  // Require header field of the request."
  const Message r = only_response(420);
  EXPECT_EQ(values(r, HeaderId::Unsupported), std::vector<std::string>{"foo"});
  EXPECT_TRUE(app.events.empty()) << "the application never sees the INVITE";
  EXPECT_EQ(ua.session_count(), 0u);
}

TEST_F(UaCore, UnsupportedListsOnlyWhatWeDoNotKnow) {
  from_alice(alice_invite().header("Require: replaces, foo, bar"));
  const Message r = only_response(420);
  EXPECT_EQ(values(r, HeaderId::Unsupported), (std::vector<std::string>{"foo", "bar"}))
      << "'replaces' is supported";
}

TEST_F(UaCore, RequireSpreadOverTwoLinesIsReadWhole) {
  // §7.3.1: header rows with the same name "MUST be possible to combine ...
  // into one "field-name: field-value" pair ... by appending each subsequent
  // field-value to the first, each separated by a comma". Require is such a list.
  from_alice(alice_invite().header("Require: replaces").header("Require: foo"));
  const Message r = only_response(420);
  EXPECT_EQ(values(r, HeaderId::Unsupported), std::vector<std::string>{"foo"});
  EXPECT_TRUE(app.events.empty()) << "the application must not get a call that requires 'foo'";
}

TEST_F(UaCore, RequireOfASupportedExtensionIsAccepted) {
  from_alice(alice_invite().header("Require: replaces"));
  EXPECT_EQ(app.events, std::vector<std::string>{"invite"});
  EXPECT_TRUE(wire.sent.empty());
}

TEST_F(UaCore, InviteWithANonSdpBodyGets415WithAccept) {
  from_alice(AliceRequest("INVITE").body("text/plain", "hello"));
  // §8.2.3: "If a UAS does not understand the body ... the UAS MUST reject
  // the request with a 415 (Unsupported Media Type) response. The response
  // MUST contain an Accept header field listing the types of all bodies it
  // understands".
  const Message r = only_response(415);
  EXPECT_EQ(r.header(HeaderId::Accept), "application/sdp");
  EXPECT_TRUE(app.events.empty());
}

TEST_F(UaCore, MediaTypeIsMatchedCaseInsensitively) {
  // RFC 3261 §20.15 takes media types from RFC 2045, whose §5.1 says "The
  // type, subtype, and parameter names are not case sensitive."
  from_alice(AliceRequest("INVITE").body("Application/SDP", sdp("alice", 1, 49170)));
  EXPECT_EQ(app.events, std::vector<std::string>{"invite"});
  EXPECT_EQ(wire.count("415"), 0u);
}

TEST_F(UaCore, RequestUriWithAnUnknownSchemeGets416) {
  from_alice(AliceRequest("INVITE")
                 .uri("mailto:cvw@example.com")
                 .body("application/sdp", sdp("alice", 1, 1)));
  // §8.2.2.1: "If the Request-URI uses a scheme not supported by the UAS, it
  // SHOULD reject the request with a 416 (Unsupported URI Scheme) response."
  only_response(416);
  EXPECT_TRUE(app.events.empty());
  EXPECT_EQ(ua.session_count(), 0u);
}

TEST_F(UaCore, InviteWithNoApplicationGets480) {
  ua.set_handler(nullptr);
  from_alice(alice_invite());
  only_response(480);
  EXPECT_EQ(ua.session_count(), 0u);
}

TEST_F(UaCore, ByeOutsideAnyDialogGets481) {
  from_alice(AliceRequest("BYE").cseq(2));
  only_response(481);
}

TEST_F(UaCore, InDialogRequestForAnUnknownDialogGets481) {
  // §12.2.2: "If the UAS wishes to reject the request because it does not
  // wish to recreate the dialog, it MUST respond to the request with a 481".
  from_alice(AliceRequest("INVITE")
                 .to_tag("no-such-dialog")
                 .cseq(2)
                 .body("application/sdp", sdp("alice", 2, 1)));
  const Message r = only_response(481);
  EXPECT_EQ(to_tag(r), "no-such-dialog") << "the To tag of the request is kept";
  EXPECT_TRUE(app.events.empty());
}

TEST_F(UaCore, EveryAnsweredTransactionIsGoneAfterItsTimers) {
  from_alice(AliceRequest("OPTIONS"));
  from_alice(AliceRequest("FOO"));
  from_alice(alice_invite().header("Require: foo"));
  EXPECT_EQ(wire.sent.size(), 3u);
  from_alice(AliceRequest("ACK")
                 .cseq(1)
                 .to_tag(to_tag(wire.last_message("420")))
                 .branch(top_branch(wire.last_message("420"))));
  after(40s);
  EXPECT_EQ(layer.size(), 0u);
  EXPECT_EQ(wire.sent.size(), 3u) << "the 420 was ACKed: no retransmission";
}

}  // namespace
}  // namespace cvw::sip::dialog::test
