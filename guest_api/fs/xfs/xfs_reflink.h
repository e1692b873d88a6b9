// Reflink (fs/xfs/xfs_reflink.c): sharing extents between files (FICLONE, FICLONERANGE, FIDEDUPERANGE),
// the CoW fork that receives writes to shared extents, remapping it into the data fork when the write
// completes, and unsharing (FALLOC_FL_UNSHARE_RANGE).
#pragma once

#include "guest_api/fs/fs.h"
#include "guest_api/fs/xfs/xfs_mount.h"

namespace daxsim::kernel {

// Trims a written mapping to its first run of shared or unshared blocks; true when that run is shared.
bool xfs_reflink_trim_around_shared(xfs_mount& mp, xfs_inode& ip, xfs_bmbt_irec& irec);
// Allocates (or finds) a CoW staging extent for the written mapping imap (DAX converts it at once):
// *cmap covers a prefix of imap. 0 or -ENOSPC.
int xfs_reflink_allocate_cow(xfs_mount& mp, xfs_inode& ip, const xfs_bmbt_irec& imap, xfs_bmbt_irec* cmap);
// The CoW write of bytes [pos, pos+count) is done: remap its CoW extents into the data fork (the old
// blocks lose a reference and are freed when no longer shared; rmap follows).
int xfs_reflink_end_cow(xfs_mount& mp, xfs_inode& ip, loff_t pos, u64 count);
// Frees the CoW staging extents of file blocks [off, off+count).
void xfs_reflink_cancel_cow_range(xfs_mount& mp, xfs_inode& ip, xfs_fileoff_t off, u64 count);
// xfs_file_remap_range: clone or dedupe. Bytes remapped (0: dedupe found differing data) or -errno.
loff_t xfs_file_remap_range(Kernel& k, file& src, loff_t pos_in, file& dst, loff_t pos_out, loff_t len,
                            unsigned remap_flags);
// FALLOC_FL_UNSHARE_RANGE.
int xfs_reflink_unshare(xfs_mount& mp, xfs_inode& ip, loff_t offset, loff_t len);

} // namespace daxsim::kernel
