// fs/xattr.c (setxattr, getxattr, removexattr by path) and the FS_IOC_FS[GS]ETXATTR ioctls.
#include "guest_api/kernel/errno.h"

#include "guest_api/fs/xattr.h"

#include <linux/limits.h> // XATTR_NAME_MAX, XATTR_SIZE_MAX

#include <algorithm>
#include <array>
#include <string_view>

#include "guest_api/drivers/dax/dax.h"
#include "guest_api/fs/internal.h"
#include "guest_api/kernel/kernel.h"
#include "guest_api/syscalls.h"

namespace daxsim::kernel {
namespace {

// xattr_resolve_name against the handlers XFS registers (xfs_xattr_handlers): user, trusted,
// security; a name with no known prefix is -EOPNOTSUPP, a prefix alone -EINVAL.
int xattr_check_name(const std::string& name) {
    if (name.empty()) return -ERANGE;
    if (name.size() > XATTR_NAME_MAX) return -ERANGE;
    constexpr std::array<std::string_view, 3> prefixes{"user.", "trusted.", "security."};
    for (const std::string_view p : prefixes)
        if (name.starts_with(p)) return name.size() == p.size() ? -EINVAL : 0;
    return -EOPNOTSUPP;
}

// The inode and file system a path names (lookup without O_CREAT).
int lookup_path(Kernel& k, const std::string& path, vfs_super** sb, std::shared_ptr<inode>* ino) {
    const std::string norm = vfs_normalize_path(path);
    if (norm.empty()) return -ENOENT;
    std::string rest;
    *sb = k.vfs().resolve(norm, &rest);
    if (!*sb) return -ENOENT;
    if (rest.empty()) return -EOPNOTSUPP; // the mount point: its directory has no attributes here
    return (*sb)->s_op->lookup(k, **sb, rest, ino);
}

int setxattr_common(Kernel& k, task_struct* t, const std::string& path, const std::string& name,
                    std::optional<std::span<const std::byte>> value, int flags) {
    syscall_enter(k, t);
    if (const int err = xattr_check_name(name); err) return err;
    if (value && value->size() > XATTR_SIZE_MAX) return -E2BIG;
    vfs_super* sb = nullptr;
    std::shared_ptr<inode> ino;
    if (const int err = lookup_path(k, path, &sb, &ino); err) return err;
    return sb->s_op->setxattr(k, *ino, name, value, flags);
}

} // namespace

int sys_setxattr(Kernel& k, task_struct* t, const std::string& path, const std::string& name,
                 std::span<const std::byte> value, int flags) {
    return setxattr_common(k, t, path, name, value, flags);
}

int sys_removexattr(Kernel& k, task_struct* t, const std::string& path, const std::string& name) {
    return setxattr_common(k, t, path, name, std::nullopt, 0);
}

long sys_getxattr(Kernel& k, task_struct* t, const std::string& path, const std::string& name,
                  std::span<std::byte> value) {
    syscall_enter(k, t);
    if (const int err = xattr_check_name(name); err) return err;
    vfs_super* sb = nullptr;
    std::shared_ptr<inode> ino;
    if (const int err = lookup_path(k, path, &sb, &ino); err) return err;
    std::string v;
    if (const int err = sb->s_op->getxattr(k, *ino, name, &v); err) return err;
    if (value.empty()) return static_cast<long>(v.size());
    if (value.size() < v.size()) return -ERANGE;
    std::transform(v.begin(), v.end(), value.begin(), [](char c) { return std::byte(c); });
    return static_cast<long>(v.size());
}

int sys_ioctl_fsgetxattr(Kernel& k, task_struct* t, int fd, fileattr* fa) {
    syscall_enter(k, t);
    auto f = fget(t, fd);
    if (!f) return -EBADF;
    vfs_super* sb = inode_super(*f->f_inode);
    if (!sb) return -ENOTTY;
    return sb->s_op->fileattr_get(k, *f->f_inode, fa);
}

int sys_ioctl_fssetxattr(Kernel& k, task_struct* t, int fd, const fileattr& fa) {
    syscall_enter(k, t);
    auto f = fget(t, fd);
    if (!f) return -EBADF;
    vfs_super* sb = inode_super(*f->f_inode);
    if (!sb) return -ENOTTY;
    if (sb->s_readonly) return -EROFS;
    return sb->s_op->fileattr_set(k, *f->f_inode, fa);
}

std::optional<u64> attr_offset_to_spa(Kernel& k, const std::string& path, u64 offset) {
    vfs_super* sb = nullptr;
    std::shared_ptr<inode> ino;
    if (lookup_path(k, path, &sb, &ino) != 0) return std::nullopt;
    const auto dax_off = sb->s_op->attr_offset_to_dax(k, *ino, offset);
    if (!dax_off || !sb->s_daxdev) return std::nullopt;
    u64 pfn = 0;
    if (dax_direct_access(k, sb->s_daxdev, *dax_off >> PAGE_SHIFT, 1, dax_access_mode::DAX_RECOVERY_WRITE,
                          &pfn) <= 0)
        return std::nullopt;
    return PFN_PHYS(pfn) + (*dax_off & (PAGE_SIZE - 1));
}

} // namespace daxsim::kernel
