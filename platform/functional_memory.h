// A timing-free machine for kernel unit tests: the same NFIT layout Machine builds from a PlatformConfig,
// sparse bytes, a poison bit per media line, one MemoryPort per CPU whose loads of poisoned lines return
// machine_check with the MachineCheck record the SystemC CPU would log, and a clock advanced by fixed
// per-access costs (1 ns per access, cpu_work as charged). No SystemC: usable in any test process.
#pragma once

#include <memory>
#include <vector>

#include "platform/firmware.h"
#include "platform/memory_port.h"
#include "platform/nfit.h"
#include "platform/platform_config.h"
#include "platform/ras.h"

namespace daxsim::platform {

class FunctionalMachine {
  public:
    explicit FunctionalMachine(const PlatformConfig& config);
    ~FunctionalMachine();
    FunctionalMachine(const FunctionalMachine&) = delete;
    FunctionalMachine& operator=(const FunctionalMachine&) = delete;

    [[nodiscard]] const Nfit& nfit() const;
    [[nodiscard]] MemoryPort& port(unsigned cpu);
    [[nodiscard]] std::vector<MemoryPort*> ports();
    [[nodiscard]] Firmware& firmware();
    // Patrol scrub (the same scrubber as Machine's, its pass time added to the clock) and power failure
    // (nothing to lose: this machine has no caches, every store is on the media; the DIMMs record a
    // clean shutdown, platform/dimm_health.h).
    [[nodiscard]] Ras& ras();
    [[nodiscard]] unsigned cpu_count() const;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// The NFIT a PlatformConfig describes: one SPA range per interleave set (dimm.count / interleave.ways
// sets), DIMMs nmem0..N-1, memdevs with positions. Shared by Machine and FunctionalMachine.
[[nodiscard]] Nfit build_nfit(const PlatformConfig& config);

} // namespace daxsim::platform
