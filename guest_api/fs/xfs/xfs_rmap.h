// Reverse-mapping btree (fs/xfs/libxfs/xfs_rmap.c): who owns each block of an AG. Records of one owner
// merge when contiguous; records of different owners overlap where blocks are shared (reflink).
#pragma once

#include <functional>

#include "guest_api/fs/xfs/xfs_mount.h"

namespace daxsim::kernel {

// Adds an owner for [agbno, agbno+len) (merging with its neighbours). No-op without rmapbt.
void xfs_rmap_map(xfs_mount& mp, xfs_agnumber_t agno, xfs_agblock_t agbno, xfs_extlen_t len, u64 owner,
                  u64 offset, unsigned flags);
// Removes the owner from [agbno, agbno+len), splitting its record. No-op without rmapbt.
void xfs_rmap_unmap(xfs_mount& mp, xfs_agnumber_t agno, xfs_agblock_t agbno, xfs_extlen_t len, u64 owner,
                    u64 offset, unsigned flags);

using xfs_rmap_query_range_fn = std::function<int(const xfs_rmap_irec& rec)>;
// Calls fn for every record overlapping AG blocks [low, high] (inclusive, as the kernel's keys are),
// in key order; stops at the first non-zero return and returns it. Charges btree costs.
int xfs_rmap_query_range(xfs_mount& mp, xfs_agnumber_t agno, xfs_agblock_t low, xfs_agblock_t high,
                         const xfs_rmap_query_range_fn& fn);

} // namespace daxsim::kernel
