// The event channel's JSON and query parameters: what clients send is
// untrusted, so every bad form must come back as an Error naming the fault.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "events/event_json.hpp"
#include "events/poll_query.hpp"

namespace cvw::events {
namespace {

TEST(EventJson, TimeIsRfc3339UtcWithMilliseconds) {
  using namespace std::chrono;
  const system_clock::time_point at =
      sys_days{year{2024} / 5 / 1} + hours(9) + minutes(30) + milliseconds(7);
  EXPECT_EQ(rfc3339_utc(at), "2024-05-01T09:30:00.007Z");
  EXPECT_EQ(rfc3339_utc(system_clock::time_point{} - milliseconds(1)), "1969-12-31T23:59:59.999Z");
}

TEST(EventJson, EventTailWithAndWithoutOperationId) {
  const std::string with =
      event_tail("callState", std::string("op-1"), {{"state", "ringing"}}, "T");
  EXPECT_EQ(with,
            R"("type":"callState","operationId":"op-1","data":{"state":"ringing"},"time":"T"})");
  const std::string without = event_tail("presence", std::nullopt, {}, "T");
  EXPECT_EQ(without, R"("type":"presence","data":{},"time":"T"})");
  EventQueue q;
  q.append(with);
  auto parsed = boost::json::parse(q.events()[0].json).as_object();
  EXPECT_EQ(parsed.at("seq").as_int64(), 1);
  EXPECT_EQ(parsed.at("operationId").as_string(), "op-1");
}

TEST(EventJson, PollBodyListsEventsAndLinksTheNextAck) {
  EventQueue q;
  q.append(event_tail("a", std::nullopt, {}, "T"));
  q.append(event_tail("b", std::nullopt, {}, "T"));
  auto body = boost::json::parse(poll_body(q.events(), 2)).as_object();
  EXPECT_EQ(body.at("events").as_array().size(), 2u);
  EXPECT_EQ(body.at("_links").at("next").as_string(), "/api/v1/events?ack=2");
  auto empty = boost::json::parse(poll_body({}, 7)).as_object();
  EXPECT_TRUE(empty.at("events").as_array().empty());
  EXPECT_EQ(empty.at("_links").at("next").as_string(), "/api/v1/events?ack=7");
}

TEST(EventJson, AckFrames) {
  auto ok = parse_ack_frame(R"({"ack": 12})");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok, 12u);
  EXPECT_EQ(*parse_ack_frame(R"({"ack": 0, "extra": true})"), 0u);
  EXPECT_EQ(*parse_ack_frame(R"({"ack": 9007199254740991})"), kMaxSeq);

  struct Bad {
    const char* frame;
    const char* says;
  };
  for (const Bad& bad :
       {Bad{"hello", "not JSON"}, Bad{"", "not JSON"}, Bad{"[1]", "JSON object"},
        Bad{"{}", "no \"ack\""}, Bad{R"({"ack": -1})", "got -1"},
        Bad{R"({"ack": 1.5})", "got 1.5E0"}, Bad{R"({"ack": "3"})", "got a string"},
        Bad{R"({"ack": 9007199254740992})", "got 9007199254740992"},
        Bad{R"({"ack": 18446744073709551615})", "got 18446744073709551615"},
        Bad{R"({"ack": null})", "got a null"}}) {
    auto result = parse_ack_frame(bad.frame);
    ASSERT_FALSE(result.ok()) << bad.frame;
    EXPECT_NE(result.error().message.find(bad.says), std::string::npos)
        << bad.frame << ": " << result.error().message;
  }
  EXPECT_EQ(boost::json::parse(error_frame("no \"ack\"")).at("error").as_string(), "no \"ack\"");
}

TEST(PollQuery, DefaultsAndValues) {
  auto none = parse_poll_query("");
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->ack, 0u);
  EXPECT_EQ(none->timeout, std::chrono::seconds(30));
  auto both = parse_poll_query("timeout=120&ack=17&other=x");
  ASSERT_TRUE(both.ok()) << both.error().message;
  EXPECT_EQ(both->ack, 17u);
  EXPECT_EQ(both->timeout, std::chrono::seconds(120));
  EXPECT_EQ(parse_poll_query("timeout=1")->timeout, std::chrono::seconds(1));
  EXPECT_EQ(*parse_ack_query("ack=9007199254740991"), kMaxSeq);
}

TEST(PollQuery, BadValuesNameTheParameter) {
  struct Bad {
    const char* query;
    const char* says;
  };
  for (const Bad& bad :
       {Bad{"ack=x", "'ack'"}, Bad{"ack=", "'ack'"}, Bad{"ack=-1", "'ack'"}, Bad{"ack=+1", "'ack'"},
        Bad{"ack=1.0", "'ack'"}, Bad{"ack=%201", "'ack'"}, Bad{"ack=9007199254740992", "'ack'"},
        Bad{"ack=99999999999999999999999", "'ack'"}, Bad{"timeout=0", "'timeout'"},
        Bad{"timeout=121", "'timeout'"}, Bad{"timeout=abc", "'timeout'"},
        Bad{"timeout=", "'timeout'"}, Bad{"ack=1&timeout=-5", "'timeout'"}}) {
    auto result = parse_poll_query(bad.query);
    ASSERT_FALSE(result.ok()) << bad.query;
    EXPECT_NE(result.error().message.find(bad.says), std::string::npos)
        << bad.query << ": " << result.error().message;
    EXPECT_EQ(result.error().status, 400);
  }
  // The value is echoed readable and bounded.
  auto odd = parse_poll_query("ack=%FF%22" + std::string(100, 'z'));
  ASSERT_FALSE(odd.ok());
  EXPECT_NE(odd.error().message.find("(got \"%FF%22zzz"), std::string::npos) << odd.error().message;
  EXPECT_LT(odd.error().message.size(), 160u);
  EXPECT_FALSE(parse_ack_query("ack=x").ok());
}

}  // namespace
}  // namespace cvw::events
