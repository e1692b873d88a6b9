// Media line number -> small integer, as a flat open-addressing table (linear probing, Fibonacci hashing,
// backward-shift deletion so lookups never meet tombstones). Used where every access looks a line up:
// the XPBuffer's entries and the sparse media's host slots. Compared with std::unordered_map it keeps
// one 16-byte record per slot in one array, so a lookup is one probe into memory the hardware prefetches
// instead of a bucket then a separately allocated node, and an insert allocates nothing until the table
// grows (it doubles at 3/4 full: 21-43 bytes per line, against ~40 for the node map).
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace daxsim::models {

class LineIndex {
  public:
    static constexpr std::uint64_t npos = ~std::uint64_t{0};

    // Room for `expected` lines before the first growth.
    explicit LineIndex(std::size_t expected = 0) : slots_(capacity_for(expected)) {}

    [[nodiscard]] std::uint64_t find(std::uint64_t line) const {
        const std::size_t mask = slots_.size() - 1;
        for (std::size_t i = home(line, mask);; i = (i + 1) & mask) {
            if (slots_[i].key == 0) return npos;
            if (slots_[i].key == line + 1) return slots_[i].value;
        }
    }
    // The value stored for `line`, inserted as `value` when absent; `added` says which.
    std::uint64_t& emplace(std::uint64_t line, std::uint64_t value, bool& added) {
        if ((size_ + 1) * 4 > slots_.size() * 3) grow();
        const std::size_t mask = slots_.size() - 1;
        std::size_t i = home(line, mask);
        while (slots_[i].key != 0 && slots_[i].key != line + 1)
            i = (i + 1) & mask;
        added = slots_[i].key == 0;
        if (added) {
            slots_[i] = Slot{line + 1, value};
            ++size_;
        }
        return slots_[i].value;
    }
    void set(std::uint64_t line, std::uint64_t value) {
        bool added = false;
        emplace(line, value, added) = value;
    }
    void erase(std::uint64_t line);
    void clear() {
        std::fill(slots_.begin(), slots_.end(), Slot{});
        size_ = 0;
    }
    [[nodiscard]] std::size_t size() const { return size_; }

  private:
    struct Slot {
        std::uint64_t key = 0; // line + 1; 0 marks an empty slot
        std::uint64_t value = 0;
    };
    static std::size_t capacity_for(std::size_t n) {
        return std::bit_ceil(std::max<std::size_t>(16, (n * 4 + 2) / 3 + 1));
    }
    [[nodiscard]] static std::size_t home(std::uint64_t line, std::size_t mask) {
        return static_cast<std::size_t>((line * 0x9E3779B97F4A7C15ull) >> 32) & mask;
    }
    void grow();

    std::vector<Slot> slots_; // power-of-two size
    std::size_t size_ = 0;
};

} // namespace daxsim::models
