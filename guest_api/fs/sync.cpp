// fsync and sync (fs/sync.c).
#include "guest_api/kernel/errno.h"

#include "guest_api/fs/internal.h"
#include "guest_api/kernel/kernel.h"
#include "guest_api/mm/mm_types.h"
#include "guest_api/syscalls.h"

namespace daxsim::kernel {

int sys_fsync(Kernel& k, task_struct* t, int fd) {
    syscall_enter(k, t);
    auto f = fget(t, fd);
    if (!f) return -EBADF;
    return f->f_op->fsync(k, *f, 0, static_cast<loff_t>(~u64{0} >> 1));
}

void sys_sync(Kernel& k) {
    k.cpu_work(k.config().cost.syscall_ns);
    for (const auto& [dir, sb] : k.vfs().mounts()) {
        sb->s_op->reap_orphans(k, *sb);
        (void)sb->s_op->sync_fs(k, *sb);
    }
}

} // namespace daxsim::kernel
