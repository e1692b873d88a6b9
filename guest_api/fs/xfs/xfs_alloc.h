// Free-space allocation (fs/xfs/libxfs/xfs_alloc.c): per-AG free extents by block number, allocation near
// a goal, contiguous where possible, aligned where asked (2 MiB for PMD-sized requests).
#pragma once

#include "guest_api/fs/xfs/xfs_mount.h"

namespace daxsim::kernel {

// struct xfs_alloc_arg, reduced.
struct xfs_alloc_arg {
    xfs_fsblock_t goal = 0;        // try to start here (or as near as possible)
    xfs_extlen_t minlen = 1;       // fail rather than return less
    xfs_extlen_t maxlen = 1;
    xfs_extlen_t alignment = 1;    // the start's device block number is a multiple of this
    // rmap owner of the new blocks (struct xfs_owner_info)
    u64 owner = XFS_RMAP_OWN_NULL;
    u64 offset = 0;
    unsigned rm_flags = 0;
    // results
    xfs_fsblock_t fsbno = NULLFSBLOCK;
    xfs_extlen_t len = 0;
};

// Allocates one extent and records the owner in the rmapbt (when enabled). 0 or -ENOSPC.
int xfs_alloc_vextent(xfs_mount& mp, xfs_alloc_arg& args);
// Returns [bno, bno+len) to free space and removes the owner's rmap record (owner XFS_RMAP_OWN_NULL:
// the caller already removed it).
void xfs_free_extent(xfs_mount& mp, xfs_fsblock_t bno, xfs_extlen_t len, u64 owner, u64 offset, unsigned rm_flags);
// mkfs: takes [agbno, agbno+len) out of the AG's free space without touching the rmapbt.
void xfs_alloc_mark_used(xfs_perag& pag, xfs_agblock_t agbno, xfs_extlen_t len);

} // namespace daxsim::kernel
