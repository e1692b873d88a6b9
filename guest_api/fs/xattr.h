// Extended attribute system calls (fs/xattr.c) and the file attribute ioctls (fs/ioctl.c
// FS_IOC_FSGETXATTR / FS_IOC_FSSETXATTR), path- and fd-based as setfattr, getfattr and xfs_io call
// them; plus the attr fork lookup `inject poison --file PATH --attr --offset OFF` needs.
// Same return convention as syscalls.h (value or -errno).
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>

#include "guest_api/kernel/types.h"

namespace daxsim::kernel {

class Kernel;
struct task_struct;

// struct fsxattr (include/uapi/linux/fs.h), the fields daxsim models.
inline constexpr u32 FS_XFLAG_EXTSIZE = 0x00000800; // fsx_extsize is an extent size hint
struct fileattr {
    u32 fsx_xflags = 0;
    u32 fsx_extsize = 0;  // bytes
    u32 fsx_nextents = 0; // data fork extents (read only)
};

// setxattr(2): value nullopt is removexattr(2). XATTR_CREATE / XATTR_REPLACE in flags.
int sys_setxattr(Kernel& k, task_struct* t, const std::string& path, const std::string& name,
                 std::span<const std::byte> value, int flags);
int sys_removexattr(Kernel& k, task_struct* t, const std::string& path, const std::string& name);
// getxattr(2): copies the value into `value` and returns its size; an empty span asks for the size
// only; -ERANGE when the span is too small, -ENODATA when there is no such attribute.
long sys_getxattr(Kernel& k, task_struct* t, const std::string& path, const std::string& name,
                  std::span<std::byte> value);

// ioctl(fd, FS_IOC_FSGETXATTR / FS_IOC_FSSETXATTR).
int sys_ioctl_fsgetxattr(Kernel& k, task_struct* t, int fd, fileattr* fa);
int sys_ioctl_fssetxattr(Kernel& k, task_struct* t, int fd, const fileattr& fa);

// Byte offset inside the attribute fork of a regular file on a mounted DAX file system -> SPA of its
// block; nullopt where the fork has no block (no attributes, or all of them in the inode).
[[nodiscard]] std::optional<u64> attr_offset_to_spa(Kernel& k, const std::string& path, u64 offset);

} // namespace daxsim::kernel
