// block/badblocks.c: a sorted set of bad sector ranges (512-byte sectors), merged on insert and split
// on clear. The pmem driver keeps one per device (relative to its first data sector), each region one
// relative to its start.
#pragma once

#include <map>
#include <vector>

#include "guest_api/kernel/types.h"

namespace daxsim::kernel {

struct badblocks {
    std::map<sector_t, u64> ranges;   // start sector -> length in sectors, disjoint, not adjacent

    [[nodiscard]] std::size_t count() const { return ranges.size(); }
};

struct badblock_range {
    sector_t start = 0;
    u64 len = 0;
};

// badblocks_set(): marks [s, s + sectors) bad. 0 (the kernel's "acknowledged" variant only).
int badblocks_set(badblocks& bb, sector_t s, u64 sectors);
// badblocks_clear(): marks [s, s + sectors) good.
int badblocks_clear(badblocks& bb, sector_t s, u64 sectors);
// badblocks_check(): 1 when [s, s + sectors) meets a bad range (first_bad / bad_sectors describe the
// first one), 0 otherwise.
int badblocks_check(const badblocks& bb, sector_t s, u64 sectors, sector_t* first_bad = nullptr,
                    u64* bad_sectors = nullptr);
[[nodiscard]] std::vector<badblock_range> badblocks_list(const badblocks& bb);

} // namespace daxsim::kernel
