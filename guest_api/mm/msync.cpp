// mm/msync.c: MS_SYNC writes back the file range of every shared mapping in [addr, addr + len) through
// f_op->fsync (for DAX: cache flushes of the dirty range); MS_ASYNC is a no-op since 2.6.19.
#include "guest_api/kernel/errno.h"

#include <algorithm>

#include "guest_api/fs/fs.h"
#include "guest_api/kernel/kernel.h"
#include "guest_api/mm/mm_types.h"
#include "guest_api/mm/signal.h"
#include "guest_api/syscalls.h"

namespace daxsim::kernel {

int sys_msync(Kernel& k, task_struct* t, u64 addr, u64 len, int flags) {
    k.set_current(t);
    k.cpu_work(k.config().cost.syscall_ns);
    if (t == nullptr || !t->mm) return -EINVAL;
    if (flags & ~(MS_ASYNC | MS_INVALIDATE | MS_SYNC)) return -EINVAL;
    if (addr & (PAGE_SIZE - 1)) return -EINVAL;
    if ((flags & MS_ASYNC) && (flags & MS_SYNC)) return -EINVAL;
    const u64 end = addr + ((len + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1));
    int unmapped_error = 0;
    int rc = 0;
    u64 start = addr;
    while (start < end) {
        vm_area_struct* vma = t->mm->find_vma(start);
        if (vma == nullptr) {
            // A hole: -ENOMEM once the rest is done, as msync does.
            auto it = t->mm->mmap.upper_bound(start);
            if (it == t->mm->mmap.end() || it->first >= end) return -ENOMEM;
            unmapped_error = -ENOMEM;
            start = it->first;
            continue;
        }
        const u64 stop = std::min(end, vma->vm_end);
        if ((flags & MS_SYNC) && vma->vm_file && (vma->vm_flags & VM_SHARED) && vma->vm_file->f_op) {
            const loff_t fstart = static_cast<loff_t>(((start - vma->vm_start)) + (vma->vm_pgoff << PAGE_SHIFT));
            const loff_t fend = fstart + static_cast<loff_t>(stop - start) - 1;
            rc = vma->vm_file->f_op->fsync(k, *vma->vm_file, fstart, fend);
            if (rc < 0) break;
        }
        start = stop;
    }
    exit_signalled_tasks(k);
    return rc < 0 ? rc : unmapped_error;
}

} // namespace daxsim::kernel
