#include "models/interleave.h"

#include <bit>
#include <utility>

namespace daxsim::models {

std::optional<DecodedAddress> decode(const InterleaveSet& set, std::uint64_t spa) {
    if (!set.contains(spa) || set.dimms.empty()) return std::nullopt;
    const std::uint64_t off = spa - set.spa_base;
    std::uint64_t chunk = 0;
    std::uint64_t within = 0;
    // Division is the slow part of a decode done on every access: a power-of-two granularity (always,
    // on real controllers) is a shift, and chunk numbers below 2^32 (sets below 16 TiB at 4 KiB) take
    // the shorter 32-bit division by the way count.
    if (set.granularity != 0 && (set.granularity & (set.granularity - 1)) == 0) {
        chunk = off >> std::countr_zero(set.granularity);
        within = off & (set.granularity - 1);
    } else {
        chunk = off / set.granularity;
        within = off % set.granularity;
    }
    const unsigned ways = set.ways();
    std::uint64_t row = 0;
    unsigned way = 0;
    if (chunk <= 0xffffffffull) {
        const auto c = static_cast<std::uint32_t>(chunk);
        row = c / ways;
        way = c % ways;
    } else {
        row = chunk / ways;
        way = static_cast<unsigned>(chunk % ways);
    }
    return DecodedAddress{set.dimms[way], set.dpa_base + row * set.granularity + within,
                          set.granularity - within};
}

InterleaveDecoder::InterleaveDecoder(InterleaveSet set) : set_(std::move(set)) {
    const std::uint64_t g = set_.granularity;
    if (set_.dimms.empty() || g == 0 || (g & (g - 1)) != 0) return;
    shift_ = static_cast<unsigned>(std::countr_zero(g));
    const std::uint64_t chunks = set_.size >> shift_;
    if (chunks > 0xffffffffull) return;
    ways_ = set_.ways();
    reciprocal_ = ways_ == 1 ? 0 : ~std::uint64_t{0} / ways_ + 1;
    fast_ = true;
}

std::optional<std::uint64_t> encode(const InterleaveSet& set, unsigned dimm, std::uint64_t dpa) {
    if (dpa < set.dpa_base) return std::nullopt;
    for (unsigned way = 0; way < set.ways(); ++way) {
        if (set.dimms[way] != dimm) continue;
        const std::uint64_t local = dpa - set.dpa_base;
        const std::uint64_t row = local / set.granularity;
        const std::uint64_t off = (row * set.ways() + way) * set.granularity + local % set.granularity;
        if (off >= set.size) return std::nullopt;
        return set.spa_base + off;
    }
    return std::nullopt;
}

} // namespace daxsim::models
