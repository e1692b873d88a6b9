// `daxsim bench failure`: the host cost of one memory failure in a block with a few owners, as the
// AG's reverse-mapping btree grows from 10^3 to 10^6 records (the goal: host cost per event grows like
// log n, as the kernel's rmapbt lookup does).
#pragma once

#include <cstdint>

namespace daxsim::scenarios {

struct BenchFailureOptions {
    bool json = false;
    std::uint64_t max_records = 1000000; // hidden option: the smoke test stops at 10^3
};

// Prints a table (or JSON {"rows":[...]}); 0 on success.
[[nodiscard]] int bench_failure_main(const BenchFailureOptions& options);

} // namespace daxsim::scenarios
