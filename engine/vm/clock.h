// Time for the VM: real time when running, virtual time in tests and `exec --virtual-time`.
// Times are nanoseconds since the Unix epoch, UTC.
#pragma once

#include <time.h>

#include <chrono>
#include <cstdint>

namespace stepstream::vm {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual int64_t now() = 0;
  // The time to within a few milliseconds, for deadlines of whole seconds: cheaper to read.
  virtual int64_t coarse_now() { return now(); }
  // The most by which coarse_now() trails now(): a deadline measured from a coarse start adds it,
  // so that it never falls due early.
  virtual int64_t coarse_lag() { return 0; }
};

class SystemClock final : public Clock {
 public:
  int64_t now() override {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  // CLOCK_REALTIME_COARSE: the kernel's last tick (4 ms here), read in 3 ns instead of 23.
  int64_t coarse_now() override {
    timespec ts;
    clock_gettime(CLOCK_REALTIME_COARSE, &ts);
    return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
  }
  // Two ticks: the kernel advances the coarse clock a tick at a time, and a tick can come late
  // (a virtual machine's stolen time, say).
  int64_t coarse_lag() override {
    static const int64_t lag = [] {
      timespec res;
      if (clock_getres(CLOCK_REALTIME_COARSE, &res) != 0) return int64_t{10'000'000};
      return 2 * (int64_t{res.tv_sec} * 1'000'000'000 + res.tv_nsec);
    }();
    return lag;
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
