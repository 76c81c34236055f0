// expire() walks the ticks from the last finished one it saw up to now (at most one full turn),
// taking the entries that are due out of each slot; entries a turn or more away stay put.
#include "engine/runtime/timer_wheel.h"

#include <algorithm>
#include <bit>

namespace stepstream::runtime {

TimerWheel::TimerWheel(int64_t now_ns, int64_t tick_ns, size_t slots)
    : tick_ns_(tick_ns > 0 ? tick_ns : 1),
      mask_(std::bit_ceil(slots < 2 ? size_t{2} : slots) - 1),
      tick_(now_ns / (tick_ns > 0 ? tick_ns : 1) - 1),
      slots_(mask_ + 1) {}

void TimerWheel::schedule(uint32_t id, int64_t at_ns) {
  ++size_;
  int64_t t = tick_of(at_ns);
  if (t <= tick_) {
    late_.push_back({at_ns, id});
    return;
  }
  slots_[static_cast<uint64_t>(t) & mask_].push_back({at_ns, id});
}

void TimerWheel::expire(int64_t now_ns, std::vector<uint32_t>& due) {
  fired_.clear();
  fired_.swap(late_);
  int64_t now_tick = tick_of(now_ns);
  // Past one full turn every slot has been visited; walking further would find nothing new.
  int64_t from = std::max(tick_ + 1, now_tick - static_cast<int64_t>(mask_));
  for (int64_t t = from; t <= now_tick; ++t) {
    auto& slot = slots_[static_cast<uint64_t>(t) & mask_];
    size_t kept = 0;  // compacts in place, keeping schedule order among equal times
    for (const Entry& e : slot) {
      if (e.at <= now_ns) {
        fired_.push_back(e);
      } else {
        slot[kept++] = e;
      }
    }
    slot.resize(kept);
  }
  // The current tick is not over: entries later in it must be found by the next expire().
  if (now_tick - 1 > tick_) tick_ = now_tick - 1;
  // A late entry can still be ahead of now only if the clock went back; it waits for the next
  // expire() with the other late ones.
  size_t kept = 0;
  for (const Entry& e : fired_) {
    if (e.at <= now_ns) {
      fired_[kept++] = e;
    } else {
      late_.push_back(e);
    }
  }
  fired_.resize(kept);
  std::stable_sort(fired_.begin(), fired_.end(),
                   [](const Entry& a, const Entry& b) { return a.at < b.at; });
  for (const Entry& e : fired_)
    due.push_back(e.id);
  size_ -= kept;
}

}  // namespace stepstream::runtime
