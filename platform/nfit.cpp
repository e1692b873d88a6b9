// build_nfit (declared in platform/functional_memory.h): the NFIT of a PlatformConfig.
#include <fmt/format.h>

#include "platform/address_map.h"
#include "platform/functional_memory.h"

namespace daxsim::platform {
namespace {

// NFIT device handle (ACPI 6.x, 5.2.25.2): bits 3:0 DIMM number in the channel, 7:4 channel,
// 11:8 memory controller, 15:12 socket, 27:16 node controller. We place DIMMs as a 2-2-2 Optane
// population does: two iMCs per socket, three channels per iMC, the PMEM DIMM in slot 1 of each
// channel (slot 0 holds the DRAM DIMM), so handles read 0x0001, 0x0011, 0x0021, 0x0101, ...
constexpr unsigned channels_per_imc = 3;
constexpr unsigned imcs_per_socket = 2;
constexpr unsigned pmem_slot = 1;

std::uint32_t device_handle(unsigned index) {
    const unsigned channel = index % channels_per_imc;
    const unsigned imc = (index / channels_per_imc) % imcs_per_socket;
    const unsigned socket = index / (channels_per_imc * imcs_per_socket);
    return pmem_slot | channel << 4 | imc << 8 | (socket & 0xF) << 12 | (socket >> 4) << 16;
}

} // namespace

Nfit build_nfit(const PlatformConfig& config) {
    Nfit nfit;
    for (unsigned i = 0; i < config.dimm_count; ++i)
        nfit.dimms.push_back(NfitDimm{i, device_handle(i), fmt::format("{:#010x}", i),
                                      config.dimm.capacity_bytes, config.dimm.label_bytes});
    const auto sets = interleave_sets(config);
    for (std::size_t s = 0; s < sets.size(); ++s) {
        // Range index 0 is reserved (a memdev with index 0 maps no SPA range), so ranges count from 1.
        const auto range_index = static_cast<std::uint16_t>(s + 1);
        nfit.spa_ranges.push_back(NfitSpaRange{range_index, sets[s].spa_base, sets[s].size});
        for (unsigned pos = 0; pos < sets[s].ways(); ++pos)
            nfit.memdevs.push_back(NfitMemdev{sets[s].dimms[pos], range_index, sets[s].dpa_base,
                                              sets[s].size / sets[s].ways(), sets[s].ways(), pos,
                                              sets[s].granularity});
    }
    return nfit;
}

} // namespace daxsim::platform
