// LocationService: RFC 3261 §10.3 steps 6-8 on plain values: add, refresh,
// remove, "*", the Call-ID/CSeq rule, the expiry limits, the contact limit,
// atomic failure, expiry and purge.
#include <gtest/gtest.h>

#include <algorithm>

#include "registrar/location_service.hpp"

namespace cvw::registrar {
namespace {

using namespace std::chrono_literals;

constexpr std::string_view kAor = "sip:alice@example.com";

RegisterRequest request(std::string_view call_id, std::uint32_t cseq, std::vector<ContactRequest> contacts,
                        std::optional<std::uint32_t> expires = std::nullopt) {
  RegisterRequest r;
  r.call_id = call_id;
  r.cseq = cseq;
  r.contacts = std::move(contacts);
  r.expires = expires;
  return r;
}
ContactRequest contact(std::string_view uri, std::optional<std::uint32_t> expires = std::nullopt) {
  ContactRequest c;
  c.uri = uri;
  c.expires = expires;
  return c;
}

class LocationServiceTest : public ::testing::Test {
 protected:
  LocationService service{RegistrarLimits{3600, 60, 7200, 3}};
  WallClock::time_point now = WallClock::time_point(std::chrono::seconds(1'800'000'000));
  std::vector<std::string> changes;
  void SetUp() override {
    service.on_change = [this](std::string_view aor, const std::vector<Binding>& now_bound) {
      changes.push_back(std::string(aor) + " " + std::to_string(now_bound.size()));
    };
  }
  std::vector<std::string> contacts() {
    std::vector<std::string> out;
    for (const Binding& b : service.lookup(kAor, now)) out.push_back(b.contact);
    return out;
  }
};

TEST_F(LocationServiceTest, AddsRefreshesAndRemovesBindings) {
  auto r = service.apply(kAor, request("c1", 1, {contact("sip:alice@127.0.0.1:5070")}), "udp:127.0.0.1:5070", now);
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].seconds_left(now), 3600u) << "the default expiry";
  EXPECT_EQ((*r)[0].source, "udp:127.0.0.1:5070");
  // A refresh of the same contact (written differently, §19.1.4) with a new CSeq.
  r = service.apply(kAor, request("c1", 2, {contact("sip:alice@127.0.0.1:5070;TRANSPORT=udp", 120)}), "udp:x", now);
  ASSERT_TRUE(r.ok());
  // uri_equal: a transport parameter present on one side only makes them differ
  EXPECT_EQ(contacts().size(), 2u);
  r = service.apply(kAor, request("c1", 3, {contact("sip:alice@127.0.0.1:5070", 120)}), "udp:x", now);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(contacts().size(), 2u);
  EXPECT_EQ(service.lookup(kAor, now)[0].seconds_left(now), 120u);
  // expires=0 removes one; the other stays.
  r = service.apply(kAor, request("c1", 4, {contact("sip:alice@127.0.0.1:5070", 0)}), "udp:x", now);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(contacts(), (std::vector<std::string>{"sip:alice@127.0.0.1:5070;TRANSPORT=udp"}));
  EXPECT_EQ(changes, (std::vector<std::string>{"sip:alice@example.com 1", "sip:alice@example.com 2",
                                               "sip:alice@example.com 2", "sip:alice@example.com 1"}));
}

TEST_F(LocationServiceTest, AStarWithExpiresZeroRemovesEverything) {
  ASSERT_TRUE(service.apply(kAor, request("c1", 1, {contact("sip:a@127.0.0.1"), contact("sip:b@127.0.0.1")}), "", now).ok());
  RegisterRequest all = request("c2", 1, {}, 0);
  all.wildcard = true;
  auto r = service.apply(kAor, all, "", now);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->empty());
  EXPECT_EQ(service.aor_count(), 0u);
}

TEST_F(LocationServiceTest, AnOlderRequestOfTheSameCallIdFailsAndChangesNothing) {
  ASSERT_TRUE(service.apply(kAor, request("c1", 5, {contact("sip:a@127.0.0.1", 300)}), "", now).ok());
  changes.clear();
  for (std::uint32_t cseq : {5u, 4u}) {
    auto r = service.apply(kAor, request("c1", cseq, {contact("sip:a@127.0.0.1", 0)}), "", now);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().status, 400);
  }
  RegisterRequest all = request("c1", 5, {}, 0);
  all.wildcard = true;
  EXPECT_EQ(service.apply(kAor, all, "", now).error().status, 400);
  // Another Call-ID (the client restarted) may remove it with any CSeq.
  EXPECT_EQ(contacts().size(), 1u);
  EXPECT_TRUE(changes.empty());
  ASSERT_TRUE(service.apply(kAor, request("c9", 1, {contact("sip:a@127.0.0.1", 0)}), "", now).ok());
  EXPECT_TRUE(contacts().empty());
}

