// The VANS trace format, as VANS itself reads it (TheNetAdmin/VANS: src/general/trace.cpp,
// get_dram_trace_request and run_trace; config/vans.cfg; src/general/common.h; tests/sample_traces/). VANS is
// the simulator of Wang et al., "Characterizing and Modeling Non-Volatile Memory Systems", MICRO'20.
//  - One request a line: a hexadecimal address (parsed in base 16, so the `0x` prefix is optional), spaces,
//    then the operation: `R` a read, `W` a write, `C` a "critical" read (upper case only); a line with no
//    operation is a read, any other letter is a format error.
//  - Right after the operation an optional `:N` gives idle clocks (decimal): after issuing that request,
//    VANS's trace loop ticks the model N more clocks before it reads the next line.
//  - A `C` read stalls the trace until that read's data returns (its callback clears the stall); `R` and
//    `W` only wait when the model refuses them (queue full). At most one request is issued per clock.
//  - Lines whose first character is `#` are skipped.
//  - A request is one 64 B CPU cache line (cpu_cl_size = 64); the addresses of the sample traces are
//    multiples of 64 starting at 0, i.e. offsets into the NVRAM.
//  - The clock is tCK = 0.75 ns ([basic] tCK in config/vans.cfg, DDR4-2666 at 1333.33 MHz). VANS prints
//    "Total ns" = clocks x tCK, after draining every pending request, and the host time it took.
// Differences here, all documented in docs/replay.md: `#` may also end a line after a request and blank lines
// are allowed; the op must be exactly one letter, optionally with `:N` (VANS silently reads e.g. `R 5` as
// idle clocks); addresses are rounded down to their 64 B line and must lie in the PMEM region. Idle clocks
// are charged as N x tCK of core time on top of the core's own 1 ns issue cost.
#include "scenarios/replay.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <stdexcept>
#include <string_view>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "models/tracer.h"
#include "platform/machine.h"
#include "scenarios/cli.h"
#include "scenarios/params.h"

namespace daxsim::scenarios {
namespace {

using u64 = std::uint64_t;

constexpr u64 kLineBytes = 64;  // VANS cpu_cl_size: every request moves one cache line
constexpr u64 kVansTckPs = 750; // VANS config/vans.cfg [basic] tCK : 0.75 (ns)
// Bounds that keep every product below 2^64 ps (SystemC's time range): idle clocks x tCK <= 10^18 ps.
constexpr u64 kMaxIdleClocks = 1'000'000'000'000; // 10^12 clocks
constexpr u64 kMaxTckPs = 1'000'000;              // --clock-ghz >= 0.001
constexpr u64 kMaxTimeNs = 1'000'000'000'000'000; // @TIME_NS <= 10^15 ns (11.6 days)

// Indexed by TraceFormat.
constexpr std::string_view kFormatNames[] = {"vans", "timestamped"};

bool is_space(char c) {
    return c == ' ' || c == '\t';
}
bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// Parses all of `s` as an unsigned decimal number.
std::optional<u64> parse_decimal(std::string_view s) {
    if (s.empty()) return std::nullopt;
    u64 v = 0;
    for (const char c : s) {
        if (!is_digit(c)) return std::nullopt;
        const u64 d = static_cast<u64>(c - '0');
        if (v > (std::numeric_limits<u64>::max() - d) / 10) return std::nullopt;
        v = v * 10 + d;
    }
    return v;
}

// Parses all of `s` as a hexadecimal number with an optional 0x prefix (VANS: base 16).
std::optional<u64> parse_hex(std::string_view s) {
    if (s.size() >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) s.remove_prefix(2);
    if (s.empty()) return std::nullopt;
    u64 v = 0;
    for (const char c : s) {
        const int d = hex_value(c);
        if (d < 0 || v > (std::numeric_limits<u64>::max() >> 4)) return std::nullopt;
        v = (v << 4) | static_cast<u64>(d);
    }
    return v;
}

// One line of the trace, walked token by token with 1-based columns for the diagnostics.
class LineReader {
  public:
    LineReader(std::string_view text, const std::string& file, int line)
        : s_(text), file_(file), line_(line) {}

