// Per-partition offset watermark: which consumed offsets are finished, and so which offset is
// safe to commit (the first unfinished one). An offset is finished when its execution ended and
// every record it produced was acknowledged; finishing happens on any thread, everything else on
// the thread that owns the partition (the consumer thread).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace stepstream::runtime {

class OffsetTracker {
 public:
  // One entry per offset in flight: (offset << 1) | finished. A slot is reused only after the
  // owner has advanced past it, and it advances only past finished slots, so a slot pointer
  // handed out by begin() stays valid until its finish().
  using Slot = std::atomic<uint64_t>;

  // Room for `capacity` offsets in flight (rounded up to a power of two).
  explicit OffsetTracker(size_t capacity);

  // Owner thread. Records `offset` (greater than every offset begun before) as in flight;
  // nullptr when `capacity` offsets are already in flight, which is back-pressure.
  Slot* begin(int64_t offset);

  // Any thread: the offset of `slot` is finished. Release order: everything the finisher did
  // (its output acknowledged) happens before the owner sees the offset as committable.
  static void finish(Slot* slot) { slot->fetch_or(1, std::memory_order_release); }

  // Owner thread. Drops the finished offsets at the front and returns the commit position: the
  // first unfinished offset, or one past the last offset begun when none is unfinished; -1 when
  // nothing was ever begun.
  int64_t advance();

  // Owner thread: offsets begun and not yet dropped by advance().
  size_t in_flight() const { return static_cast<size_t>(tail_ - head_); }
  bool full() const { return in_flight() > mask_; }
  // One past the last offset begun; -1 when none was.
  int64_t next() const { return next_; }

 private:
  std::unique_ptr<Slot[]> slots_;
  uint64_t mask_;
  uint64_t head_ = 0;  // first slot not yet dropped
  uint64_t tail_ = 0;  // next slot begin() fills
  int64_t next_ = -1;  // one past the last offset begun
};

}  // namespace stepstream::runtime
