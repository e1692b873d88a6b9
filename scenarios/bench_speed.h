// `daxsim bench speed`: host transactions per second of the full platform (loads and stores streamed
// through a MemoryPort: core, cache, memory controller, DIMM) against a bare SystemC TLM-2.0
// b_transport loop (trivial initiator and target), both in one process. Goal: ratio >= 0.25.
#pragma once

#include <cstdint>

namespace daxsim::scenarios {

struct BenchSpeedOptions {
    bool json = false;
    std::uint64_t transactions = 200000; // each loop; hidden option for the smoke test
};

// Prints {"sim_txn_per_s","raw_txn_per_s","ratio"} (or a line of text); 0 on success.
[[nodiscard]] int bench_speed_main(const BenchSpeedOptions& options);

} // namespace daxsim::scenarios
