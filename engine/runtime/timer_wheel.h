// A hashed timer wheel for a worker's parked executions (Wait states, later Retry back-offs):
// O(1) to schedule, and a tick only looks at the entries hashed to it. Times are nanoseconds on
// the worker's clock; one wheel per worker, used from its thread only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace stepstream::runtime {

class TimerWheel {
 public:
  // Ticks of `tick_ns`, `slots` of them (rounded up to a power of two) per turn; entries further
  // away than one turn stay in their slot until the turn that reaches them.
  explicit TimerWheel(int64_t now_ns, int64_t tick_ns = 1'000'000, size_t slots = 1024);

  // Schedules `id` for `at_ns`; a time already past is due at the next expire().
  void schedule(uint32_t id, int64_t at_ns);

  // Appends to `due` (in the order of their times) the ids of every entry whose time is at or
  // before `now_ns`, and forgets them.
  void expire(int64_t now_ns, std::vector<uint32_t>& due);

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

 private:
  struct Entry {
    int64_t at;
    uint32_t id;
  };
  int64_t tick_of(int64_t t) const { return t / tick_ns_; }

  int64_t tick_ns_;
  uint64_t mask_;
  int64_t tick_;  // the last tick that was over when expire() looked: later ones are still to see
  std::vector<std::vector<Entry>> slots_;
  std::vector<Entry> late_;   // scheduled at or before tick_: due at the next expire()
  std::vector<Entry> fired_;  // expire()'s scratch, kept for its capacity
  size_t size_ = 0;
};

}  // namespace stepstream::runtime
