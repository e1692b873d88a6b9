// Typed configuration of the simulated machine (STYLE.md rule 2). Units are in the field names.
// The scenario layer parses YAML `platform:` and `--set KEY=VALUE` into this struct in one place
// (scenarios/params.cpp); validate() rejects an impossible machine before anything is elaborated.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace daxsim::platform {

enum class Persistence { adr, eadr };

// timing: how initiators share simulated time (models/cpu_core.h).
//  - lt: loosely timed. Each core runs ahead of SystemC time by up to sim.quantum (temporal decoupling)
//    and syncs at the quantum and at sfence: fast; requests from different cores reach the controller
//    and the DIMMs in host order within a quantum. A quantum boundary with no other process due before
//    the core's time (one guest thread: always) is passed without the wait, which would change nothing.
//  - at: approximately timed in its ordering guarantee: before each transaction a core synchronises with
//    SystemC time whenever another process is due by its time, so requests reach the shared cache, WPQs
//    and media in simulated-time order and queues are served first come, first served (a core that is
//    the earliest goes on without the wait; simultaneous requests are served in the kernel's order).
//    Slower with several busy cores (a context switch per access). Transactions stay blocking
//    (b_transport with annotated delays): the TLM-2.0 four-phase nb_transport protocol is not modelled.
enum class Timing { lt, at };

// Default timing, chosen so the idle figures of DESIGN.md come out (calibration proper is a later issue):
//  - idle random 64 B load, ~305 ns (Izraelevitz et al. 2019, arXiv 1903.05714, idle latency; Yang et al.
//    FAST'20, arXiv 1908.03583, sec. 3): LLC lookup 10 + controller front end 70 + DIMM read 225 = 305 ns.
//    The front end is what DRAM pays too: its idle ~81 ns (same papers) minus the LLC lookup leaves ~70 ns
//    for front end and DRAM array together; we give all of it to the front end until a DRAM model exists,
//    which leaves 225 ns for the Optane DIMM (its controller, AIT lookup and 3D XPoint read).
//  - store + clwb + sfence, ~90 ns under ADR (Izraelevitz et al. 2019, write latency with clwb): store hit
//    10 + clwb (LLC lookup 10 + front end 70, posted into the WPQ = persistent) + sfence 0 = 90 ns. The media
//    write (500 ns, gem5 tWRITE) happens behind the WPQ and is not seen by the writer.
struct DimmConfig {
    std::uint64_t capacity_bytes = 128ull << 30; // dimm.capacity
    std::uint64_t line_bytes = 256;              // XPLine, media access granularity
    std::uint64_t read_latency_ns = 225;         // dimm.read_latency (media read, first XPLine of a request)
    std::uint64_t write_latency_ns = 500;        // dimm.write_latency (media write, per XPLine)
    std::uint64_t label_bytes = 128 << 10;       // label storage area (namespace labels)
    // dimm.buffer: the XPBuffer, ~16 KiB of XPLines in the DIMM that combines reads and writes (Yang et al.
    // FAST'20, arXiv 1908.03583, sec. 3.2; models/xp_buffer.h); 0 turns it off. With a hit cost of 44 ns
    // idle sequential 64 B loads come to ~169 ns (Izraelevitz et al. 2019): of 4 loads per XPLine one pays
    // the media (225) and three the buffer, 80 + (225 + 3 * 44) / 4 = 169. `daxsim calibrate` measures it.
    std::uint64_t buffer_bytes = 16 << 10;
    std::uint64_t buffer_hit_ns = 44; // dimm.buffer_hit_latency
    // dimm.read_bandwidth / dimm.write_bandwidth: media bandwidth of one DIMM, bytes/s (0: no limit). Each
    // XPLine the media reads or writes holds it for line_bytes / bandwidth; requests arriving while it is
    // busy queue (models/pmem_dimm.h). One DIMM's measured sequential bandwidth, ~6.6 GB/s read and
    // ~2.3 GB/s write (Izraelevitz et al. 2019; Yang et al. FAST'20 sec. 3), is taken as its media rate.
    std::uint64_t read_bandwidth_bytes_per_s = 6'600'000'000;
    std::uint64_t write_bandwidth_bytes_per_s = 2'300'000'000;
    // dimm.media_partitions: parts of the media (3D XPoint dies and their partitions) that work on
    // XPLines in parallel, XPLine n in partition n mod count. The bandwidths above are the whole DIMM's:
    // one XPLine holds its partition for count * line_bytes / bandwidth, so a DIMM reaches its bandwidth
    // only with an XPLine in flight in every partition. Derived, not fitted: to sustain ~6.6 GB/s with
    // reads that spend ~225 ns in the DIMM (dimm.read_latency), Little's law needs 6.6 GB/s * 225 ns /
    // 256 B = 5.8 XPLine reads in flight, so the media works on ~6 at once (Intel does not publish its
    // internal parallelism). This is what costs randomly placed 256 B reads on six interleaved DIMMs
    // ~14% of the sequential bandwidth (Yang et al. FAST'20, arXiv 1908.03583, Fig. 5: 33.7 vs 39.4
    // GB/s): 17 threads keep ~51 XPLine reads in flight, ~8.5 per DIMM, unevenly spread over partitions,
    // while one DIMM with all 51, and sequential streams (consecutive XPLines, consecutive partitions)
    // keep every partition busy. 1 is a single media (the model before partitions: busy-until time only).
    unsigned media_partitions = 6;

