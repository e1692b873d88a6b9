// Method. Every row runs on the default platform plus `dimm.read_buffer=16KiB` (the XPBuffer of
// DESIGN.md, off by default) and the row's own settings, all listed in rows(). Latencies are the mean
// simulated cost of N accesses from the guest thread. Bandwidth rows use Little's law over independent
// sequential streams (stream_bandwidth): 17 streams for reads and 4 for writes, the thread counts at which
// Yang et al. saw six DIMMs saturate. Not several SystemC threads: Machine's ports are built for one
// guest thread and sync the previously used core from whichever thread comes next, which serialises
// them. The DIMMs' media occupancy and the WPQ bound throughput only when requests overlap; issued one at
// a time, reads never do, so the read rows stay latency-bound and do not grow with the DIMM count, and the
// write rows show the WPQ's back-pressure on unmerged 64 B RMW writes. They show that, they are not tuned.
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

double random_write_amplification(Machine& m, u64 base) {
    auto& port = m.port(0);
    RandomLines at(base, kRandomSpan);
    std::array<std::byte, 64> buf{};
    for (u64 i = 0; i < kLatencyOps; ++i) {
        const u64 a = at.next();
        (void)port.store(a, buf);
        (void)port.clwb(a, 64);
        (void)port.sfence();
    }
    const auto metrics = m.metrics();
    const double requested = metrics.at("dimm.requested_write_bytes");
    if (requested <= 0) throw std::runtime_error("no write reached the DIMMs");
    return metrics.at("dimm.media_write_bytes") / requested;
}

// GB/s of `streams` independent sequential 64 B streams. One guest thread issues them round-robin (so
// the DIMMs see their interleaving, XPBuffer included) and measures the mean access latency L; with no
// queueing in the model the streams would not slow each other down, so by Little's law N streams in
// flight move N * 64 B per L. Writes are non-temporal stores, posted once the controller has them.
double stream_bandwidth(Machine& m, u64 base, unsigned streams, bool write) {
    constexpr u64 accesses_per_stream = 1024;
    constexpr u64 stream_gap = 1ull << 20; // streams 1 MiB apart: disjoint, over every chunk of the set
    auto& port = m.port(0);
    std::array<std::byte, 64> buf{};
    u64 total = 0;
    for (u64 i = 0; i < accesses_per_stream; ++i)
        for (unsigned s = 0; s < streams; ++s) {
            const u64 at = base + s * stream_gap + i * 64;
            const auto r = write ? port.nt_store(at, buf) : port.load(at, buf);
            if (!r.ok()) throw std::runtime_error(fmt::format("stream {} failed at {:#x}", s, at));
            total += r.cost_ns;
        }
    total += port.sfence().cost_ns;
    const double mean_ns = static_cast<double>(total) / static_cast<double>(accesses_per_stream * streams);
    return streams * 64.0 / mean_ns; // bytes per ns = GB/s
}

struct RowSpec {
    const char* name; // --row NAME
    const char* metric;
    const char* unit;
    double reference;
    const char* source;
    std::vector<std::string> sets; // on top of kCalibrated
    std::function<double(Machine&, u64)> measure;
};

const std::vector<std::string> kCalibrated{"dimm.read_buffer=16KiB"};

std::vector<RowSpec> rows() {
    auto bw = [](unsigned streams, bool write) {
        return [streams, write](Machine& m, u64 base) { return stream_bandwidth(m, base, streams, write); };
    };
    const std::vector<std::string> one_dimm{"dimm.count=1", "interleave.ways=1"};
    return {
        {"random_load", "idle random 64 B load latency", "ns", 305, kIzraelevitz, {}, random_load_ns},
        {"sequential_load",
         "idle sequential 64 B load latency",
         "ns",
         169,
         kIzraelevitz,
         {},
         sequential_load_ns},
        {"store_clwb_sfence",
         "store + clwb + sfence latency (ADR)",
         "ns",
         90,
         kIzraelevitz,
         {},
         store_clwb_sfence_ns},
        {"write_amplification",
         "write amplification, random 64 B writes",
         "x",
         4,
         kYang,
         {},
         random_write_amplification},
        {"read_bw_1", "read bandwidth, 1 DIMM, 17 streams", "GB/s", 6.6, kIzraelevitz, one_dimm,
         bw(17, false)},
        {"write_bw_1", "write bandwidth, 1 DIMM, 4 nt-store streams", "GB/s", 2.3, kIzraelevitz, one_dimm,
         bw(4, true)},
        {"read_bw_6",
         "read bandwidth, 6 DIMMs interleaved, 17 streams",
         "GB/s",
         39.4,
         kIzraelevitz,
         {},
         bw(17, false)},
        {"write_bw_6",
         "write bandwidth, 6 DIMMs interleaved, 4 nt-store streams",
         "GB/s",
         13.9,
         kIzraelevitz,
         {},
         bw(4, true)},
    };
}

int measure_row(const RowSpec& spec) {
    std::vector<std::string> sets = kCalibrated;
    sets.insert(sets.end(), spec.sets.begin(), spec.sets.end());
    auto config = build_config({}, sets);
    if (!config) {
        fmt::print(stderr, "{}\n", config.error().format());
        return 2;
    }
    NullTracer tracer;
    Machine machine(config.value().platform, tracer);
    const u64 base = config.value().platform.pmem_spa_base;
    double value = 0;
    machine.run([&] { value = spec.measure(machine, base); });
    fmt::print("{:.6f}\n", value);
    return 0;
}

// Runs `self calibrate --row NAME` and reads the number it prints.
std::optional<double> run_child(const std::filesystem::path& self, const char* name) {
    const std::string cmd = fmt::format("'{}' calibrate --row {} </dev/null", self.string(), name);
    FILE* p = popen(cmd.c_str(), "r");
    if (p == nullptr) return std::nullopt;
    std::string out;
    std::array<char, 256> buf{};
    while (const std::size_t n = fread(buf.data(), 1, buf.size(), p))
        out.append(buf.data(), n);
    if (pclose(p) != 0) return std::nullopt;
    try {
        return std::stod(out);
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
    fmt::print("{} of {} rows within {}% of the reference (platform: defaults + {})\n",
               specs.size() - outside, specs.size(), kTargetPct, kCalibrated.front());
    return 0;
}

} // namespace daxsim::scenarios
