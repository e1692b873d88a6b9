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
    std::uint64_t size = 0;                 // bytes, a multiple of ways * granularity
    std::uint64_t granularity = 4096;
    std::vector<unsigned> dimms;            // DIMM index at each interleave position (ways = size())
    std::uint64_t dpa_base = 0;             // first DPA used on every member DIMM

    [[nodiscard]] unsigned ways() const { return static_cast<unsigned>(dimms.size()); }
    [[nodiscard]] bool contains(std::uint64_t spa) const { return spa >= spa_base && spa - spa_base < size; }
};

struct DecodedAddress {
    unsigned dimm = 0;
    std::uint64_t dpa = 0;
    std::uint64_t bytes_left_in_chunk = 0;  // how far the access may go before the next DIMM
};

// SPA -> (DIMM, DPA); nullopt outside the set.
[[nodiscard]] std::optional<DecodedAddress> decode(const InterleaveSet& set, std::uint64_t spa);
// (DIMM, DPA) -> SPA; nullopt when the DIMM is not a member or the DPA is outside the set.
[[nodiscard]] std::optional<std::uint64_t> encode(const InterleaveSet& set, unsigned dimm, std::uint64_t dpa);

} // namespace daxsim::models
