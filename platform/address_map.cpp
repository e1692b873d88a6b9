#include "platform/address_map.h"

namespace daxsim::platform {

std::vector<models::InterleaveSet> interleave_sets(const PlatformConfig& config) {
    std::vector<models::InterleaveSet> sets;
    const unsigned ways = config.interleave.ways;
    const std::uint64_t set_size = config.dimm.capacity_bytes * ways;
    for (unsigned i = 0; i < config.dimm_count / ways; ++i) {
        models::InterleaveSet set;
        set.spa_base = config.pmem_spa_base + i * set_size;
        set.size = set_size;
        set.granularity = config.interleave.granularity_bytes;
        for (unsigned w = 0; w < ways; ++w)
            set.dimms.push_back(i * ways + w);
        set.dpa_base = 0; // each DIMM contributes its whole capacity
        sets.push_back(std::move(set));
    }
    return sets;
}

std::optional<models::DecodedAddress> decode_spa(std::span<const models::InterleaveSet> sets,
                                                 std::uint64_t spa) {
    for (const auto& set : sets)
        if (set.contains(spa)) return models::decode(set, spa);
    return std::nullopt;
}

std::optional<std::uint64_t> encode_dpa(std::span<const models::InterleaveSet> sets, unsigned dimm,
                                        std::uint64_t dpa) {
    for (const auto& set : sets)
        if (auto spa = models::encode(set, dimm, dpa)) return spa;
    return std::nullopt;
}

} // namespace daxsim::platform
