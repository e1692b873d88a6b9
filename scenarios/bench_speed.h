// `daxsim bench speed`: host transactions per second of the full platform (loads and stores streamed
// through a MemoryPort: core, cache, memory controller, DIMM) against a bare SystemC TLM-2.0
// b_transport loop (trivial initiator and target), both in one process. Goal: ratio >= 0.25.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace daxsim::scenarios {

struct BenchSpeedOptions {
    bool json = false;
    std::uint64_t transactions = 200000; // platform loop, per round; hidden option for the smoke test
    // Hidden: measure one timing mode in this process and print its JSON (what the parent runs: one
    // SystemC elaboration per process, so each mode gets its own child).
    std::optional<std::string> timing;
};

// Prints {"sim_txn_per_s","raw_txn_per_s","ratio","at":{...}} (LT at the top level, as the issue
// asks; AT below) or a table; 0 on success. `self` is this executable.
[[nodiscard]] int bench_speed_main(const BenchSpeedOptions& options, const std::filesystem::path& self);

} // namespace daxsim::scenarios
