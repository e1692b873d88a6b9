// `daxsim replay TRACE [--json]` (issue #6): replays a memory trace on the simulated platform, without the
// kernel, in the trace format of the VANS NVRAM simulator (or a timestamped form of ours), and reports
// simulated latency per request, bandwidth and host requests per second, so that one trace runs through
// daxsim and VANS side by side. Formats and output keys: docs/replay.md.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "scenarios/diagnostics.h"

namespace daxsim::scenarios {

enum class TraceFormat {
    vans,        // `0xADDR R|W|C[:idle_clocks]`
    timestamped, // `@TIME_NS 0xADDR R|W|C`
};

enum class TraceOp : std::uint8_t {
    read,           // R: independent read, overlapped with later requests (load_nowait)
    dependent_read, // C: the next request waits for its data (load)
    write,          // W: non-temporal store into the write pending queue (nt_store)
};

struct TraceRequest {
    std::uint64_t offset = 0;      // into the persistent-memory region, 64 B aligned (rounded down)
    std::uint64_t idle_clocks = 0; // VANS `:N`: clocks the issuer waits after this request
    std::uint64_t time_ns = 0;     // timestamped: issue no earlier than this simulated time
    TraceOp op = TraceOp::read;
};

struct Trace {
    TraceFormat format = TraceFormat::vans;
    std::vector<TraceRequest> requests;
};

// Reads and checks the whole trace. Every address must lie inside [0, region_bytes). Errors are
// `FILE:LINE:COL: error: what` (or `FILE: error: what` for an unreadable or empty file).
[[nodiscard]] Result<Trace> parse_trace(const std::filesystem::path& file, std::uint64_t region_bytes);

struct ReplayOptions {
    std::string trace;
    bool json = false;
    std::vector<std::string> sets;   // --set KEY=VALUE (see `daxsim params`)
    std::optional<double> clock_ghz; // clock of the idle clocks; default VANS's tCK 0.75 ns (1.333 GHz)
    // Requests go straight to the memory controller (Machine::uncached_port), as the post-LLC traffic a
    // VANS trace is; by default they pass the shared cache, as a core's loads do.
    bool uncached = false;
};

// 0 on success, 2 on invalid input (nothing is run), 1 when the simulation itself failed.
[[nodiscard]] int replay_main(const ReplayOptions& options);

} // namespace daxsim::scenarios