TEST_F(LocationServiceTest, ExpiryLimits) {
  auto brief = service.apply(kAor, request("c1", 1, {contact("sip:a@127.0.0.1", 30)}), "", now);
  ASSERT_FALSE(brief.ok());
  EXPECT_EQ(brief.error().status, 423);
  EXPECT_NE(brief.error().message.find("minimum of 60 s"), std::string::npos);
  // The Expires header applies to contacts without their own; long ones are shortened.
  auto r = service.apply(kAor, request("c1", 2, {contact("sip:a@127.0.0.1"), contact("sip:b@127.0.0.1", 90)}, 86400),
                         "", now);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[0].seconds_left(now), 7200u);
  EXPECT_EQ((*r)[1].seconds_left(now), 90u);
}

TEST_F(LocationServiceTest, OneContactTooManyIsRefusedAsAWhole) {
  ASSERT_TRUE(service.apply(kAor, request("c1", 1, {contact("sip:a@127.0.0.1"), contact("sip:b@127.0.0.1")}), "", now).ok());
  auto r = service.apply(kAor, request("c2", 1, {contact("sip:c@127.0.0.1"), contact("sip:d@127.0.0.1")}), "", now);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().status, 403);
  EXPECT_EQ(contacts().size(), 2u) << "nothing of the refused request was kept";
}

TEST_F(LocationServiceTest, BindingsExpireAndPurgeDropsThem) {
  ASSERT_TRUE(service.apply(kAor, request("c1", 1, {contact("sip:a@127.0.0.1", 60), contact("sip:b@127.0.0.1", 600)}), "", now).ok());
  ASSERT_TRUE(service.apply("sip:bob@example.com", request("c2", 1, {contact("sip:bob@127.0.0.1", 60)}), "", now).ok());
  now += 61s;
  EXPECT_EQ(contacts(), (std::vector<std::string>{"sip:b@127.0.0.1"})) << "lookup never returns an expired binding";
  EXPECT_EQ(service.binding_count(), 3u);
  changes.clear();
  EXPECT_EQ(service.purge(now), 2u);
  EXPECT_EQ(service.binding_count(), 1u);
  EXPECT_EQ(service.aor_count(), 1u);
  std::sort(changes.begin(), changes.end());  // AoRs are visited in no particular order
  EXPECT_EQ(changes, (std::vector<std::string>{"sip:alice@example.com 1", "sip:bob@example.com 0"}));
}

TEST_F(LocationServiceTest, AQueryReadsOnlyAndRestoreSkipsExpired) {
  Binding b;
  b.contact = "sip:a@127.0.0.1";
  b.expires = now + 100s;
  service.restore(std::string(kAor), b, now);
  b.contact = "sip:old@127.0.0.1";
  b.expires = now - 1s;
  service.restore(std::string(kAor), b, now);
  auto r = service.apply(kAor, request("c1", 1, {}), "", now);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->size(), 1u);
  EXPECT_TRUE(changes.empty());
}

}  // namespace
}  // namespace cvw::registrar
