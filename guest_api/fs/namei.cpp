// Path lookup and unlink (fs/namei.c): "/dev/NAME" names a device node, any other absolute path the
// file system mounted on its longest mount-point prefix (one flat root directory per file system).
#include "guest_api/kernel/errno.h"

#include "guest_api/block/blkdev.h"
#include "guest_api/fs/internal.h"
#include "guest_api/kernel/kernel.h"
#include "guest_api/syscalls.h"

namespace daxsim::kernel {

int path_openat(Kernel& k, const std::string& path, int flags, std::shared_ptr<inode>* ino,
                const file_operations** fop) {
    const std::string norm = vfs_normalize_path(path);
    if (norm.empty()) return -ENOENT;
    const std::string dev = "/dev/";
    if (norm.starts_with(dev)) {
        const auto node = k.dev_nodes().find(norm.substr(dev.size()));
        if (node == k.dev_nodes().end()) return (flags & O_CREAT) ? -EACCES : -ENOENT;
        if (node->second.chr) {
            *ino = node->second.chr;
            *fop = node->second.chr->i_fop;
        } else if (node->second.bdev && node->second.bdev->bd_inode) {
            *ino = node->second.bdev->bd_inode;
            *fop = &def_blk_fops();
        } else {
            return -ENXIO;
        }
        return *fop ? 0 : -ENXIO;
    }
    std::string rest;
    vfs_super* sb = k.vfs().resolve(norm, &rest);
    if (!sb) return -ENOENT;
    if (rest.empty()) return -EISDIR;
    int err = sb->s_op->lookup(k, *sb, rest, ino);
    if (err == -ENOENT && (flags & O_CREAT)) err = sb->s_op->create(k, *sb, rest, ino);
    if (err) return err;
    *fop = (*ino)->i_fop;
    if ((flags & O_TRUNC) && (flags & 3) != O_RDONLY)
        if (const int terr = sb->s_op->setattr_size(k, **ino, 0); terr) return terr;
    return *fop ? 0 : -ENXIO;
}

int sys_unlink(Kernel& k, task_struct* t, const std::string& path) {
    syscall_enter(k, t);
    const std::string norm = vfs_normalize_path(path);
    if (norm.empty()) return -ENOENT;
    std::string rest;
    vfs_super* sb = k.vfs().resolve(norm, &rest);
    if (!sb) return -ENOENT;
    if (rest.empty()) return -EBUSY;   // the mount point itself
    return sb->s_op->unlink(k, *sb, rest);
}

} // namespace daxsim::kernel
