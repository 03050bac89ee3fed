// EventQueue: sequence numbers, acknowledgement, overflow trimming.
#include "events/event_queue.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace cvw::events {
namespace {

std::vector<std::uint64_t> seqs(std::span<const QueuedEvent> events) {
  std::vector<std::uint64_t> out;
  for (const QueuedEvent& e : events) out.push_back(e.seq);
  return out;
}

TEST(EventQueue, NumbersFromOneAndPutsTheSeqFirst) {
  EventQueue q;
  EXPECT_EQ(q.last_seq(), 0u);
  EXPECT_EQ(q.append("\"type\":\"a\"}"), 1u);
  EXPECT_EQ(q.append("\"type\":\"b\"}"), 2u);
  ASSERT_EQ(q.size(), 2u);
  EXPECT_EQ(q.events()[0].json, "{\"seq\":1,\"type\":\"a\"}");
  EXPECT_EQ(q.events()[1].json, "{\"seq\":2,\"type\":\"b\"}");
}

TEST(EventQueue, AckDropsUpToTheSeqAndAStaleAckDropsNothing) {
  EventQueue q;
  for (int i = 0; i < 5; ++i) q.append("\"type\":\"x\"}");
  q.ack(2);
  EXPECT_EQ(seqs(q.events()), (std::vector<std::uint64_t>{3, 4, 5}));
  q.ack(1);
  EXPECT_EQ(seqs(q.events()), (std::vector<std::uint64_t>{3, 4, 5}));
  EXPECT_EQ(seqs(q.after(3)), (std::vector<std::uint64_t>{4, 5}));
  EXPECT_EQ(seqs(q.after(0)), (std::vector<std::uint64_t>{3, 4, 5}));
  EXPECT_TRUE(q.after(5).empty());
  q.ack(5);
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.last_seq(), 5u);
  EXPECT_EQ(q.append("\"type\":\"x\"}"), 6u);
}

TEST(EventQueue, TrimDropsTheOldestAndTracksTheQueuedResync) {
  EventQueue q;
  for (int i = 0; i < 4; ++i) q.append("\"type\":\"x\"}");
  EXPECT_EQ(q.trim(3), 1u);
  EXPECT_FALSE(q.resync_queued());
  EXPECT_EQ(q.append_resync("\"type\":\"resync\"}"), 5u);
  EXPECT_TRUE(q.resync_queued());
  EXPECT_EQ(q.trim(3), 1u);
  EXPECT_EQ(seqs(q.events()), (std::vector<std::uint64_t>{3, 4, 5}));
  // Three more events push the resync itself out: it is no longer queued.
  for (int i = 0; i < 3; ++i) q.append("\"type\":\"x\"}");
  q.trim(3);
  EXPECT_EQ(seqs(q.events()), (std::vector<std::uint64_t>{6, 7, 8}));
  EXPECT_FALSE(q.resync_queued());
  EXPECT_EQ(q.trim(3), 0u);
}

// A client that reads nothing keeps a full queue: each publish trims one.
// Across many trims (and the compactions behind them) the queue holds the
// newest events in order, acks and after() see only those, and a final ack
// leaves nothing.
TEST(EventQueue, AFullQueueKeepsTheNewestInOrderAcrossManyTrims) {
  EventQueue q;
  for (int i = 0; i < 2500; ++i) {
    q.append("\"type\":\"x\"}");
    q.trim(100);
    ASSERT_EQ(q.size(), std::min<std::size_t>(i + 1, 100));
    ASSERT_EQ(q.events().front().seq, q.last_seq() - q.size() + 1);
    ASSERT_EQ(q.events().back().seq, q.last_seq());
  }
  EXPECT_EQ(q.events().front().json, "{\"seq\":2401,\"type\":\"x\"}");
  EXPECT_EQ(q.after(2450).size(), 50u);
  q.ack(2420);
  EXPECT_EQ(q.size(), 80u);
  EXPECT_EQ(q.events().front().seq, 2421u);
  EXPECT_EQ(q.after(0).size(), 80u);
  q.ack(2500);
  EXPECT_TRUE(q.empty());
  EXPECT_TRUE(q.events().empty());
  q.append("\"type\":\"x\"}");
  EXPECT_EQ(seqs(q.events()), (std::vector<std::uint64_t>{2501}));
}

TEST(EventQueue, AcknowledgedResyncIsNoLongerQueued) {
  EventQueue q;
  q.append_resync("\"type\":\"resync\"}");
  EXPECT_TRUE(q.resync_queued());
  q.ack(1);
  EXPECT_FALSE(q.resync_queued());
}

TEST(EventQueue, ContinuesAfterAClientsSeqOnlyWhenNew) {
  EventQueue q;
  q.continue_after(41);
  EXPECT_EQ(q.append("\"type\":\"x\"}"), 42u);
  q.continue_after(100);  // already numbering: ignored
  EXPECT_EQ(q.append("\"type\":\"x\"}"), 43u);
}

}  // namespace
}  // namespace cvw::events
