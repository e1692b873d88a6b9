// block/badblocks.c, as half-open sector ranges in an ordered map.
#include "guest_api/kernel/errno.h"

#include "guest_api/drivers/nvdimm/badblocks.h"

#include <algorithm>

namespace daxsim::kernel {

int badblocks_set(badblocks& bb, sector_t s, u64 sectors) {
    if (sectors == 0) return 0;
    sector_t start = s;
    sector_t end = s + sectors;
    // Absorb every range that overlaps or touches [start, end).
    auto it = bb.ranges.upper_bound(start);
    if (it != bb.ranges.begin()) {
        auto prev = std::prev(it);
        if (prev->first + prev->second >= start) it = prev;
    }
    while (it != bb.ranges.end() && it->first <= end) {
        start = std::min(start, it->first);
        end = std::max(end, it->first + it->second);
        it = bb.ranges.erase(it);
    }
    bb.ranges[start] = end - start;
    return 0;
}

int badblocks_clear(badblocks& bb, sector_t s, u64 sectors) {
    if (sectors == 0) return 0;
    const sector_t end = s + sectors;
    auto it = bb.ranges.upper_bound(s);
    if (it != bb.ranges.begin()) {
        auto prev = std::prev(it);
        if (prev->first + prev->second > s) it = prev;
    }
    while (it != bb.ranges.end() && it->first < end) {
        const sector_t rs = it->first;
        const sector_t re = it->first + it->second;
        it = bb.ranges.erase(it);
        if (rs < s) bb.ranges[rs] = s - rs;
        if (re > end) bb.ranges[end] = re - end;
    }
    return 0;
}

int badblocks_check(const badblocks& bb, sector_t s, u64 sectors, sector_t* first_bad, u64* bad_sectors) {
    const sector_t end = s + sectors;
    auto it = bb.ranges.upper_bound(s);
    if (it != bb.ranges.begin()) {
        auto prev = std::prev(it);
        if (prev->first + prev->second > s) it = prev;
    }
    if (it == bb.ranges.end() || it->first >= end) return 0;
    if (first_bad) *first_bad = it->first;
    if (bad_sectors) *bad_sectors = it->second;
    return 1;
}

std::vector<badblock_range> badblocks_list(const badblocks& bb) {
    std::vector<badblock_range> out;
    for (const auto& [s, n] : bb.ranges) out.push_back({s, n});
    return out;
}

} // namespace daxsim::kernel