    void skip_space() {
        while (i_ < s_.size() && is_space(s_[i_]))
            ++i_;
    }
    [[nodiscard]] bool at_end() const { return i_ >= s_.size(); }
    [[nodiscard]] char peek() const { return s_[i_]; }
    [[nodiscard]] int column() const { return static_cast<int>(i_) + 1; }
    void advance() { ++i_; }
    // The run of non-blank characters at the cursor; the cursor moves past it.
    std::string_view token() {
        const std::size_t start = i_;
        while (i_ < s_.size() && !is_space(s_[i_]))
            ++i_;
        return s_.substr(start, i_ - start);
    }
    [[nodiscard]] Diagnostic error(int column, std::string message, std::string hint = {}) const {
        return Diagnostic{{file_, line_, column}, std::move(message), std::move(hint)};
    }

  private:
    std::string_view s_;
    std::size_t i_ = 0;
    const std::string& file_;
    int line_;
};

struct ParseContext {
    u64 region_bytes = 0;
    std::optional<TraceFormat> format; // decided by the first request line
    int first_line = 0;
    u64 last_time_ns = 0;
};

std::optional<Diagnostic> parse_address(LineReader& in, const ParseContext& ctx, TraceRequest& req) {
    const int col = in.column();
    const std::string_view tok = in.token();
    const auto v = parse_hex(tok);
    if (!v)
        return in.error(col,
                        fmt::format("bad address '{}': expected a hexadecimal offset into the "
                                    "persistent-memory region",
                                    tok),
                        "addresses are hexadecimal, with or without 0x: 0x1c0");
    if (*v >= ctx.region_bytes)
        return in.error(col, fmt::format("address {:#x} is beyond the persistent-memory region ({:#x} bytes: "
                                         "dimm.count x dimm.capacity)",
                                         *v, ctx.region_bytes));
    req.offset = *v / kLineBytes * kLineBytes;
    return std::nullopt;
}

// R, W or C, and in VANS form an optional `:N` of idle clocks.
std::optional<Diagnostic> parse_op(LineReader& in, TraceFormat format, TraceRequest& req) {
    const int col = in.column();
    const std::string_view tok = in.token();
    const char c = tok.front();
    const bool known = c == 'R' || c == 'W' || c == 'C';
    if (!known || (tok.size() > 1 && tok[1] != ':')) {
        const bool lower = tok.size() == 1 && (c == 'r' || c == 'w' || c == 'c');
        return in.error(col,
                        fmt::format("unknown operation '{}': expected R (read), W (write) or C "
                                    "(dependent read)",
                                    tok),
                        lower ? "operations are upper case, as VANS reads them" : "");
    }
    req.op = c == 'R' ? TraceOp::read : c == 'W' ? TraceOp::write : TraceOp::dependent_read;
    if (tok.size() == 1) return std::nullopt;
    if (format == TraceFormat::timestamped)
        return in.error(col + 1, "idle clocks (':N') are VANS syntax; a timestamped line gives its time "
                                 "with @TIME_NS");
    const auto clocks = parse_decimal(tok.substr(2));
    if (clocks && *clocks > kMaxIdleClocks)
        return in.error(col + 2,
                        fmt::format("idle clock count {} is above the limit of {}", *clocks, kMaxIdleClocks));
    if (!clocks)
        return in.error(col + 2, fmt::format("bad idle clock count '{}': expected a decimal number of clocks",
                                             tok.substr(2)));
    req.idle_clocks = *clocks;
    return std::nullopt;
}

// One non-blank, non-comment line: `ADDR [OP[:N]]` or `@TIME_NS ADDR OP`.
std::optional<Diagnostic> parse_line(LineReader& in, ParseContext& ctx, int line_no, Trace& trace) {
    TraceRequest req;
    const int first_col = in.column();
    const TraceFormat format = in.peek() == '@' ? TraceFormat::timestamped : TraceFormat::vans;
    if (!ctx.format) {
        ctx.format = format;
        ctx.first_line = line_no;
    } else if (*ctx.format != format) {
        return in.error(
            first_col,
            fmt::format("this line is in {} form but the trace is {} (its first request, line {})",
                        kFormatNames[static_cast<int>(format)], kFormatNames[static_cast<int>(*ctx.format)],
                        ctx.first_line),
            "a trace is either all `0xADDR R|W|C[:N]` or all `@TIME_NS 0xADDR R|W|C`");
    }
    if (format == TraceFormat::timestamped) {
        in.advance(); // '@'
        const int col = in.column();
        const std::string_view tok = in.token();
        const auto t = parse_decimal(tok);
        if (!t)
            return in.error(col, fmt::format("bad time '{}': expected decimal nanoseconds after '@'", tok),
                            "@1500 0x1c0 R");
        if (*t > kMaxTimeNs)
            return in.error(col, fmt::format("time {} ns is above the limit of {} ns", *t, kMaxTimeNs));
        if (*t < ctx.last_time_ns)
            return in.error(
                col,
                fmt::format("time {} ns is earlier than the previous request's {} ns", *t, ctx.last_time_ns),
                "timestamps must not decrease");
        ctx.last_time_ns = *t;
        req.time_ns = *t;
        in.skip_space();
        if (in.at_end()) return in.error(in.column(), "missing address after the time");
    }
    if (auto e = parse_address(in, ctx, req)) return e;
    const bool had_space = !in.at_end() && is_space(in.peek());
    in.skip_space();
    if (in.at_end()) {
        if (format == TraceFormat::timestamped)
            return in.error(in.column(), "missing operation: expected R, W or C after the address");
        req.op = TraceOp::read; // VANS: a line without an operation is a read
    } else {
        if (!had_space)
            return in.error(in.column(), "expected a blank between the address and the operation");
        if (auto e = parse_op(in, format, req)) return e;
        in.skip_space();
        if (!in.at_end()) {
            const int col = in.column();
            return in.error(col, fmt::format("unexpected '{}' after the operation", in.token()));
        }
    }
    trace.requests.push_back(req);
    return std::nullopt;
}

struct LatencyStats {
    u64 count = 0;
    u64 sum = 0;
    u64 min = std::numeric_limits<u64>::max();
    u64 max = 0;

