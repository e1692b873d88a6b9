// open, close, truncate, fallocate (fs/open.c).
#include "guest_api/kernel/errno.h"

#include <algorithm>

#include "guest_api/fs/internal.h"
#include "guest_api/kernel/kernel.h"
#include "guest_api/mm/mm_types.h"
#include "guest_api/syscalls.h"

namespace daxsim::kernel {

int sys_open(Kernel& k, task_struct* t, const std::string& path, int flags, unsigned mode) {
    (void)mode;
    syscall_enter(k, t);
    if (!t) return -EINVAL;
    std::shared_ptr<inode> ino;
    const file_operations* fop = nullptr;
    if (const int err = path_openat(k, path, flags, &ino, &fop); err) return err;
    auto f = std::make_shared<file>();
    f->f_inode = std::move(ino);
    f->f_mapping = f->f_inode->i_mapping;
    f->f_op = fop;
    f->f_flags = flags;
    f->path = path;
    // The lowest free descriptor above stdin/stdout/stderr (get_unused_fd_flags).
    int fd = 3;
    while (t->files.contains(fd)) ++fd;
    t->files[fd] = std::move(f);
    t->next_fd = std::max(t->next_fd, fd + 1);
    return fd;
}

int sys_close(Kernel& k, task_struct* t, int fd) {
    syscall_enter(k, t);
    auto f = fget(t, fd);
    if (!f) return -EBADF;
    t->files.erase(fd);
    vfs_super* sb = inode_super(*f->f_inode);
    f.reset();
    // The last close of an unlinked file frees it (iput -> evict).
    if (sb) sb->s_op->reap_orphans(k, *sb);
    return 0;
}

int sys_ftruncate(Kernel& k, task_struct* t, int fd, loff_t len) {
    syscall_enter(k, t);
    auto f = fget(t, fd);
    if (!f) return -EBADF;
    if (len < 0 || !file_writable(*f)) return -EINVAL;
    vfs_super* sb = inode_super(*f->f_inode);
    if (!sb) return -EINVAL;
    return sb->s_op->setattr_size(k, *f->f_inode, len);
}

int sys_fallocate(Kernel& k, task_struct* t, int fd, int mode, loff_t off, loff_t len) {
    syscall_enter(k, t);
    auto f = fget(t, fd);
    if (!f) return -EBADF;
    // vfs_fallocate's checks
    if (off < 0 || len <= 0) return -EINVAL;
    if ((mode & FALLOC_FL_PUNCH_HOLE) && !(mode & FALLOC_FL_KEEP_SIZE)) return -EOPNOTSUPP;
    if ((mode & FALLOC_FL_UNSHARE_RANGE) && (mode & ~(FALLOC_FL_UNSHARE_RANGE | FALLOC_FL_KEEP_SIZE))) return -EINVAL;
    if (!file_writable(*f)) return -EBADF;
    return f->f_op->fallocate(k, *f, mode, off, len);
}

loff_t sys_file_size(Kernel& k, task_struct* t, int fd) {
    syscall_enter(k, t);
    auto f = fget(t, fd);
    if (!f) return -EBADF;
    return f->f_inode->i_size;
}

} // namespace daxsim::kernel
