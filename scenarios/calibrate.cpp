// Method. Every row runs on the default platform (XPBuffer on, 12 fill buffers per core) plus the row's
// own settings, all listed in rows(). Latencies are the mean simulated cost of N dependent accesses from
// one guest thread. Bandwidth rows run one guest thread per stream on its own core (Machine::run_parallel),
// 17 for reads and 4 for writes, the thread counts at which Yang et al. saw six DIMMs saturate: each thread
// streams 64 B accesses over its own region (independent loads with load_nowait, or non-temporal stores)
// and ends with mfence; bandwidth is all bytes moved over the time the last thread finished. What limits
// it is the model's structure, not a fitted constant: fill buffers per core, the controller's WPQ, the
// XPBuffer combining 64 B writes into XPLines, and each DIMM's media occupancy.
#include "scenarios/calibrate.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "models/tracer.h"
#include "platform/machine.h"
#include "scenarios/params.h"
#include "scenarios/self_exec.h"

namespace daxsim::scenarios {
namespace {

using u64 = std::uint64_t;
using platform::Machine;

constexpr double kTargetPct = 10.0;
constexpr const char* kIzraelevitz = "Izraelevitz et al. 2019, arXiv 1903.05714";
constexpr const char* kYang = "Yang et al. FAST'20, arXiv 1908.03583";

// Deterministic line-aligned addresses spread over `span` bytes (Knuth's MMIX LCG).
class RandomLines {
  public:
    RandomLines(u64 base, u64 span) : base_(base), lines_(span / 64) {}
    u64 next() {
        x_ = x_ * 6364136223846793005ull + 1442695040888963407ull;
        return base_ + (x_ >> 17) % lines_ * 64;
    }

