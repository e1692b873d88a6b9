// Reliability, availability and serviceability events of the platform that no guest access causes:
// the memory controller's patrol scrub (poison found in the background, reported as SRAO machine checks)
// and power failure (the persistence domain reaches the media, everything else is lost). SystemC-free:
// Machine and FunctionalMachine both implement it; the scenario runner drives it.
#pragma once

#include <cstdint>
#include <vector>

#include "platform/memory_port.h"
#include "platform/platform_config.h"

namespace daxsim::platform {

// What a power failure did to data on its way to the media.
struct PowerfailReport {
    Persistence domain = Persistence::adr;
    std::uint64_t lines_lost = 0;    // dirty cache lines that never reached the media (ADR)
    std::uint64_t lines_flushed = 0; // dirty cache lines written back on the way down (eADR)
};

class Ras {
  public:
    virtual ~Ras() = default;

    // One patrol-scrub pass of every memory controller, now. Charges the pass's simulated time (on the
    // active CPU of a running machine) and returns one SRAO record per poisoned media line found, in
    // SPA order, as the iMC bank logged it (bank, MCG_STATUS, MCi_STATUS/ADDR/MISC). The records are the
    // kernel's to handle (machine-check handler); the banks are cleared as the handler would.
    virtual std::vector<MachineCheck> patrol_scrub() = 0;

    // Uncorrected errors the memory controller logged without a #MC since the last call: UCNAs of posted
    // writes a DIMM could not complete (a partial write into a poisoned media line), which the hardware
    // signals by CMCI. In the order they happened, as the iMC banks logged them (S=0, AR=0); the kernel
    // handles them with machine_check_poll. The banks are cleared as the handler would.
    virtual std::vector<MachineCheck> cmci_poll() = 0;

    // Power is cut and restored: what is in the persistence domain reaches the media (under ADR the
    // controller's WPQ, which in this model already wrote through; under eADR the caches too), the rest
    // is lost; the caches come back empty and the machine-check banks clear. Media, poison and labels
    // survive. The guest's software state is the caller's to rebuild.
    virtual PowerfailReport powerfail() = 0;
};

} // namespace daxsim::platform
