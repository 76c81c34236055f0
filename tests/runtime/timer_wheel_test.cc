// The timer wheel: entries fire at or after their time, never before, in time order, however
// far away they are and however irregularly expire() is called.
#include "engine/runtime/timer_wheel.h"

#include <gtest/gtest.h>

#include <vector>

namespace {

using stepstream::runtime::TimerWheel;
constexpr int64_t kMs = 1'000'000;
constexpr int64_t kStart = 1'767'225'600'000 * kMs;  // 2026-01-01 in ns

std::vector<uint32_t> expire(TimerWheel& w, int64_t now) {
  std::vector<uint32_t> due;
  w.expire(now, due);
  return due;
}

TEST(TimerWheel, FiresAtItsTimeNotBefore) {
  TimerWheel w(kStart, kMs, 16);
  w.schedule(1, kStart + 5 * kMs);
  EXPECT_TRUE(expire(w, kStart + 4 * kMs).empty());
  EXPECT_TRUE(expire(w, kStart + 5 * kMs - 1).empty());
  EXPECT_EQ(expire(w, kStart + 5 * kMs), std::vector<uint32_t>{1});
  EXPECT_TRUE(w.empty());
}

TEST(TimerWheel, LaterInTheCurrentTickIsNotLost) {
  TimerWheel w(kStart, kMs, 16);
  w.schedule(1, kStart + kMs / 2);
  EXPECT_TRUE(expire(w, kStart + kMs / 4).empty());
  EXPECT_EQ(expire(w, kStart + kMs / 2), std::vector<uint32_t>{1});
}

TEST(TimerWheel, PastTimesFireAtOnce) {
  TimerWheel w(kStart, kMs, 16);
  expire(w, kStart + 10 * kMs);
  w.schedule(7, kStart);
  EXPECT_EQ(expire(w, kStart + 10 * kMs), std::vector<uint32_t>{7});
}

TEST(TimerWheel, FarEntriesWaitForTheirTurn) {
  TimerWheel w(kStart, kMs, 16);
  w.schedule(1, kStart + 3 * kMs);
  w.schedule(2, kStart + 19 * kMs);  // same slot as 1+16 ticks: one turn later
  w.schedule(3, kStart + 1000 * kMs);
  EXPECT_EQ(expire(w, kStart + 3 * kMs), std::vector<uint32_t>{1});
  for (int64_t t = 4; t < 19; ++t)
    EXPECT_TRUE(expire(w, kStart + t * kMs).empty()) << t;
  EXPECT_EQ(expire(w, kStart + 19 * kMs), std::vector<uint32_t>{2});
  EXPECT_TRUE(expire(w, kStart + 999 * kMs).empty());
  EXPECT_EQ(expire(w, kStart + 1000 * kMs), std::vector<uint32_t>{3});
}

TEST(TimerWheel, BigJumpFiresEverythingDueInTimeOrder) {
  TimerWheel w(kStart, kMs, 8);
  w.schedule(1, kStart + 50 * kMs);
  w.schedule(2, kStart + 3 * kMs);
  w.schedule(3, kStart + 20 * kMs);
  w.schedule(4, kStart + 500 * kMs);
  EXPECT_EQ(expire(w, kStart + 100 * kMs), (std::vector<uint32_t>{2, 3, 1}));
  EXPECT_EQ(w.size(), 1u);
  EXPECT_EQ(expire(w, kStart + 600 * kMs), std::vector<uint32_t>{4});
}

TEST(TimerWheel, SameTimeKeepsScheduleOrder) {
  TimerWheel w(kStart, kMs, 8);
  for (uint32_t id = 0; id < 5; ++id)
    w.schedule(id, kStart + 2 * kMs);
  EXPECT_EQ(expire(w, kStart + 2 * kMs), (std::vector<uint32_t>{0, 1, 2, 3, 4}));
}

TEST(TimerWheel, ManyEntriesEachFireOnce) {
  TimerWheel w(kStart, kMs, 64);
  constexpr uint32_t kN = 5000;
  std::vector<int64_t> at(kN);
  for (uint32_t id = 0; id < kN; ++id) {
    at[id] = kStart + static_cast<int64_t>((id * 7919u) % 3000u) * kMs + id % 1000;
    w.schedule(id, at[id]);
  }
  std::vector<int> fired(kN, 0);
  for (int64_t t = 0; t <= 3001; t += 3) {
    int64_t now = kStart + t * kMs;
    for (uint32_t id : expire(w, now)) {
      ASSERT_LE(at[id], now) << "fired early: " << id;
      ASSERT_GT(at[id], now - 3 * kMs) << "fired late: " << id;
      ++fired[id];
    }
  }
  for (uint32_t id = 0; id < kN; ++id)
    ASSERT_EQ(fired[id], 1) << id;
  EXPECT_TRUE(w.empty());
}

}  // namespace
