// The watermark ring: begin() appends at the tail, finish() flags a slot, advance() pops the
// finished run at the head.
#include "engine/runtime/offset_tracker.h"

#include <bit>
#include <cassert>

namespace stepstream::runtime {

OffsetTracker::OffsetTracker(size_t capacity)
    : slots_(new Slot[std::bit_ceil(capacity < 2 ? size_t{2} : capacity)]),
      mask_(std::bit_ceil(capacity < 2 ? size_t{2} : capacity) - 1) {}

OffsetTracker::Slot* OffsetTracker::begin(int64_t offset) {
  assert(offset >= 0 && offset >= next_);
  if (full()) return nullptr;
  Slot* slot = &slots_[tail_ & mask_];
  // Relaxed: the slot reaches its finisher through a queue that publishes it.
  slot->store(static_cast<uint64_t>(offset) << 1, std::memory_order_relaxed);
  ++tail_;
  next_ = offset + 1;
  return slot;
}

int64_t OffsetTracker::advance() {
  while (head_ != tail_) {
    uint64_t v = slots_[head_ & mask_].load(std::memory_order_acquire);
    if ((v & 1) == 0) return static_cast<int64_t>(v >> 1);
    ++head_;
  }
  return next_;
}

}  // namespace stepstream::runtime
