// Bump allocator for one execution's values: reset after the execution, its blocks kept for the
// next, so that steady-state executions allocate nothing from the heap.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string_view>
#include <vector>

namespace stepstream::json {

class Arena {
 public:
  explicit Arena(size_t block_size = 64 * 1024) : block_size_(block_size) {}
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;
  Arena(Arena&&) = default;
  Arena& operator=(Arena&&) = default;

  // Memory for n bytes aligned to `align` (a power of two, at most alignof(max_align_t)).
  void* alloc(size_t n, size_t align = alignof(std::max_align_t)) {
    uintptr_t p = (reinterpret_cast<uintptr_t>(cur_) + align - 1) & ~(uintptr_t{align} - 1);
    if (p + n > reinterpret_cast<uintptr_t>(end_)) return alloc_slow(n, align);
    cur_ = reinterpret_cast<char*>(p + n);
    return reinterpret_cast<void*>(p);
  }

  // Uninitialized storage for n objects of a trivially destructible T.
  template <class T>
  T* alloc_array(size_t n) {
    static_assert(std::is_trivially_destructible_v<T>);
    // T may itself be a pointer type: sizeof(T) is meant.
    return static_cast<T*>(
        alloc(sizeof(T) * (n ? n : 1), alignof(T)));  // NOLINT(bugprone-sizeof-expression)
  }

  std::string_view copy(std::string_view s) {
    if (s.empty()) return {};
    char* p = static_cast<char*>(alloc(s.size(), 1));
    std::memcpy(p, s.data(), s.size());
    return {p, s.size()};
  }

  // Frees every value at once. Keeps the largest block so the next execution of the same
  // shape allocates nothing; oversized one-off blocks are released.
  void reset();

  // Bytes handed out since the last reset (for the payload limit and metrics).
  size_t used() const { return used_before_ + static_cast<size_t>(cur_ - begin_); }

 private:
  void* alloc_slow(size_t n, size_t align);

  struct Block {
    std::unique_ptr<char[]> data;
    size_t size;
  };
  size_t block_size_;
  std::vector<Block> blocks_;
  char* begin_ = nullptr;
  char* cur_ = nullptr;
  char* end_ = nullptr;
  size_t used_before_ = 0;  // bytes used in blocks before the current one
};

}  // namespace stepstream::json
