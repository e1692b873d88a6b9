// Reference-count btree (fs/xfs/libxfs/xfs_refcount.c): blocks used by more than one file mapping, and
// the CoW staging extents. A block without a record has refcount 1 (or is free).
#pragma once

#include <utility>
#include <vector>

#include "guest_api/fs/xfs/xfs_mount.h"

namespace daxsim::kernel {

using xfs_extent_list = std::vector<std::pair<xfs_fsblock_t, xfs_extlen_t>>;

// One more mapping shares [fsbno, fsbno+len).
void xfs_refcount_increase_extent(xfs_mount& mp, xfs_fsblock_t fsbno, xfs_extlen_t len);
// One mapping less; pieces whose count drops to zero are appended to *to_free (the caller frees them).
void xfs_refcount_decrease_extent(xfs_mount& mp, xfs_fsblock_t fsbno, xfs_extlen_t len, xfs_extent_list* to_free);
// First shared range inside [agbno, agbno+len): *fbno/*flen, or false when nothing is shared.
// With find_end_of_shared, flen covers the whole shared run, else only its first record.
bool xfs_refcount_find_shared(xfs_mount& mp, xfs_agnumber_t agno, xfs_agblock_t agbno, xfs_extlen_t len,
                              xfs_agblock_t* fbno, xfs_extlen_t* flen, bool find_end_of_shared);
// Reference count of one block (1 for an unshared allocated block).
[[nodiscard]] u32 xfs_refcount_of(xfs_mount& mp, xfs_fsblock_t fsbno);
// CoW staging extents (the refcountbt's CoW domain): recorded while they sit in a CoW fork.
void xfs_refcount_alloc_cow_extent(xfs_mount& mp, xfs_fsblock_t fsbno, xfs_extlen_t len);
void xfs_refcount_free_cow_extent(xfs_mount& mp, xfs_fsblock_t fsbno, xfs_extlen_t len);

} // namespace daxsim::kernel
