// Patrol scrubber of the integrated memory controller: a background engine that reads every media line
// behind the controller at a fixed rate, so that poison nobody consumes is still found and reported.
//
// Datasheet view (Intel SDM vol. 3B, 16.6.2 "UCR Error Classification" and table 16-7 "MCA Error Codes
// for SRAO"; 16.9 "Interpreting the MCA Error Codes", memory controller errors):
//  - one pass visits the whole media of every DIMM the controller owns; a pass at `rate` bytes per second
//    takes capacity / rate seconds. Intel platforms default to one pass per 24 h (about 9.3 MB/s for
//    768 GiB); daxsim's default (platform_config.h, mc.scrub_rate) is faster so a scenario step stays short
//  - every poisoned media line found is logged by the iMC bank as a software recoverable action optional
//    (SRAO) error: MCACOD 0000 0000 1100 CCCC (memory scrubbing, CCCC = channel), MCi_STATUS VAL, UC, EN,
//    MISCV, ADDRV and S set, AR=0, PCC=0; MCi_ADDR the line's SPA; MCi_MISC the address LSB of one media
//    line (256 B XPLine: the poison granularity of the DIMM) in physical address mode; MCG_STATUS RIPV=1,
//    EIPV=0 (the interrupted context did not cause it and may resume), MCIP set as for any #MC
//  - one DIMM is one channel here (six channels per socket, as on a 2nd-gen Xeon SP; DIMM i is channel i % 6)
// The pass does not walk 768 GiB line by line: the sparse media keeps its poison bits in an ordered set,
// so a pass costs O(poisoned lines) host time and the full simulated time.
// SystemC-free: the SystemC machine and the functional machine share it.
#pragma once

#include <cstdint>
#include <vector>

#include "models/interleave.h"
#include "models/mca.h"
#include "models/pmem_media.h"
#include "models/stats.h"

namespace daxsim::models {

namespace mca {
// The first iMC bank on Skylake-SP (banks 13..18 are the memory controllers' channels; SDM vol. 3B,
// table 16-27 and the Xeon SP uncore guide). The kernel only prints it.
inline constexpr unsigned imc_bank_first = 13;
// One DIMM per channel, six channels per socket as on a 2nd-gen Xeon SP: DIMM i is channel i % 6, and
// its errors are logged in that channel's bank.
inline constexpr unsigned imc_channels = 6;
[[nodiscard]] constexpr unsigned imc_channel(unsigned dimm) {
    return dimm % imc_channels;
}
[[nodiscard]] constexpr unsigned imc_bank(unsigned dimm) {
    return imc_bank_first + imc_channel(dimm);
}

// SRAO patrol-scrub record (SDM vol. 3B, table 16-7): the scrubber found poison at `line_addr` on
// `channel`, reporting an address LSB of `lsb` bits.
[[nodiscard]] constexpr McBank srao_patrol_scrub(std::uint64_t line_addr, unsigned channel, unsigned lsb) {
    using namespace mci_status;
    const auto code = static_cast<std::uint64_t>(mcacod::scrub_first | (channel & 0xF));
    return McBank{val | uc | en | miscv | addrv | s | code, line_addr,
                  mci_misc::make(lsb, mci_misc::mode_physical)};
}
// UCNA record of a write the iMC could not complete (SDM vol. 3B, "UCR Error Classification": UC=1,
// PCC=0, S=0, AR=0; reported by CMCI, not as #MC): a partial write reached a poisoned media line, whose
// read-modify-write failed, so the written bytes were dropped. MCACOD is the memory controller compound
// code 0000 0000 1MMM CCCC with MMM=010 (memory write error), CCCC the channel.
[[nodiscard]] constexpr McBank ucna_memory_write(std::uint64_t line_addr, unsigned channel, unsigned lsb) {
    using namespace mci_status;
    const auto code = static_cast<std::uint64_t>(mcacod::memory_write_first | (channel & 0xF));
    return McBank{val | uc | en | miscv | addrv | code, line_addr,
                  mci_misc::make(lsb, mci_misc::mode_physical)};
}
// MCG_STATUS of an SRAO (SDM vol. 3B, table 16-7): restart IP valid, error IP not valid.
inline constexpr std::uint64_t srao_mcg_status = mcg_status::ripv | mcg_status::mcip;
} // namespace mca

struct PatrolScrubberParams {
    std::uint64_t rate_bytes_per_s = 8ull << 30; // 0: a pass takes no simulated time
};

struct ScrubFinding {
    unsigned dimm = 0;     // DIMM index (channel dimm % 6)
    std::uint64_t dpa = 0; // media line address on the DIMM
    std::uint64_t spa = 0; // the same line in the system address map
    unsigned bank = 0;     // iMC bank that logged it
    std::uint64_t mcg_status = 0;
    mca::McBank record;
};

struct ScrubPass {
    std::uint64_t bytes = 0;         // media bytes visited
    std::uint64_t duration_ns = 0;   // simulated time the pass takes at the configured rate
    std::vector<ScrubFinding> found; // ascending SPA
};

struct PatrolScrubberStats {
    Counter passes{"mc.scrub_passes", "events", "patrol-scrub passes completed"};
    Counter bytes{"mc.scrub_bytes", "B", "media bytes visited by the patrol scrubber"};
    Counter errors{"mc.scrub_errors", "events", "poisoned media lines the patrol scrubber reported (SRAO)"};

    void collect(MetricMap& out) const {
        for (const Counter* c : {&passes, &bytes, &errors})
            add_metric(out, *c);
    }
};

class PatrolScrubber {
  public:
    // `media[i]` is DIMM i (channel i); `sets` maps DPAs back to SPAs. The media outlive the scrubber.
    PatrolScrubber(std::vector<const PmemMedia*> media, std::vector<InterleaveSet> sets,
                   PatrolScrubberParams params);

    // One pass over every DIMM. Poison outside every interleave set has no SPA and is not reported
    // (the kernel could not act on it). Untimed: the caller charges duration_ns.
    [[nodiscard]] ScrubPass pass();

    [[nodiscard]] const PatrolScrubberStats& stats() const { return stats_; }
    [[nodiscard]] const PatrolScrubberParams& params() const { return params_; }

  private:
    std::vector<const PmemMedia*> media_;
    std::vector<InterleaveSet> sets_;
    PatrolScrubberParams params_;
    PatrolScrubberStats stats_;
};

} // namespace daxsim::models
