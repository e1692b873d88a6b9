// The guest's one door to memory (STYLE.md rule 4). The simulated kernel holds a MemoryPort per CPU
// and never sees SystemC: each call performs the access through the CPU core, cache, memory controller
// and DIMM, advances simulated time by its cost and returns that cost and any fault. Unit tests of the
// kernel run against FunctionalMemoryPort (platform/functional_memory.h), which has no timing.
//
// Addresses are system physical addresses (SPA). Every call must be made from the guest's simulation
// thread (Machine::run), because the SystemC implementation waits for simulated time to pass.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace daxsim::platform {

// What the CPU logged in its machine-check bank when it raised #MC (Intel SDM vol. 3B ch. 16).
struct MachineCheck {
    unsigned cpu = 0;
    unsigned bank = 0;
    std::uint64_t mcg_status = 0;   // MCG_STATUS: RIPV bit 0, EIPV bit 1, MCIP bit 2
    std::uint64_t mci_status = 0;   // MCi_STATUS: see models/mca.h for the bit positions
    std::uint64_t mci_addr = 0;     // MCi_ADDR: physical address of the poisoned line
    std::uint64_t mci_misc = 0;     // MCi_MISC: bits 5:0 address LSB, 8:6 address mode (2 = physical)
};

enum class AccessStatus {
    ok,
    machine_check,   // the access consumed poison: #MC raised synchronously (see `mce`)
    no_device,       // no memory decodes this SPA (a bus error, not a machine check)
};

struct AccessResult {
    AccessStatus status = AccessStatus::ok;
    std::uint64_t cost_ns = 0;            // simulated time this access took
    std::size_t bytes_done = 0;           // bytes transferred before a fault (all of them on ok)
    std::optional<MachineCheck> mce;      // set on machine_check
    // Issue to completion. Equal to cost_ns for blocking calls; posted ones (nt_store, clwb, load_nowait)
    // return after issuing, so their latency_ns is the longer of the two.
    std::uint64_t latency_ns = 0;

    [[nodiscard]] bool ok() const { return status == AccessStatus::ok; }
};

class MemoryPort {
  public:
    virtual ~MemoryPort() = default;

    // Cached load. Stops at the first poisoned cache line: bytes_done says how far it got.
    virtual AccessResult load(std::uint64_t spa, std::span<std::byte> out) = 0;
    // An independent load the CPU overlaps with later work (out-of-order execution, one fill buffer per
    // miss in flight): the data is delivered at once, the port's clock advances only by the issue cost,
    // and latency_ns says when the data arrived. Poison raises #MC as load() does.
    virtual AccessResult load_nowait(std::uint64_t spa, std::span<std::byte> out) = 0;
    // Cached (write-back) store; a store that needs a line fill from a poisoned line raises #MC.
    virtual AccessResult store(std::uint64_t spa, std::span<const std::byte> in) = 0;
    // Non-temporal store (movnt): bypasses the cache, goes to the controller's write pending queue.
    // Posted: returns once issued; sfence waits for it.
    virtual AccessResult nt_store(std::uint64_t spa, std::span<const std::byte> in) = 0;
    // Write back every dirty cache line overlapping [spa, spa + len) without evicting it. Posted.
    virtual AccessResult clwb(std::uint64_t spa, std::uint64_t len) = 0;
    // Write back and invalidate every cache line overlapping the range. clflushopt is posted (sfence
    // waits for it); clflush is ordered: it returns once each line's write-back is persistent.
    virtual AccessResult clflushopt(std::uint64_t spa, std::uint64_t len) = 0;
    virtual AccessResult clflush(std::uint64_t spa, std::uint64_t len) = 0;
    // Orders earlier stores and write-backs: returns once they are in the persistence domain.
    virtual AccessResult sfence() = 0;
    // As sfence, and also waits for independent loads (load_nowait) still in flight.
    virtual AccessResult mfence() = 0;

    // Charges kernel CPU work that is not a memory access (cost model step), advancing time.
    virtual void cpu_work(std::uint64_t ns) = 0;
    // Current simulated time.
    [[nodiscard]] virtual std::uint64_t now_ns() const = 0;
    [[nodiscard]] virtual unsigned cpu() const = 0;
};

} // namespace daxsim::platform
