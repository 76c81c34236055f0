// The offset watermark: the commit position is the first unfinished offset, whatever order
// offsets finish in, and the ring refuses work when full.
#include "engine/runtime/offset_tracker.h"

#include <gtest/gtest.h>

#include <vector>

namespace {

using stepstream::runtime::OffsetTracker;

TEST(OffsetTracker, NothingBegunHasNoPosition) {
  OffsetTracker t(8);
  EXPECT_EQ(t.advance(), -1);
  EXPECT_EQ(t.in_flight(), 0u);
}

TEST(OffsetTracker, PositionIsFirstUnfinishedOffset) {
  OffsetTracker t(8);
  auto* a = t.begin(10);
  auto* b = t.begin(11);
  auto* c = t.begin(12);
  EXPECT_EQ(t.advance(), 10);
  OffsetTracker::finish(b);
  EXPECT_EQ(t.advance(), 10) << "10 is unfinished: nothing past it may be committed";
  OffsetTracker::finish(a);
  EXPECT_EQ(t.advance(), 12);
  EXPECT_EQ(t.in_flight(), 1u);
  OffsetTracker::finish(c);
  EXPECT_EQ(t.advance(), 13) << "all finished: one past the last offset";
  EXPECT_EQ(t.in_flight(), 0u);
}

TEST(OffsetTracker, GapsInOffsetsAreSkipped) {
  // Compacted topics and transaction markers leave holes in the offsets a consumer sees.
  OffsetTracker t(8);
  auto* a = t.begin(3);
  auto* b = t.begin(7);
  auto* c = t.begin(20);
  OffsetTracker::finish(a);
  EXPECT_EQ(t.advance(), 7);
  OffsetTracker::finish(c);
  EXPECT_EQ(t.advance(), 7);
  OffsetTracker::finish(b);
  EXPECT_EQ(t.advance(), 21);
}

TEST(OffsetTracker, FullRingRefusesUntilTheFrontFinishes) {
  OffsetTracker t(4);
  std::vector<OffsetTracker::Slot*> slots;
  for (int64_t o = 0; o < 4; ++o)
    slots.push_back(t.begin(o));
  EXPECT_TRUE(t.full());
  EXPECT_EQ(t.begin(4), nullptr);
  OffsetTracker::finish(slots[1]);
  EXPECT_EQ(t.advance(), 0);
  EXPECT_EQ(t.begin(4), nullptr) << "finishing behind the front frees nothing";
  OffsetTracker::finish(slots[0]);
  EXPECT_EQ(t.advance(), 2);
  EXPECT_NE(t.begin(4), nullptr);
  EXPECT_NE(t.begin(5), nullptr);
  EXPECT_EQ(t.begin(6), nullptr);
}

TEST(OffsetTracker, WrapsAroundManyTimes) {
  OffsetTracker t(4);
  for (int64_t o = 0; o < 1000; o += 2) {
    auto* a = t.begin(o);
    auto* b = t.begin(o + 1);
    ASSERT_NE(a, nullptr);
    ASSERT_NE(b, nullptr);
    OffsetTracker::finish(b);
    ASSERT_EQ(t.advance(), o);
    OffsetTracker::finish(a);
    ASSERT_EQ(t.advance(), o + 2);
  }
}

TEST(OffsetTracker, CapacityRoundsUpToAPowerOfTwo) {
  OffsetTracker t(5);
  for (int64_t o = 0; o < 8; ++o)
    ASSERT_NE(t.begin(o), nullptr) << o;
  EXPECT_EQ(t.begin(8), nullptr);
}

}  // namespace
