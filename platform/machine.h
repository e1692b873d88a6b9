// The simulated machine, built from a PlatformConfig: CPU cores, a shared write-back cache, the memory
// controller with its interleave sets, and the PMEM DIMMs (SystemC TLM-2.0 models, models/). This header
// is SystemC-free on purpose (pimpl): the kernel and the scenario layer include it without SystemC.
//
// SystemC elaborates one design per process: construct one Machine per process.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "models/stats.h"
#include "models/tracer.h"
#include "platform/firmware.h"
#include "platform/memory_port.h"
#include "platform/nfit.h"
#include "platform/platform_config.h"
#include "platform/ras.h"

namespace daxsim::platform {

class Machine {
  public:
    // Elaborates the design. The config must have passed validate(). `tracer` outlives the machine.
    Machine(const PlatformConfig& config, Tracer& tracer);
    ~Machine();
    Machine(const Machine&) = delete;
    Machine& operator=(const Machine&) = delete;

    [[nodiscard]] const Nfit& nfit() const;
    [[nodiscard]] MemoryPort& port(unsigned cpu);
    // A requester whose accesses are uncacheable (x86 UC memory type): its loads and stores go straight
    // to the memory controller, not through the shared cache, as the memory-side traffic of a trace
    // replay does. It is a core of its own (index cpu_count()), with its own local time and fill buffers;
    // a poisoned load raises #MC in its banks. Used like port(i) from inside run().
    [[nodiscard]] MemoryPort& uncached_port();
    [[nodiscard]] Firmware& firmware();
    // Patrol scrub and power failure (platform/ras.h). patrol_scrub() charges time: call it from `guest`.
    [[nodiscard]] Ras& ras();
    [[nodiscard]] unsigned cpu_count() const;

    // Runs `guest` in a SystemC thread from simulated time zero until it returns, then stops the
    // simulation. Every MemoryPort call must come from inside `guest`. Callable once.
    void run(std::function<void()> guest);

    // Runs guest i on CPU i, each in its own SystemC thread from simulated time zero, until all have
    // returned, then stops the simulation: guest i uses port(i) only. Each core keeps its own quantum
    // keeper, so the threads run ahead of each other by at most sim.quantum and contend for the shared
    // cache, the controller's queues and the DIMMs' media in between (loosely timed). At most cpu_count()
    // guests. Callable once, instead of run().
    void run_parallel(std::vector<std::function<void()>> guests);

    // Hardware counters: mc.read_bytes, mc.write_bytes, dimm.media_read_bytes, dimm.media_write_bytes, ...
    [[nodiscard]] MetricMap metrics() const;
    [[nodiscard]] std::uint64_t now_ns() const;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

} // namespace daxsim::platform