    // --- health (Intel DSM SMART; platform/dimm_health.h) -------------------------------------------
    // dimm.endurance: media bytes the DIMM is rated to write, life used = media bytes written / this.
    // 0 (auto): Intel's published endurance of the Optane DC Persistent Memory (100 series) module size,
    // scaled by capacity for sizes in between: 292 PB written for 128 GB, 363 PB for 256 GB, 300 PB for
    // 512 GB, over 5 years at 15 W with 100 % 256 B writes (Intel Optane DC Persistent Memory product
    // brief, 2019; the ~360 PBW of the 256 GB module is reported by StorageReview, via Blocks & Files,
    // "Is Optane DIMM endurance good enough?", 2019-04-04).
    std::uint64_t endurance_bytes = 0;
    // dimm.spare_capacity: spare media the firmware remaps retired XPLines into (each poisoned line it
    // clears takes one). Estimate: Intel does not publish the pool; a 512 GB module carries ~640 GB of
    // 3D XPoint (AnandTech 2018, ten packages), which bounds ECC, metadata and spares together at 25 %.
    // 1 GiB (0.8 % of 128 GiB, 4 Mi lines) is our choice.
    std::uint64_t spare_bytes = 1ull << 30;
    // Thermal model (first order, one time constant; platform/dimm_health.h). All estimates, labelled:
    //  - dimm.ambient_temperature: air at the DIMM slot, 35 C (the ASHRAE A2 inlet limit; DIMMs behind
    //    CPUs see warmer air, cooler rooms less).
    //  - dimm.idle_power: 3.5 W with no media traffic (estimate; Intel gives only the 12-18 W budget).
    //  - dimm.read_energy / dimm.write_energy, pJ per media byte: chosen so that a DIMM saturating its
    //    modelled media bandwidth reaches the 15 W default power budget: (15 - 3.5) W / 2.3 GB/s = 5000
    //    pJ/B written, (15 - 3.5) W / 6.6 GB/s = 1740 pJ/B read.
    //  - dimm.media_thermal_resistance / dimm.controller_thermal_resistance, C per W: steady-state rise of
    //    each sensor over ambient; 3.0 and 3.5 put the media at 80 C and the controller at 87.5 C at 15 W,
    //    below the default alarm thresholds (82 C, 98 C), with the controller the hotter part.
    //  - dimm.thermal_time_constant: 60 s, a heat spreader of ~30 g aluminium (~27 J/K) behind ~3 C/W.
    double ambient_celsius = 35;
    std::uint64_t idle_power_mw = 3500;
    std::uint64_t read_energy_pj_per_byte = 1740;
    std::uint64_t write_energy_pj_per_byte = 5000;
    double media_thermal_resistance_c_per_w = 3.0;
    double controller_thermal_resistance_c_per_w = 3.5;
    std::uint64_t thermal_time_constant_ns = 60'000'000'000;
};

