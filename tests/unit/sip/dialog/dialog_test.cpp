// The Dialog value (RFC 3261 §12): ids, tags, route sets, requests inside a
// dialog. No transactions, no time: messages in, messages out.
#include "ua_test_support.hpp"

namespace cvw::sip::dialog::test {
namespace {

Message wire_message(std::string_view text) {
  return parse(crlf(text));
}

// Alice's INVITE as it reaches us through two record-routing proxies.
constexpr std::string_view kInviteViaProxies =
    "INVITE sip:cvw@127.0.0.1:5060 SIP/2.0\n"
    "Via: SIP/2.0/UDP 192.0.2.51:5060;branch=z9hG4bKp2\n"
    "Via: SIP/2.0/UDP 192.0.2.50:5060;branch=z9hG4bKp1\n"
    "Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKa1\n"
    "Record-Route: <sip:192.0.2.51;lr>\n"
    "Record-Route: <sip:192.0.2.50;lr;ftag=x>\n"
    "Max-Forwards: 68\n"
    "From: \"Alice A.\" <sip:alice@atlanta.example.com>;tag=alice-tag\n"
    "To: Bob <sip:cvw@127.0.0.1:5060>\n"
    "Call-ID: dlg-1@192.0.2.10\n"
    "CSeq: 7 INVITE\n"
    "Contact: <sip:alice@192.0.2.10:5060;transport=udp>;expires=60\n"
    "Content-Length: 0\n"
    "\n";

// --- free functions -----------------------------------------------------------------

TEST(DialogIds, RequestIdIsCallIdToTagFromTag) {
  const Message bye = wire_message(
      "BYE sip:cvw@127.0.0.1 SIP/2.0\n"
      "Via: SIP/2.0/UDP 192.0.2.10;branch=z9hG4bKx\n"
      "From: <sip:alice@a.example.com>;tag=theirs\n"
      "To: <sip:cvw@127.0.0.1>;tag=ours\n"
      "Call-ID: c1@a.example.com\n"
      "CSeq: 2 BYE\n"
      "\n");
  const DialogId id = dialog_id_of_request(bye);
  EXPECT_EQ(id.call_id, "c1@a.example.com");
  EXPECT_EQ(id.local_tag, "ours") << "§12.2.2: the local tag of a received request is its To tag";
  EXPECT_EQ(id.remote_tag, "theirs");
}

TEST(DialogIds, ResponseIdIsCallIdFromTagToTag) {
  const Message ok = wire_message(
      "SIP/2.0 200 OK\n"
      "Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKy\n"
      "From: <sip:cvw@127.0.0.1>;tag=ours\n"
      "To: <sip:bob@b.example.com>;tag=theirs\n"
      "Call-ID: c2@127.0.0.1\n"
      "CSeq: 1 INVITE\n"
      "\n");
  const DialogId id = dialog_id_of_response(ok);
  EXPECT_EQ(id, (DialogId{"c2@127.0.0.1", "ours", "theirs"}));
}

TEST(DialogIds, RequestOutsideADialogHasNoLocalTag) {
  const Message invite = wire_message(kInviteViaProxies);
  const DialogId id = dialog_id_of_request(invite);
  EXPECT_EQ(id.local_tag, "");
  EXPECT_EQ(id.remote_tag, "alice-tag");
}

TEST(DialogIds, EqualIdsHashEqualAndTagsAreNotInterchangeable) {
  const DialogId a{"c", "x", "y"};
  const DialogId b{"c", "y", "x"};
  EXPECT_EQ(DialogIdHash{}(a), DialogIdHash{}(DialogId{"c", "x", "y"}));
  EXPECT_NE(a, b);
}

TEST(WithoutTag, DropsOnlyTheTag) {
  EXPECT_EQ(without_tag("Alice <sip:alice@a.example.com>;tag=1928301774"),
            "Alice <sip:alice@a.example.com>");
  EXPECT_EQ(without_tag("\"Alice A.\" <sip:alice@a.example.com>;foo=bar;tag=1;x=y"),
            "\"Alice A.\" <sip:alice@a.example.com>;foo=bar;x=y");
  EXPECT_EQ(without_tag("sip:alice@a.example.com;tag=99"), "<sip:alice@a.example.com>");
  EXPECT_EQ(without_tag("<sip:alice@a.example.com;user=phone>"),
            "<sip:alice@a.example.com;user=phone>");
  // The sliced (usual) shape and the parsed one give the same text.
  EXPECT_EQ(without_tag("sipp <sip:sipp@127.0.0.1:5061>;tag=1-2;x;tagx=3;y=tag"),
            "sipp <sip:sipp@127.0.0.1:5061>;x;tagx=3;y=tag");
  EXPECT_EQ(without_tag("  Bob  Smith <sip:b@h;transport=tcp>;tag=9"),
            "Bob  Smith <sip:b@h;transport=tcp>");
  EXPECT_EQ(without_tag("<sip:b@h> ; tag = 9 ; x = 1"),
            "<sip:b@h>;x=1");  // whitespace: the general path
}

TEST(ContactUri, IsTheUriOfTheFirstContact) {
  const Message invite = wire_message(kInviteViaProxies);
  EXPECT_EQ(contact_uri(invite), "sip:alice@192.0.2.10:5060;transport=udp")
      << ";expires is a header parameter, not part of the URI";

  const Message two = wire_message(
      "SIP/2.0 200 OK\n"
      "Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKy\n"
      "From: <sip:cvw@127.0.0.1>;tag=ours\n"
      "To: <sip:bob@b.example.com>;tag=theirs\n"
      "Call-ID: c2@127.0.0.1\n"
      "CSeq: 1 INVITE\n"
      "Contact: \"Bob, mobile\" <sip:bob@192.0.2.20:5070>;q=0.5, <sip:bob@192.0.2.21>\n"
      "\n");
  EXPECT_EQ(contact_uri(two), "sip:bob@192.0.2.20:5070") << "a comma inside quotes does not split";
}

TEST(ContactUri, IsEmptyWithoutAUsableContact) {
  const Message none = wire_message(
      "OPTIONS sip:cvw@127.0.0.1 SIP/2.0\n"
      "Via: SIP/2.0/UDP 192.0.2.10;branch=z9hG4bKx\n"
      "From: <sip:alice@a.example.com>;tag=t\n"
      "To: <sip:cvw@127.0.0.1>\n"
      "Call-ID: o1\n"
      "CSeq: 1 OPTIONS\n"
      "\n");
  EXPECT_EQ(contact_uri(none), "");
  const Message star = wire_message(
      "REGISTER sip:127.0.0.1 SIP/2.0\n"
      "Via: SIP/2.0/UDP 192.0.2.10;branch=z9hG4bKx\n"
      "From: <sip:alice@a.example.com>;tag=t\n"
      "To: <sip:alice@a.example.com>\n"
      "Call-ID: r1\n"
      "CSeq: 1 REGISTER\n"
      "Contact: *\n"
      "Expires: 0\n"
      "\n");
  EXPECT_EQ(contact_uri(star), "");
}

// --- the UAS side of a dialog (§12.1.1) -----------------------------------------------

TEST(UasDialog, TakesRouteSetInOrderAndTargetFromTheRequest) {
  const Message invite = wire_message(kInviteViaProxies);
  Result<Dialog> d = Dialog::as_uas(invite, "our-tag", "sip:cvw@127.0.0.1:5060");
  ASSERT_TRUE(d.ok());
  const DialogId expected{"dlg-1@192.0.2.10", "our-tag", "alice-tag"};
  EXPECT_EQ(d->id(), view_of(expected));
  EXPECT_FALSE(d->is_uac());
  EXPECT_TRUE(d->early());
  EXPECT_EQ(d->route_set(),
            (std::vector<std::string>{"<sip:192.0.2.51;lr>", "<sip:192.0.2.50;lr;ftag=x>"}))
      << "§12.1.1: Record-Route of the request, taken in order";
  EXPECT_EQ(d->remote_target(), "sip:alice@192.0.2.10:5060;transport=udp");
  EXPECT_EQ(d->remote_uri(), "\"Alice A.\" <sip:alice@atlanta.example.com>");
  EXPECT_EQ(d->local_uri(), "Bob <sip:cvw@127.0.0.1:5060>");
  EXPECT_EQ(d->next_hop_uri(), "sip:192.0.2.51;lr");
}

TEST(UasDialog, NeedsAContact) {
  const Message invite = wire_message(
      "INVITE sip:cvw@127.0.0.1 SIP/2.0\n"
      "Via: SIP/2.0/UDP 192.0.2.10;branch=z9hG4bKx\n"
      "From: <sip:alice@a.example.com>;tag=t\n"
      "To: <sip:cvw@127.0.0.1>\n"
      "Call-ID: nc1\n"
      "CSeq: 1 INVITE\n"
      "\n");
  EXPECT_FALSE(Dialog::as_uas(invite, "our-tag", "sip:cvw@127.0.0.1").ok());
}

TEST(UasDialog, ByeFollowsTheRouteSetAndCountsCSeqFromItsOwnStart) {
  const Message invite = wire_message(kInviteViaProxies);
  Dialog d = std::move(Dialog::as_uas(invite, "our-tag", "sip:cvw@127.0.0.1:5060").value());
  const Message bye = d.make_request(Method::Bye);
  EXPECT_EQ(bye.method(), Method::Bye);
  EXPECT_EQ(bye.request_uri(), "sip:alice@192.0.2.10:5060;transport=udp")
      << "§12.2.1.1 loose routing: the Request-URI is the remote target";
  EXPECT_EQ(values(bye, HeaderId::Route),
            (std::vector<std::string>{"<sip:192.0.2.51;lr>", "<sip:192.0.2.50;lr;ftag=x>"}));
  EXPECT_EQ(from_tag(bye), "our-tag");
  EXPECT_EQ(to_tag(bye), "alice-tag");
  EXPECT_EQ(bye.header(HeaderId::CallId), "dlg-1@192.0.2.10");
  EXPECT_EQ(bye.header(HeaderId::MaxForwards), "70");
  const std::uint32_t first = cseq_number(bye);
  EXPECT_EQ(bye.header(HeaderId::CSeq), std::to_string(first) + " BYE");
  EXPECT_EQ(bye.find(HeaderId::Contact), nullptr) << "a BYE is no target refresh";
  EXPECT_EQ(d.local_cseq(), first);

  const Message info = d.make_request("INFO");
  EXPECT_EQ(cseq_number(info), first + 1) << "§12.2.1.1: the local CSeq goes up by one per request";
  const Message reinvite = d.make_request(Method::Invite);
  EXPECT_EQ(cseq_number(reinvite), first + 2);
  EXPECT_EQ(reinvite.header(HeaderId::Contact), "<sip:cvw@127.0.0.1:5060>");
}

TEST(UasDialog, RemoteCSeqMustNotGoDown) {
  const Message invite = wire_message(kInviteViaProxies);  // CSeq 7
  Dialog d = std::move(Dialog::as_uas(invite, "our-tag", "sip:cvw@127.0.0.1").value());
  auto request = [](std::string_view method, int cseq) {
    return wire_message(std::string(method) +
                        " sip:cvw@127.0.0.1 SIP/2.0\n"
                        "Via: SIP/2.0/UDP 192.0.2.10;branch=z9hG4bKr" +
                        std::to_string(cseq) +
                        "\n"
                        "From: <sip:alice@a.example.com>;tag=alice-tag\n"
                        "To: <sip:cvw@127.0.0.1>;tag=our-tag\n"
                        "Call-ID: dlg-1@192.0.2.10\n"
                        "CSeq: " +
                        std::to_string(cseq) + " " + std::string(method) +
                        "\n"
                        "\n");
  };
  EXPECT_TRUE(d.accept_remote_request(request("INFO", 8)).ok());
  Result<void> lower = d.accept_remote_request(request("INFO", 6));
  ASSERT_FALSE(lower.ok());
  EXPECT_EQ(lower.error().status, 500) << "§12.2.2: lower than the remote CSeq MUST get 500";
  EXPECT_TRUE(d.accept_remote_request(request("ACK", 7)).ok()) << "ACK carries its INVITE's number";
  EXPECT_TRUE(d.accept_remote_request(request("INFO", 9)).ok());
  EXPECT_FALSE(d.accept_remote_request(request("INFO", 8)).ok()) << "the remote CSeq moved up to 9";
}

TEST(UasDialog, TargetRefreshReplacesTheRemoteTarget) {
  const Message invite = wire_message(kInviteViaProxies);
  Dialog d = std::move(Dialog::as_uas(invite, "our-tag", "sip:cvw@127.0.0.1").value());
  const auto reinvite_with = [](std::string_view contact) {
    return wire_message(
        "INVITE sip:cvw@127.0.0.1 SIP/2.0\n"
        "Via: SIP/2.0/UDP 192.0.2.10;branch=z9hG4bKre\n"
        "From: <sip:alice@a.example.com>;tag=alice-tag\n"
        "To: <sip:cvw@127.0.0.1>;tag=our-tag\n"
        "Call-ID: dlg-1@192.0.2.10\n"
        "CSeq: 8 INVITE\n"
        "Contact: " +
        std::string(contact) + "\n\n");
  };
  const Message reinvite = reinvite_with("<sip:alice@192.0.2.11:5090>");
  const std::string local_uri(d.local_uri()), remote_uri(d.remote_uri());
  d.refresh_remote_target(reinvite);
  EXPECT_EQ(d.remote_target(), "sip:alice@192.0.2.11:5090");
  EXPECT_EQ(d.route_set().size(), 2u) << "§12.2: the route set never changes after creation";
  // The dialog's other texts (which share its buffer) are untouched, with a
  // longer target and with a shorter one.
  for (const std::string_view contact :
       {"<sip:alice-with-a-much-longer-user@host.a.example.com:5090;transport=tcp>", "<sip:a@h>"}) {
    d.refresh_remote_target(reinvite_with(contact));
    EXPECT_EQ(d.remote_target(), uri_of(contact));
    const DialogId expected{"dlg-1@192.0.2.10", "our-tag", "alice-tag"};
    EXPECT_EQ(d.id(), view_of(expected));
    EXPECT_EQ(d.local_uri(), local_uri);
    EXPECT_EQ(d.remote_uri(), remote_uri);
    EXPECT_EQ(d.local_contact(), "sip:cvw@127.0.0.1");
  }
}

// --- the UAC side of a dialog (§12.1.2) -----------------------------------------------

constexpr std::string_view kOurInvite =
    "INVITE sip:bob@192.0.2.20 SIP/2.0\n"
    "Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKours;rport\n"
    "Max-Forwards: 70\n"
    "From: <sip:cvw@127.0.0.1:5060>;tag=our-tag\n"
    "To: Bob <sip:bob@192.0.2.20>\n"
    "Call-ID: out-1@127.0.0.1\n"
    "CSeq: 1 INVITE\n"
    "Contact: <sip:cvw@127.0.0.1:5060>\n"
    "Content-Length: 0\n"
    "\n";

Message answer_with(std::string_view status_line, std::string_view extra) {
  return wire_message(std::string(status_line) +
                      "\n"
                      "Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKours;rport\n"
                      "From: <sip:cvw@127.0.0.1:5060>;tag=our-tag\n"
                      "To: Bob <sip:bob@192.0.2.20>;tag=bob-tag\n"
                      "Call-ID: out-1@127.0.0.1\n"
                      "CSeq: 1 INVITE\n" +
                      std::string(extra) + "Content-Length: 0\n\n");
}

TEST(UacDialog, RouteSetIsRecordRouteReversed) {
  const Message invite = wire_message(kOurInvite);
  const Message ok = answer_with("SIP/2.0 200 OK",
                                 "Record-Route: <sip:192.0.2.50;lr>, <sip:192.0.2.51;lr>\n"
                                 "Record-Route: <sip:192.0.2.52;lr>\n"
                                 "Contact: <sip:bob@192.0.2.20:5070>\n");
  Dialog d = std::move(Dialog::as_uac(invite, ok, "sip:cvw@127.0.0.1:5060").value());
  EXPECT_TRUE(d.is_uac());
  const DialogId expected{"out-1@127.0.0.1", "our-tag", "bob-tag"};
  EXPECT_EQ(d.id(), view_of(expected));
  EXPECT_EQ(d.route_set(), (std::vector<std::string>{"<sip:192.0.2.52;lr>", "<sip:192.0.2.51;lr>",
                                                     "<sip:192.0.2.50;lr>"}))
      << "§12.1.2: Record-Route of the response, taken in reverse order";
  EXPECT_EQ(d.remote_target(), "sip:bob@192.0.2.20:5070");
  EXPECT_EQ(d.local_uri(), "<sip:cvw@127.0.0.1:5060>");
  EXPECT_EQ(d.remote_uri(), "Bob <sip:bob@192.0.2.20>");
  EXPECT_EQ(d.local_cseq(), 1u) << "§12.1.2: the local CSeq is the INVITE's";

  const Message bye = d.make_request(Method::Bye);
  EXPECT_EQ(bye.header(HeaderId::CSeq), "2 BYE");
  EXPECT_EQ(to_tag(bye), "bob-tag");
  EXPECT_EQ(from_tag(bye), "our-tag");
}

TEST(UacDialog, NeedsAToTag) {
  const Message invite = wire_message(kOurInvite);
  const Message untagged = wire_message(
      "SIP/2.0 180 Ringing\n"
      "Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKours;rport\n"
      "From: <sip:cvw@127.0.0.1:5060>;tag=our-tag\n"
      "To: Bob <sip:bob@192.0.2.20>\n"
      "Call-ID: out-1@127.0.0.1\n"
      "CSeq: 1 INVITE\n"
      "\n");
  EXPECT_FALSE(Dialog::as_uac(invite, untagged, "sip:cvw@127.0.0.1").ok());
}

TEST(UacDialog, The2xxRecomputesRouteSetAndTargetOfTheEarlyDialog) {
  const Message invite = wire_message(kOurInvite);
  const Message ringing = answer_with("SIP/2.0 180 Ringing",
                                      "Record-Route: <sip:192.0.2.50;lr>\n"
                                      "Contact: <sip:bob@192.0.2.20:5070>\n");
  Dialog d = std::move(Dialog::as_uac(invite, ringing, "sip:cvw@127.0.0.1").value());
  EXPECT_TRUE(d.early());
  const Message ok = answer_with("SIP/2.0 200 OK",
                                 "Record-Route: <sip:192.0.2.60;lr>, <sip:192.0.2.61;lr>\n"
                                 "Contact: <sip:bob@192.0.2.22:5080>\n");
  d.confirm(ok);
  EXPECT_FALSE(d.early());
  EXPECT_EQ(d.route_set(), (std::vector<std::string>{"<sip:192.0.2.61;lr>", "<sip:192.0.2.60;lr>"}))
      << "§12.1.2/§13.2.2.4: the 2xx's route set stands";
  EXPECT_EQ(d.remote_target(), "sip:bob@192.0.2.22:5080");
}

TEST(UacDialog, AckHasTheInviteCSeqAndNoCSeqIsUsedUp) {
  const Message invite = wire_message(kOurInvite);
  const Message ok = answer_with("SIP/2.0 200 OK", "Contact: <sip:bob@192.0.2.20:5070>\n");
  Dialog d = std::move(Dialog::as_uac(invite, ok, "sip:cvw@127.0.0.1").value());
  d.confirm(ok);
  const Message ack = d.make_ack(1);
  EXPECT_EQ(ack.method(), Method::Ack);
  EXPECT_EQ(ack.request_uri(), "sip:bob@192.0.2.20:5070");
  EXPECT_EQ(ack.header(HeaderId::CSeq), "1 ACK") << "§13.2.2.4";
  EXPECT_EQ(to_tag(ack), "bob-tag");
  EXPECT_EQ(from_tag(ack), "our-tag");
  EXPECT_EQ(d.local_cseq(), 1u);
}

TEST(UacDialog, StrictFirstRouteBecomesTheRequestUri) {
  const Message invite = wire_message(kOurInvite);
  // Reversed: 192.0.2.51 (strict) first, then 192.0.2.50 (loose).
  const Message ok =
      answer_with("SIP/2.0 200 OK",
                  "Record-Route: <sip:192.0.2.50;lr>, <sip:192.0.2.51;maddr=192.0.2.51>\n"
                  "Contact: <sip:bob@192.0.2.20:5070>\n");
  Dialog d = std::move(Dialog::as_uac(invite, ok, "sip:cvw@127.0.0.1").value());
  d.confirm(ok);
  const Message bye = d.make_request(Method::Bye);
  // §12.2.1.1: "the UAC MUST place the first URI from the route set into the
  // Request-URI ... MUST add a Route header field containing the remainder of
  // the route set values in order ... MUST then place the remote target URI
  // into the Route header field as the last value."
  EXPECT_EQ(bye.request_uri(), "sip:192.0.2.51;maddr=192.0.2.51");
  EXPECT_EQ(values(bye, HeaderId::Route),
            (std::vector<std::string>{"<sip:192.0.2.50;lr>", "<sip:bob@192.0.2.20:5070>"}));
  EXPECT_EQ(d.next_hop_uri(), "sip:192.0.2.51;maddr=192.0.2.51");
  const Message ack = d.make_ack(1);
  EXPECT_EQ(ack.request_uri(), "sip:192.0.2.51;maddr=192.0.2.51");
  EXPECT_EQ(values(ack, HeaderId::Route),
            (std::vector<std::string>{"<sip:192.0.2.50;lr>", "<sip:bob@192.0.2.20:5070>"}));
}

}  // namespace
}  // namespace cvw::sip::dialog::test
