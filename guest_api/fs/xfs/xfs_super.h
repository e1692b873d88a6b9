// Mount and unmount of XFS (fs/xfs/xfs_super.c) and the operations the VFS calls on a mounted XFS.
#pragma once

#include <string>

#include "guest_api/fs/vfs.h"

namespace daxsim::kernel {

class Kernel;
struct block_device;

// xfs_fs_fill_super for a DAX mount of bdev on dir. 0 or -errno (-EINVAL without DAX, -EBUSY when the
// device or its dax_device is already claimed, -EIO when the superblock cannot be read).
// logdev: the external log device (mount -o logdev=), nullptr for none (xfs_open_devices).
int xfs_fs_mount(Kernel& k, block_device& bdev, const std::string& dir, bool dax, bool readonly,
                 block_device* logdev = nullptr);

extern const super_operations& xfs_super_operations;

} // namespace daxsim::kernel