struct InterleaveConfig {
    unsigned ways = 6;                      // interleave.ways (DIMMs per set)
    std::uint64_t granularity_bytes = 4096; // interleave.granularity
};

struct CpuConfig {
    unsigned count = 2;                     // cpu.count
    std::uint64_t cache_bytes = 1ull << 20; // cpu.cache_size (shared last-level cache)
    unsigned cache_ways = 16;               // cpu.cache_ways
    std::uint64_t cache_hit_ns = 10;        // cpu.cache_hit_latency
    unsigned fill_buffers = 12;             // cpu.fill_buffers: posted operations in flight per core
                                            // (Skylake-SP: 12; models/cpu_core.h)
};

struct ControllerConfig {
    std::uint64_t frontend_ns = 70; // mc.frontend_latency: decode + queueing + DDR-T transfer, idle
    // mc.scrub_rate: patrol-scrub bytes per second for the whole controller (0: a pass takes no time).
    // Intel's default patrol scrub covers memory once per 24 h (768 GiB: ~9.3 MB/s); 8 GiB/s makes one
    // `patrol-scrub` pass of the default 768 GiB machine take 96 s of simulated time, so a scenario shows the
    // pass's cost without dwarfing everything else. Set 9544371 (24 h) to study the real latency.
    std::uint64_t scrub_rate_bytes_per_s = 8ull << 30;
    // mc.wpq_depth: write pending queue entries (64 B writes) per DIMM, each held until the DIMM has
    // taken its write (into the XPBuffer, which may first have to write a line back to the media); a
    // write finding it full waits (0: unbounded). Intel does not publish the iMC's WPQ size: 32 is
    // calibrated, the one unpublished figure `daxsim calibrate` sets. With six media partitions per DIMM
    // the random 256 B write rows on six interleaved DIMMs come out +10.7% (64 entries), +7.7% (48),
    // +6.2% (40), +3.4% (32), +0.2% (24), -5.7% (16), while the one-DIMM random 64 B write row goes
    // -0.9, -0.9, -2.7, -2.7, -6.3, -9.9%: 32 keeps every write row within 4%. Fewer entries make writers
    // wait on one full DIMM while others drain (head-of-line blocking), the loss random placement shows.
    unsigned wpq_depth = 32;
    // mc.rpq_depth: read pending queue entries per DIMM, each held until its data returns (0: unbounded).
    // Also unpublished for the iMC; 64. It binds only when more reads are in flight to one DIMM than its
    // media can serve (the calibration's 17 reader threads on one DIMM keep ~200 in flight).
    unsigned rpq_depth = 64;
};

struct PlatformConfig {
    unsigned dimm_count = 6; // dimm.count
    DimmConfig dimm;
    InterleaveConfig interleave;
    CpuConfig cpu;
    ControllerConfig mc;
    Persistence persistence = Persistence::adr; // persistence
    Timing timing = Timing::lt;                 // timing
    std::uint64_t quantum_ns = 1000;            // sim.quantum: temporal decoupling, a core syncs with SystemC
                                                // at least this often (and at every sfence)
    std::uint64_t pmem_spa_base =
        0x40'0000'0000; // platform.pmem_base: SPA of the first PMEM range (256 GiB; DRAM below)

    // Returns the name of the first impossible setting with a reason ("interleave.ways: 4 does not
    // divide dimm.count 6"), or nothing when the machine can be built.
    [[nodiscard]] std::optional<std::string> validate() const;
};

} // namespace daxsim::platform
