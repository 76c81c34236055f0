// Arena block management: growth on demand, consolidation on reset.
#include "engine/json/arena.h"

#include <algorithm>

namespace stepstream::json {

void* Arena::alloc_slow(size_t n, size_t align) {
  if (begin_ != nullptr) used_before_ += static_cast<size_t>(cur_ - begin_);
  size_t size = std::max(block_size_, n + align);
  blocks_.push_back({std::make_unique<char[]>(size), size});
  begin_ = cur_ = blocks_.back().data.get();
  end_ = begin_ + size;
  return alloc(n, align);
}

void Arena::reset() {
  if (blocks_.size() > 1) {
    // Grow the standing block to what this execution needed, so the next one fits in it.
    size_t total = used();
    block_size_ = std::max(block_size_, std::min<size_t>(total + total / 2, 64u << 20));
    auto largest = std::max_element(blocks_.begin(), blocks_.end(),
                                    [](const Block& a, const Block& b) { return a.size < b.size; });
    Block keep = std::move(*largest);
    blocks_.clear();
    if (keep.size < block_size_) keep = {std::make_unique<char[]>(block_size_), block_size_};
    blocks_.push_back(std::move(keep));
  }
  used_before_ = 0;
  if (blocks_.empty()) {
    begin_ = cur_ = end_ = nullptr;
  } else {
    begin_ = cur_ = blocks_.front().data.get();
    end_ = begin_ + blocks_.front().size;
  }
}

}  // namespace stepstream::json
