// Interleave-set address decode, as a memory controller does it: an SPA range striped across `ways`
// DIMMs in chunks of `granularity` bytes (4 KiB x 6 on Optane platforms in App Direct mode).
// Pure arithmetic, shared by the memory controller model and the platform's functional memory.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

namespace daxsim::models {

struct InterleaveSet {
    std::uint64_t spa_base = 0;
    std::uint64_t size = 0; // bytes, a multiple of ways * granularity
    std::uint64_t granularity = 4096;
    std::vector<unsigned> dimms; // DIMM index at each interleave position (ways = size())
    std::uint64_t dpa_base = 0;  // first DPA used on every member DIMM

    [[nodiscard]] unsigned ways() const { return static_cast<unsigned>(dimms.size()); }
    [[nodiscard]] bool contains(std::uint64_t spa) const { return spa >= spa_base && spa - spa_base < size; }
};

struct DecodedAddress {
    unsigned dimm = 0;
    std::uint64_t dpa = 0;
    std::uint64_t bytes_left_in_chunk = 0; // how far the access may go before the next DIMM
};

// SPA -> (DIMM, DPA); nullopt outside the set.
[[nodiscard]] std::optional<DecodedAddress> decode(const InterleaveSet& set, std::uint64_t spa);
// The same decode with the set's divisions prepared once, for the controller's access path: the chunk
// by a shift, the row and way by a multiplication with a precomputed reciprocal (Lemire, Kaser and Kurz,
// "Faster remainder by direct computation", 2019: exact for 32-bit chunk numbers). Sets of at least
// 2^32 chunks, or of a granularity that is not a power of two, fall back to the plain decode.
class InterleaveDecoder {
  public:
    explicit InterleaveDecoder(InterleaveSet set);
    [[nodiscard]] bool contains(std::uint64_t spa) const { return set_.contains(spa); }
    [[nodiscard]] std::uint64_t granularity() const { return set_.granularity; }
    // SPA -> (DIMM, DPA) for an SPA inside the set.
    [[nodiscard]] DecodedAddress decode_inside(std::uint64_t spa) const {
        if (!fast_) return *models::decode(set_, spa);
        const std::uint64_t off = spa - set_.spa_base;
        const auto chunk = static_cast<std::uint32_t>(off >> shift_);
        const std::uint64_t within = off & (set_.granularity - 1);
        // The high 64 bits of reciprocal_ * chunk, from two 32 x 32 bit halves (no overflow: the sum
        // stays below 2^64 for a 32-bit chunk).
        const std::uint64_t high =
            (reciprocal_ >> 32) * chunk + (((reciprocal_ & 0xffffffffull) * chunk) >> 32);
        const auto row = ways_ == 1 ? chunk : static_cast<std::uint32_t>(high >> 32);
        const std::uint32_t way = chunk - row * ways_;
        return DecodedAddress{set_.dimms[way], set_.dpa_base + (std::uint64_t{row} << shift_) + within,
                              set_.granularity - within};
    }

  private:
    InterleaveSet set_;
    bool fast_ = false;
    unsigned shift_ = 0; // log2(granularity)
    std::uint32_t ways_ = 0;
    std::uint64_t reciprocal_ = 0; // 2^64 / ways, rounded up (unused for one way: it would be 2^64)
};

// (DIMM, DPA) -> SPA; nullopt when the DIMM is not a member or the DPA is outside the set.
[[nodiscard]] std::optional<std::uint64_t> encode(const InterleaveSet& set, unsigned dimm, std::uint64_t dpa);

} // namespace daxsim::models
