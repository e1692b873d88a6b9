// Method. Each row runs in a child process of its own (a fresh heap, one SystemC elaboration): it builds
// the machine with dimm.capacity=512GiB (six DIMMs, one 3 TiB interleave set), then writes whole 256 B
// XPLines with non-temporal stores at distinct addresses spread over all 3 TiB (a multiplicative walk
// with a stride coprime to the line count, so no line is touched twice), ends with sfence, and reads
// VmRSS from /proc/self/status. "touched" is the number of distinct media lines written times 256 B.
// The baseline row (0 B) is the machine itself: caches, buffers, tables, the SystemC kernel.
#include "scenarios/bench_memory.h"

#include <cstdio>
#include <fstream>
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

constexpr u64 kMiB = 1ull << 20;
constexpr u64 kBaseline = 64 * kMiB;
constexpr double kPerTouched = 1.2;

// Resident set size of this process in bytes (VmRSS), 0 when unreadable.
u64 rss_bytes() {
    std::ifstream in("/proc/self/status");
    std::string key;
    while (in >> key) {
        if (key == "VmRSS:") {
            u64 kib = 0;
            in >> kib;
            return kib * 1024;
        }
        std::string rest;
        std::getline(in, rest);
    }
    return 0;
}

int measure_row(u64 touch_bytes) {
    const std::vector<std::string> sets{"dimm.capacity=512GiB"};
    auto config = build_config({}, sets);
    if (!config) {
        fmt::print(stderr, "{}\n", config.error().format());
        return 2;
    }
    const auto& pc = config.value().platform;
    const u64 line = pc.dimm.line_bytes;
    const u64 lines_total = pc.dimm_count * pc.dimm.capacity_bytes / line;
    const u64 lines = touch_bytes / line;
    // A prime below 2^30 (so i * stride fits 64 bits for every i below 2^34 lines) other than 2 and 3:
    // coprime to the 6 x 2^k lines of the set, so i * stride mod lines_total never repeats.
    constexpr u64 stride = 1'000'000'007;
    NullTracer tracer;
    const u64 before = rss_bytes();
    platform::Machine machine(pc, tracer);
    const u64 elaborated = rss_bytes();
    machine.run([&] {
        auto& port = machine.port(0);
        std::vector<std::byte> data(line, std::byte{0x5a});
        for (u64 i = 0; i < lines; ++i) {
            const u64 at = pc.pmem_spa_base + (i * stride) % lines_total * line;
            if (!port.nt_store(at, data).ok()) throw std::runtime_error(fmt::format("store at {:#x} failed", at));
        }
        (void)port.sfence();
    });
    const u64 after = rss_bytes();
    nlohmann::ordered_json j;
    j["configured_bytes"] = pc.dimm_count * pc.dimm.capacity_bytes;
    j["touched_bytes"] = lines * line;
    j["rss_bytes"] = after;
    j["rss_before_machine_bytes"] = before;
    j["rss_after_elaboration_bytes"] = elaborated;
    fmt::print("{}\n", j.dump());
    return 0;
}


} // namespace

int bench_memory_main(const BenchMemoryOptions& options, const std::filesystem::path& self) {
    if (options.row) return measure_row(*options.row);
    std::vector<u64> sizes = options.touch;
    if (sizes.empty()) sizes = {0, 16 * kMiB, 64 * kMiB, 256 * kMiB, 1024 * kMiB};
    nlohmann::ordered_json j;
    j["rows"] = nlohmann::ordered_json::array();
    std::string table = fmt::format("{:>14} {:>14} {:>12} {:>14}  {}\n", "configured", "touched", "RSS",
                                    "RSS limit", "");
    bool all = true;
    for (const u64 size : sizes) {
        auto row = run_self_json(self, fmt::format("bench memory --row {}", size));
        if (!row) {
            fmt::print(stderr, "daxsim: bench memory: the {} B row failed\n", size);
            return 1;
        }
        const u64 touched = row->at("touched_bytes").get<u64>();
        const u64 rss = row->at("rss_bytes").get<u64>();
        const auto goal = static_cast<u64>(static_cast<double>(kBaseline) + kPerTouched * static_cast<double>(touched));
        (*row)["goal_bytes"] = goal;
        (*row)["within_goal"] = rss < goal;
        all = all && rss < goal;
        table += fmt::format("{:>10} GiB {:>10.1f} MiB {:>8.1f} MiB {:>10.1f} MiB  {}\n",
                             row->at("configured_bytes").get<u64>() >> 30, static_cast<double>(touched) / kMiB,
                             static_cast<double>(rss) / kMiB, static_cast<double>(goal) / kMiB,
                             rss < goal ? "ok" : "OVER");
        j["rows"].push_back(*row);
    }
    if (options.json) {
        fmt::print("{}\n", j.dump(2));
    } else {
        fmt::print("{}", table);
        fmt::print("goal: RSS < 64 MiB + 1.2 x touched: {}\n", all ? "met on every row" : "NOT met");
    }
    return 0;
}

} // namespace daxsim::scenarios
