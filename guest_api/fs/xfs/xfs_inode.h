// Inode allocation, logging and reclaim (fs/xfs/xfs_inode.c, libxfs/xfs_ialloc.c).
#pragma once

#include <memory>

#include "guest_api/fs/xfs/xfs_mount.h"

namespace daxsim::kernel {

// Allocates an inode from a free slot of an inode chunk (a new 64-inode chunk when none is free,
// owned by XFS_RMAP_OWN_INODES), writes its core to the media. 0 or -ENOSPC.
int xfs_ialloc(xfs_mount& mp, std::shared_ptr<xfs_inode>* out);
// Writes the inode core (magic, size, extent count) into its 512-byte slot on the media.
void xfs_trans_log_inode(xfs_mount& mp, xfs_inode& ip);
// Frees every block of an unlinked inode and its slot (xfs_inactive + xfs_ifree).
void xfs_inactive(xfs_mount& mp, xfs_inode& ip);
// Attaches an inode of the image to a mount (i_sb, file ops).
void xfs_setup_inode(xfs_mount& mp, xfs_inode& ip);

} // namespace daxsim::kernel
