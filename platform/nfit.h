// The NVDIMM Firmware Interface Table as the guest sees it (ACPI 6.x, 5.2.25): which SPA ranges are
// persistent memory, which DIMMs back them, and how they are interleaved. The kernel's nvdimm bus
// builds regions from this, as drivers/acpi/nfit does.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace daxsim::platform {

// NFIT structure type 0: System Physical Address Range (persistent memory).
struct NfitSpaRange {
    std::uint16_t range_index = 0;
    std::uint64_t base = 0;      // SPA
    std::uint64_t length = 0;    // bytes
};

// NFIT structure type 4: NVDIMM Control Region, reduced to what the kernel names a DIMM by.
struct NfitDimm {
    unsigned index = 0;               // 0-based; the kernel names it nmem<index>
    std::uint32_t handle = 0;         // NFIT device handle (node/socket/imc/channel/dimm bit fields)
    std::string serial;               // "0x0000<index>"
    std::uint64_t capacity = 0;       // bytes of persistent media
    std::uint64_t label_bytes = 0;    // size of the label storage area
};

// NFIT structure type 1: Memory Device to SPA Range mapping (one per DIMM per range) and
// type 3: Interleave (granularity).
struct NfitMemdev {
    unsigned dimm = 0;                    // NfitDimm::index
    std::uint16_t range_index = 0;        // NfitSpaRange::range_index
    std::uint64_t dpa_base = 0;           // first DPA of this DIMM used by the range
    std::uint64_t region_size = 0;        // bytes this DIMM contributes to the range
    unsigned interleave_ways = 1;
    unsigned interleave_position = 0;     // this DIMM's position within the set
    std::uint64_t interleave_granularity = 4096;
};

struct Nfit {
    std::vector<NfitSpaRange> spa_ranges;
    std::vector<NfitDimm> dimms;
    std::vector<NfitMemdev> memdevs;
};

} // namespace daxsim::platform
