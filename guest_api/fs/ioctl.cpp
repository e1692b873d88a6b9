// FS_IOC_FIEMAP (fs/ioctl.c ioctl_fiemap).
#include "guest_api/kernel/errno.h"

#include "guest_api/fs/internal.h"
#include "guest_api/kernel/kernel.h"
#include "guest_api/mm/mm_types.h"
#include "guest_api/syscalls.h"

namespace daxsim::kernel {

int sys_ioctl_fiemap(Kernel& k, task_struct* t, int fd, std::vector<fiemap_extent>* out) {
    syscall_enter(k, t);
    auto f = fget(t, fd);
    if (!f) return -EBADF;
    vfs_super* sb = inode_super(*f->f_inode);
    if (!sb) return -EOPNOTSUPP;
    return sb->s_op->fiemap(k, *f->f_inode, out);
}

} // namespace daxsim::kernel
