#include "models/interleave.h"

namespace daxsim::models {

std::optional<DecodedAddress> decode(const InterleaveSet& set, std::uint64_t spa) {
    if (!set.contains(spa) || set.dimms.empty()) return std::nullopt;
    const std::uint64_t off = spa - set.spa_base;
    const std::uint64_t chunk = off / set.granularity;
    const std::uint64_t within = off % set.granularity;
    const unsigned way = static_cast<unsigned>(chunk % set.ways());
    return DecodedAddress{set.dimms[way], set.dpa_base + (chunk / set.ways()) * set.granularity + within,
                          set.granularity - within};
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