    void add(u64 ns) {
        ++count;
        sum += ns;
        min = std::min(min, ns);
        max = std::max(max, ns);
    }
    [[nodiscard]] double mean() const { return count == 0 ? 0.0 : static_cast<double>(sum) / count; }
};

struct ReplayResult {
    std::array<LatencyStats, 3> by_op; // indexed by TraceOp
    LatencyStats all;
    u64 simulated_ns = 0;
    u64 idle_ns = 0;       // idle clocks (VANS) or waits for a timestamp (timestamped)
    u64 late_requests = 0; // timestamped: issued after their time because the core was still busy
    double host_seconds = 0;
    MetricMap metrics;
};

ReplayResult replay(const Trace& trace, const platform::PlatformConfig& config, u64 tck_ps, bool uncached) {
    NullTracer tracer;
    platform::Machine machine(config, tracer);
    auto& port = uncached ? machine.uncached_port() : machine.port(0);
    const u64 base = config.pmem_spa_base;
    ReplayResult out;
    machine.run([&] {
        std::array<std::byte, kLineBytes> buf{};
        u64 idle_ps = 0; // idle clocks not yet charged (below 1 ns)
        const auto start = std::chrono::steady_clock::now();
        for (const TraceRequest& req : trace.requests) {
            if (trace.format == TraceFormat::timestamped) {
                const u64 now = port.now_ns();
                if (req.time_ns > now) {
                    port.cpu_work(req.time_ns - now);
                    out.idle_ns += req.time_ns - now;
                } else if (req.time_ns < now) {
                    ++out.late_requests;
                }
            }
            const u64 spa = base + req.offset;
            platform::AccessResult r;
            switch (req.op) {
            case TraceOp::read:
                r = port.load_nowait(spa, buf);
                break;
            case TraceOp::dependent_read:
                r = port.load(spa, buf);
                break;
            case TraceOp::write:
                r = port.nt_store(spa, buf);
                break;
            }
            if (!r.ok()) throw std::runtime_error(fmt::format("access at SPA {:#x} failed", spa));
            out.by_op[static_cast<int>(req.op)].add(r.latency_ns);
            out.all.add(r.latency_ns);
            if (req.idle_clocks != 0) {
                idle_ps += req.idle_clocks * tck_ps;
                const u64 ns = idle_ps / 1000;
                idle_ps %= 1000;
                if (ns != 0) {
                    port.cpu_work(ns);
                    out.idle_ns += ns;
                }
            }
        }
        (void)port.mfence(); // every posted read and write has completed
        out.simulated_ns = port.now_ns();
        out.host_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    });
    out.metrics = machine.metrics();
    return out;
}

double round3(double x) {
    return std::round(x * 1000) / 1000;
}

nlohmann::ordered_json latency_json(const LatencyStats& s) {
    nlohmann::ordered_json j;
    j["count"] = s.count;
    if (s.count == 0) {
        j["mean"] = nullptr;
        j["min"] = nullptr;
        j["max"] = nullptr;
    } else {
        j["mean"] = round3(s.mean());
        j["min"] = s.min;
        j["max"] = s.max;
    }
    return j;
}

std::string latency_row(std::string_view name, const LatencyStats& s) {
    if (s.count == 0) return fmt::format("  {:<15} {:>9} {:>10} {:>8} {:>8}\n", name, 0, "-", "-", "-");
    return fmt::format("  {:<15} {:>9} {:>10.1f} {:>8} {:>8}\n", name, s.count, s.mean(), s.min, s.max);
}

// An error about the whole file (no line to point at).
Diagnostic file_error(const std::string& file, std::string message, std::string hint = {}) {
    Diagnostic d;
    d.where.file = file;
    d.message = std::move(message);
    d.hint = std::move(hint);
    return d;
}

} // namespace

Result<Trace> parse_trace(const std::filesystem::path& file, std::uint64_t region_bytes) {
    const std::string name = file.string();
    std::error_code ec;
    if (std::filesystem::is_directory(file, ec))
        return file_error(name, "cannot read the trace: it is a directory");
    std::ifstream in(file, std::ios::binary);
    if (!in) return file_error(name, fmt::format("cannot open the trace: {}", std::strerror(errno)));
    Trace trace;
    ParseContext ctx;
    ctx.region_bytes = region_bytes;
    std::string line;
    int line_no = 0;
    while (std::getline(in, line)) {
        ++line_no;
        std::string_view text = line;
        if (const auto hash = text.find('#'); hash != std::string_view::npos) text = text.substr(0, hash);
        while (!text.empty() && (is_space(text.back()) || text.back() == '\r'))
            text.remove_suffix(1);
        LineReader reader(text, name, line_no);
        reader.skip_space();
        if (reader.at_end()) continue;
        if (auto e = parse_line(reader, ctx, line_no, trace)) return *e;
    }
    if (in.bad()) return file_error(name, "cannot read the trace: read error");
    if (trace.requests.empty())
        return file_error(name, "the trace has no requests", "one request a line: 0x1c0 R");
    trace.format = ctx.format.value_or(TraceFormat::vans);
    return trace;
}

int replay_main(const ReplayOptions& options) {
    auto config = build_config({}, options.sets);
    if (!config) {
        fmt::print(stderr, "{}\n", config.error().format());
        return kExitInvalid;
    }
    const platform::PlatformConfig& pc = config.value().platform;
    u64 tck_ps = kVansTckPs;
    if (options.clock_ghz) {
        const double ps = std::round(1000.0 / *options.clock_ghz);
        if (!(ps >= 1 && ps <= static_cast<double>(kMaxTckPs))) {
            fmt::print(stderr, "daxsim: error: --clock-ghz: {} is out of range (0.001 .. 1000)\n",
                       *options.clock_ghz);
            return kExitInvalid;
        }
        tck_ps = static_cast<u64>(ps);
    }
    auto trace = parse_trace(options.trace, static_cast<u64>(pc.dimm_count) * pc.dimm.capacity_bytes);
    if (!trace) {
        fmt::print(stderr, "{}\n", trace.error().format());
        return kExitInvalid;
    }
    const Trace& t = trace.value();
    ReplayResult r;
    try {
        r = replay(t, pc, tck_ps, options.uncached);
    } catch (const std::exception& e) {
        fmt::print(stderr, "daxsim: internal error: {}\n", e.what());
        return kExitFail;
    }

    const u64 requests = t.requests.size();
    const u64 bytes = requests * kLineBytes;
    const double ns_per_request = static_cast<double>(r.simulated_ns) / static_cast<double>(requests);
    const double gb_per_s = r.simulated_ns == 0 ? 0.0 : static_cast<double>(bytes) / r.simulated_ns; // B/ns
    const double host_rps = r.host_seconds > 0 ? static_cast<double>(requests) / r.host_seconds : 0.0;
    const auto& reads = r.by_op[static_cast<int>(TraceOp::read)];
    const auto& dependent = r.by_op[static_cast<int>(TraceOp::dependent_read)];
    const auto& writes = r.by_op[static_cast<int>(TraceOp::write)];
    const std::string_view format_name = kFormatNames[static_cast<int>(t.format)];

    if (options.json) {
        nlohmann::ordered_json j;
        j["trace"] = options.trace;
        j["format"] = format_name;
        j["tck_ps"] = tck_ps;
        j["uncached"] = options.uncached;
        j["requests"] = requests;
        j["reads"] = reads.count;
        j["dependent_reads"] = dependent.count;
        j["writes"] = writes.count;
        j["bytes"] = bytes;
        j["simulated_ns"] = r.simulated_ns;
        j["idle_ns"] = r.idle_ns;
        j["late_requests"] = r.late_requests;
        j["ns_per_request"] = round3(ns_per_request);
        j["bandwidth_gb_per_s"] = round3(gb_per_s);
        j["latency_ns"] = {{"all", latency_json(r.all)},
                           {"read", latency_json(reads)},
                           {"dependent_read", latency_json(dependent)},
                           {"write", latency_json(writes)}};
        nlohmann::ordered_json m = nlohmann::ordered_json::object();
        for (const auto& [key, value] : r.metrics) // counters are whole numbers: print them so
            if (value >= 0 && value < 0x1p53 && value == std::floor(value))
                m[key] = static_cast<u64>(value);
            else
                m[key] = value;
        j["metrics"] = m;
        j["host_seconds"] = r.host_seconds;
        j["host_requests_per_s"] = std::round(host_rps);
        fmt::print("{}\n", j.dump(2));
        return kExitPass;
    }
    std::string out;
    out += fmt::format("trace          {} ({} format, tCK {} ps)\n", options.trace, format_name, tck_ps);
    out += fmt::format("requests       {}: R reads {}, C dependent reads {}, W writes {} ({} B each)\n",
                       requests, reads.count, dependent.count, writes.count, kLineBytes);
    out += fmt::format("simulated      {} ns ({:.1f} ns per request, {} ns idle", r.simulated_ns,
                       ns_per_request, r.idle_ns);
    if (t.format == TraceFormat::timestamped) out += fmt::format(", {} requests late", r.late_requests);
    out += ")\n";
    out += fmt::format("bandwidth      {:.3f} GB/s\n", gb_per_s);
    const auto metric = [&r](const char* key) {
        const auto it = r.metrics.find(key);
        return it == r.metrics.end() ? 0.0 : it->second;
    };
    if (options.uncached)
        out += "llc            bypassed (--uncached: every request goes straight to the memory controller)\n";
    else
        out += fmt::format("llc            {:.0f} hits, {:.0f} misses (R and C pass the shared cache; W is "
                           "non-temporal and bypasses it)\n",
                           metric("cache.hits"), metric("cache.misses"));
    out += fmt::format("latency ns     {:>9} {:>10} {:>8} {:>8}\n", "count", "mean", "min", "max");
    out += latency_row("all", r.all);
    out += latency_row("read (R)", reads);
    out += latency_row("dep. read (C)", dependent);
    out += latency_row("write (W)", writes);
    fmt::print("{}", out);
    // The one non-deterministic figure, on its own line.
    fmt::print("host           {:.0f} requests/s ({:.3f} s wall)\n", host_rps, r.host_seconds);
    return kExitPass;
}

} // namespace daxsim::scenarios