  private:
    u64 base_;
    u64 lines_;
    u64 x_ = 1;
};

constexpr u64 kLatencyOps = 4000;
constexpr u64 kRandomSpan = 1ull << 30; // far beyond the 1 MiB LLC and the 16 KiB XPBuffer

double random_load_ns(Machine& m, u64 base) {
    auto& port = m.port(0);
    RandomLines at(base, kRandomSpan);
    std::array<std::byte, 64> buf{};
    u64 total = 0;
    for (u64 i = 0; i < kLatencyOps; ++i)
        total += port.load(at.next(), buf).cost_ns;
    return static_cast<double>(total) / kLatencyOps;
}

double sequential_load_ns(Machine& m, u64 base) {
    auto& port = m.port(0);
    std::array<std::byte, 64> buf{};
    u64 total = 0;
    for (u64 i = 0; i < kLatencyOps; ++i)
        total += port.load(base + i * 64, buf).cost_ns;
    return static_cast<double>(total) / kLatencyOps;
}

// The line is loaded first (untimed) so that the store hits, as in the papers' measurement of a
// persistent store: what is timed is store + clwb + sfence.
double store_clwb_sfence_ns(Machine& m, u64 base) {
    auto& port = m.port(0);
    RandomLines at(base, kRandomSpan);
    std::array<std::byte, 64> buf{};
    u64 total = 0;
    for (u64 i = 0; i < kLatencyOps; ++i) {
        const u64 a = at.next();
        (void)port.load(a, buf);
        total += port.store(a, buf).cost_ns;
        total += port.clwb(a, 64).cost_ns;
        total += port.sfence().cost_ns;
    }
    return static_cast<double>(total) / kLatencyOps;
}

// Steady state: after a warm-up that fills every DIMM's XPBuffer, each new random 64 B write evicts a
// partially written line, which the DIMM writes as a whole XPLine.
double random_write_amplification(Machine& m, u64 base) {
    auto& port = m.port(0);
    RandomLines at(base, kRandomSpan);
    std::array<std::byte, 64> buf{};
    auto write = [&] {
        const u64 a = at.next();
        (void)port.store(a, buf);
        (void)port.clwb(a, 64);
        (void)port.sfence();
    };
    for (u64 i = 0; i < kLatencyOps / 4; ++i)
        write();
    const auto before = m.metrics();
    for (u64 i = 0; i < kLatencyOps; ++i)
        write();
    const auto after = m.metrics();
    const double requested = after.at("dimm.requested_write_bytes") - before.at("dimm.requested_write_bytes");
    if (requested <= 0) throw std::runtime_error("no write reached the DIMMs");
    return (after.at("dimm.media_write_bytes") - before.at("dimm.media_write_bytes")) / requested;
}

// GB/s of `threads` threads, each streaming sequential 64 B accesses over its own region on its own core.
double stream_bandwidth(Machine& m, u64 base, unsigned threads, bool write) {
    // Long enough that what the XPBuffers hold at the end (64 lines per DIMM) is ~2% of the bytes moved.
    constexpr u64 accesses_per_thread = 16384;
    constexpr u64 region_gap = 1ull << 24; // 16 MiB apart: disjoint, each over every DIMM of the set
    std::vector<u64> finished(threads, 0);
    std::vector<std::function<void()>> guests;
    for (unsigned t = 0; t < threads; ++t)
        guests.emplace_back([&m, &finished, base, t, write] {
            auto& port = m.port(t);
            std::array<std::byte, 64> buf{};
            for (u64 i = 0; i < accesses_per_thread; ++i) {
                const u64 at = base + t * region_gap + i * 64;
                const auto r = write ? port.nt_store(at, buf) : port.load_nowait(at, buf);
                if (!r.ok()) throw std::runtime_error(fmt::format("thread {} failed at {:#x}", t, at));
            }
            (void)port.mfence(); // the last loads' data and stores have arrived
            finished[t] = port.now_ns();
        });
    m.run_parallel(std::move(guests));
    const u64 last = *std::max_element(finished.begin(), finished.end());
    return static_cast<double>(threads * accesses_per_thread * 64) / static_cast<double>(last); // B/ns
}

// Runs one of the single-thread measurements above in the guest thread.
std::function<double(Machine&, u64)> on_one_thread(double (*measure)(Machine&, u64)) {
    return [measure](Machine& m, u64 base) {
        double value = 0;
        m.run([&] { value = measure(m, base); });
        return value;
    };
}

struct RowSpec {
    const char* name; // --row NAME
    const char* metric;
    const char* unit;
    double reference;
    const char* source;
    std::vector<std::string> sets; // on top of the defaults
    std::function<double(Machine&, u64)> measure; // elaborates and runs the machine
};

std::vector<RowSpec> rows() {
    auto bw = [](unsigned threads, bool write) {
        return [threads, write](Machine& m, u64 base) { return stream_bandwidth(m, base, threads, write); };
    };
    const std::vector<std::string> one_dimm{"dimm.count=1", "interleave.ways=1"};
    auto with = [](std::vector<std::string> a, const std::vector<std::string>& b) {
        a.insert(a.end(), b.begin(), b.end());
        return a;
    };
    const std::vector<std::string> readers{"cpu.count=17"};
    const std::vector<std::string> writers{"cpu.count=4"};
    return {
        {"random_load", "idle random 64 B load latency", "ns", 305, kIzraelevitz, {}, on_one_thread(random_load_ns)},
        {"sequential_load",
         "idle sequential 64 B load latency",
         "ns",
         169,
         kIzraelevitz,
         {},
         on_one_thread(sequential_load_ns)},
        {"store_clwb_sfence",
         "store + clwb + sfence latency (ADR)",
         "ns",
         90,
         kIzraelevitz,
         {},
         on_one_thread(store_clwb_sfence_ns)},
        {"write_amplification",
         "write amplification, random 64 B writes",
         "x",
         4,
         kYang,
         {},
         on_one_thread(random_write_amplification)},
        {"read_bw_1", "read bandwidth, 1 DIMM, 17 threads", "GB/s", 6.6, kIzraelevitz, with(one_dimm, readers),
         bw(17, false)},
        {"write_bw_1", "write bandwidth, 1 DIMM, 4 nt-store threads", "GB/s", 2.3, kIzraelevitz,
         with(one_dimm, writers), bw(4, true)},
        {"read_bw_6",
         "read bandwidth, 6 DIMMs interleaved, 17 threads",
         "GB/s",
         39.4,
         kIzraelevitz,
         readers,
         bw(17, false)},
        {"write_bw_6",
         "write bandwidth, 6 DIMMs interleaved, 4 nt-store threads",
         "GB/s",
         13.9,
         kIzraelevitz,
         writers,
         bw(4, true)},
    };
}

int measure_row(const RowSpec& spec) {
    auto config = build_config({}, spec.sets);
    if (!config) {
        fmt::print(stderr, "{}\n", config.error().format());
        return 2;
    }
    NullTracer tracer;
    Machine machine(config.value().platform, tracer);
    const u64 base = config.value().platform.pmem_spa_base;
    const double value = spec.measure(machine, base);
    fmt::print("{:.6f}\n", value);
    return 0;
}

// Runs `self calibrate --row NAME` and reads the number it prints.
std::optional<double> run_child(const std::filesystem::path& self, const char* name) {
    const auto out = run_self(self, fmt::format("calibrate --row {}", name));
    if (!out) return std::nullopt;
    try {
        return std::stod(*out);
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

} // namespace

int calibrate_main(const CalibrateOptions& options, const std::filesystem::path& self) {
    const auto specs = rows();
    if (options.row) {
        for (const auto& spec : specs)
            if (*options.row == spec.name) return measure_row(spec);
        fmt::print(stderr, "daxsim: error: calibrate: no row '{}'\n", *options.row);
        return 2;
    }
    nlohmann::ordered_json j;
    j["rows"] = nlohmann::ordered_json::array();
    std::string table = fmt::format("{:<56} {:>5} {:>9} {:>9} {:>8}  {}\n", "metric", "unit", "reference",
                                    "simulated", "error %", "source");
    unsigned outside = 0;
    for (const auto& spec : specs) {
        const auto sim = run_child(self, spec.name);
        if (!sim) {
            fmt::print(stderr, "daxsim: calibrate: row '{}' failed\n", spec.name);
            return 1;
        }
        const double value = std::round(*sim * 100) / 100;
        const double err = std::round((value - spec.reference) / spec.reference * 1000) / 10;
        const bool within = std::fabs(err) <= kTargetPct;
        outside += within ? 0 : 1;
        j["rows"].push_back({{"metric", spec.metric},
                             {"unit", spec.unit},
                             {"reference", spec.reference},
                             {"simulated", value},
                             {"error_pct", err},
                             {"source", spec.source},
                             {"within_target", within}});
        table += fmt::format("{:<56} {:>5} {:>9.2f} {:>9.2f} {:>+8.1f}  {}{}\n", spec.metric, spec.unit,
                             spec.reference, value, err, spec.source, within ? "" : "  [outside 10%]");
    }
    if (options.json) {
        fmt::print("{}\n", j.dump(2));
        return 0;
    }
    fmt::print("{}", table);
    fmt::print("{} of {} rows within {}% of the reference (platform: defaults + each row's settings)\n",
               specs.size() - outside, specs.size(), kTargetPct);
    return 0;
}

} // namespace daxsim::scenarios
