// File block mappings (fs/xfs/libxfs/xfs_bmap.c, xfs_iext_tree.c): the data and CoW forks of an inode,
// reading them with holes reported, allocating, converting unwritten extents and unmapping (which drops
// refcounts and frees blocks no one else shares).
#pragma once

#include <map>
#include <vector>

#include "guest_api/fs/xfs/xfs_mount.h"

namespace daxsim::kernel {

using xfs_ifork = std::map<xfs_fileoff_t, xfs_bmbt_irec>;

// The mappings of [off, off+len) in order, holes included as pieces with br_startblock == NULLFSBLOCK.
[[nodiscard]] std::vector<xfs_bmbt_irec> xfs_bmapi_read(const xfs_ifork& fork, xfs_fileoff_t off, u64 len);
// Adds a mapping (the range must be a hole), merging with contiguous neighbours.
void xfs_iext_insert(xfs_ifork& fork, const xfs_bmbt_irec& irec);
// Removes [off, off+len) from the fork, splitting extents; returns the removed pieces.
std::vector<xfs_bmbt_irec> xfs_iext_remove_range(xfs_ifork& fork, xfs_fileoff_t off, u64 len);

// Data fork + rmap: maps irec into the data fork of ip (owner ip, file offset br_startoff).
void xfs_bmap_map_extent(xfs_mount& mp, xfs_inode& ip, const xfs_bmbt_irec& irec);
// Unmaps [off, off+len) of the data fork: removes the rmap records, drops refcounts of shared blocks and
// frees the blocks nobody else uses (xfs_bunmapi + xfs_bmap_del_extent_real + deferred frees).
void xfs_bunmapi(xfs_mount& mp, xfs_inode& ip, xfs_fileoff_t off, u64 len);
// Allocates blocks for the hole at [off, off+len) of the data fork, maybe fewer than asked (the extent
// the allocator found). Unwritten when `unwritten` (fallocate), else written. 2 MiB-aligned when the
// request is 2 MiB or larger and starts 2 MiB-aligned in the file (PMD faults need both).
int xfs_bmapi_write(xfs_mount& mp, xfs_inode& ip, xfs_fileoff_t off, u64 len, bool unwritten, xfs_bmbt_irec* out);
// Marks [irec) written (xfs_bmapi_write with XFS_BMAPI_CONVERT): fork and rmap flags.
void xfs_bmap_convert_written(xfs_mount& mp, xfs_inode& ip, const xfs_bmbt_irec& irec);

inline constexpr u64 XFS_PMD_BLOCKS = 512;   // 2 MiB in 4 KiB blocks

} // namespace daxsim::kernel
