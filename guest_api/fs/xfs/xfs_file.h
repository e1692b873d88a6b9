// XFS file operations on a DAX mount (fs/xfs/xfs_file.c, xfs_iops.c, xfs_bmap_util.c): read/write
// through fs/dax, mmap with the DAX fault handlers, fsync, fallocate, truncate, FIEMAP.
#pragma once

#include <vector>

#include "guest_api/fs/fs.h"
#include "guest_api/fs/xfs/xfs_mount.h"
#include "guest_api/mm/mm_types.h"

namespace daxsim::kernel {

struct fiemap_extent;

extern const file_operations& xfs_file_operations;
extern const vm_operations_struct& xfs_file_vm_ops;

// xfs_setattr_size: truncate or extend. 0 or -errno.
int xfs_setattr_size(xfs_mount& mp, xfs_inode& ip, loff_t newsize);
// xfs_vn_fiemap: every extent of the data fork, split where sharing changes.
int xfs_vn_fiemap(xfs_mount& mp, xfs_inode& ip, std::vector<fiemap_extent>* out);

} // namespace daxsim::kernel
