// Time for the VM: real time when running, virtual time in tests and `exec --virtual-time`.
// Times are nanoseconds since the Unix epoch, UTC.
#pragma once

#include <chrono>
#include <cstdint>

namespace stepstream::vm {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual int64_t now() = 0;
};

class SystemClock final : public Clock {
 public:
  int64_t now() override {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

// Stands still until told to move; waits pass by moving it to their wake time.
class VirtualClock final : public Clock {
 public:
  explicit VirtualClock(int64_t start) : now_(start) {}
  int64_t now() override { return now_; }
  void advance_to(int64_t t) {
    if (t > now_) now_ = t;
  }

 private:
  int64_t now_;
};

}  // namespace stepstream::vm
