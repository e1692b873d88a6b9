// XFS's iomap_ops for DAX (fs/xfs/xfs_iomap.c): reads and reports map the data fork as it is; writes,
// faults and unshare allocate (holes and unwritten extents become zeroed written blocks, as XFS does for
// DAX with XFS_BMAPI_ZERO) and send writes to shared extents through the CoW fork.
#pragma once

#include "guest_api/fs/iomap.h"
#include "guest_api/fs/xfs/xfs_mount.h"

namespace daxsim::kernel {

extern const iomap_ops& xfs_read_iomap_ops;       // read, FIEMAP (IOMAP_REPORT marks shared extents)
extern const iomap_ops& xfs_dax_write_iomap_ops;  // write, fault, unshare

// xfs_bmbt_to_iomap with IOMAP_DAX: addr is the byte offset in the dax device.
void xfs_bmbt_to_iomap(const xfs_mount& mp, iomap& map, const xfs_bmbt_irec& irec, unsigned iomap_flags);

} // namespace daxsim::kernel
