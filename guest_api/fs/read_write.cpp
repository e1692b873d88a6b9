// pread/pwrite (fs/read_write.c).
#include "guest_api/kernel/errno.h"

#include "guest_api/fs/internal.h"
#include "guest_api/kernel/kernel.h"
#include "guest_api/mm/mm_types.h"
#include "guest_api/syscalls.h"

namespace daxsim::kernel {

ssize_t sys_pread(Kernel& k, task_struct* t, int fd, std::span<std::byte> buf, loff_t pos) {
    syscall_enter(k, t);
    auto f = fget(t, fd);
    if (!f || !file_readable(*f)) return -EBADF;
    if (pos < 0) return -EINVAL;
    if (buf.empty()) return 0;
    return f->f_op->read(k, *f, buf, pos);
}

ssize_t sys_pwrite(Kernel& k, task_struct* t, int fd, std::span<const std::byte> buf, loff_t pos) {
    syscall_enter(k, t);
    auto f = fget(t, fd);
    if (!f || !file_writable(*f)) return -EBADF;
    if (pos < 0) return -EINVAL;
    if (buf.empty()) return 0;
    return f->f_op->write(k, *f, buf, pos);
}

} // namespace daxsim::kernel
