// Media line number -> small integer, as a flat open-addressing table (linear probing, Fibonacci hashing
// of groups of lines, backward-shift deletion so lookups never meet tombstones): the sparse media's line
// -> host slot map, which every write and every read of a written region looks up. Compared with
// std::unordered_map it keeps one 8-byte word per slot in one array, so a lookup is one probe into memory
// the hardware prefetches instead of a bucket then a separately allocated node, and an insert allocates
// nothing until the table grows (it doubles at 3/4 full: 11-21 bytes per line, against ~40 for the node
// map). Neighbouring lines share one home group: the hash spreads groups of eight consecutive lines over
// the table and keeps the lines of one group in consecutive slots. Whole groups then crowd each other's
// homes (linear probing clusters: a simulation of a stream of 2 M lines at half load measured 13 extra
// probes per insert), but the probes stay in few host cache lines: about a third of a host cache miss per
// line against one for per-line homes, and `daxsim bench speed` ran 6.3 M transactions per second grouped
// by eight against 6.0 by four and 5.3 per line. (The XPBuffer, a small table mostly full of neighbours,
// keeps a chained hash of its own: models/xp_buffer.h.)
#pragma once

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <new>
#include <stdexcept>
#include <vector>

namespace daxsim::models {

class LineIndex {
  public:
    static constexpr std::uint64_t npos = ~std::uint64_t{0};
    // A slot is one 64-bit word, line + 1 above a 30-bit value (0: empty): lines below 2^34 - 1 (512 GiB
    // of 32 B lines), values below 2^30. Half the size of a key and value pair each: twice the lines per
    // host cache line and half the table to keep in the host's caches and TLB.
    static constexpr unsigned value_bits = 30;
    static constexpr std::uint64_t max_value = (std::uint64_t{1} << value_bits) - 1;
    static constexpr std::uint64_t max_line = (std::uint64_t{1} << (64 - value_bits)) - 2;

    // Room for `expected` lines before the first growth.
    explicit LineIndex(std::size_t expected = 0) : slots_(capacity_for(expected)) {}

    [[nodiscard]] std::uint64_t find(std::uint64_t line) const {
        const std::size_t mask = slots_.size() - 1;
        const std::uint64_t key = line + 1;
        for (std::size_t i = home(line, mask);; i = (i + 1) & mask) {
            const std::uint64_t s = slots_[i];
            if (s == 0) return npos;
            if (s >> value_bits == key) return s & max_value;
        }
    }
    // The value stored for `line`; when absent, inserts make_value() (called only then) and sets `added`.
    template <typename MakeValue>
    std::uint64_t find_or_insert(std::uint64_t line, MakeValue make_value, bool& added) {
        const std::size_t i = slot_for_insert(line);
        added = slots_[i] == 0;
        if (!added) return slots_[i] & max_value;
        const std::uint64_t value = make_value();
        slots_[i] = pack(line, value);
        ++size_;
        return value;
    }
    // Stores `value` for `line`, inserted or replaced.
    void set(std::uint64_t line, std::uint64_t value) {
        const std::size_t i = slot_for_insert(line);
        if (slots_[i] == 0) ++size_;
        slots_[i] = pack(line, value);
    }
    void erase(std::uint64_t line);
    void clear() {
        std::fill(slots_.begin(), slots_.end(), std::uint64_t{0});
        size_ = 0;
    }
    [[nodiscard]] std::size_t size() const { return size_; }

  private:
    // log2 of the lines in a home group: 8 slots of 8 B are one 64 B host cache line.
    static constexpr unsigned group_shift_ = 3;
    // std::allocator aligns only to 16 B; a group must not straddle two host cache lines.
    template <typename T> struct CacheLineAllocator {
        using value_type = T;
        CacheLineAllocator() = default;
        template <typename U> CacheLineAllocator(const CacheLineAllocator<U>&) {}
        T* allocate(std::size_t n) {
            return static_cast<T*>(::operator new (n * sizeof(T), std::align_val_t{64}));
        }
        void deallocate(T* p, std::size_t) { ::operator delete (p, std::align_val_t{64}); }
        bool operator==(const CacheLineAllocator&) const = default;
    };
    static std::uint64_t pack(std::uint64_t line, std::uint64_t value) {
        if (line > max_line || value > max_value)
            throw std::length_error("line index: line or value out of range");
        return (line + 1) << value_bits | value;
    }
    static std::size_t capacity_for(std::size_t n) {
        return std::bit_ceil(std::max<std::size_t>(16, (n * 4 + 2) / 3 + 1));
    }
    [[nodiscard]] static std::size_t home(std::uint64_t line, std::size_t mask) {
        const std::uint64_t group = ((line >> group_shift_) * 0x9E3779B97F4A7C15ull) >> 32;
        const std::uint64_t within = line & ((std::uint64_t{1} << group_shift_) - 1);
        return static_cast<std::size_t>((group << group_shift_) | within) & mask;
    }
    void grow();
    // The slot holding `line`, or the empty slot that will, growing the table first if one more line
    // would pass the load limit.
    std::size_t slot_for_insert(std::uint64_t line) {
        if ((size_ + 1) * 4 > slots_.size() * 3) grow();
        const std::size_t mask = slots_.size() - 1;
        const std::uint64_t key = line + 1;
        std::size_t i = home(line, mask);
        while (slots_[i] != 0 && slots_[i] >> value_bits != key)
            i = (i + 1) & mask;
        return i;
    }

    std::vector<std::uint64_t, CacheLineAllocator<std::uint64_t>> slots_; // power-of-two size >= a group
    std::size_t size_ = 0;
};

} // namespace daxsim::models
