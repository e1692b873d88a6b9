// mm/madvise.c: MADV_HWPOISON (madvise_inject_error) — software-injected memory failure on the
// pages a task maps, without touching the media, as xfstests and the ndctl tests use it.
#include "guest_api/kernel/errno.h"

#include <fmt/format.h>

#include "guest_api/kernel/kernel.h"
#include "guest_api/mm/internal.h"
#include "guest_api/mm/memory_failure.h"
#include "guest_api/mm/memremap.h"
#include "guest_api/mm/mm_types.h"
#include "guest_api/mm/signal.h"
#include "guest_api/syscalls.h"

namespace daxsim::kernel {

namespace {

// get_user_pages_fast() for one page: faults it in when needed; the pfn, or -errno.
long gup_one(Kernel& k, task_struct* t, u64 addr, u64* pfn) {
    vm_area_struct* vma = t->mm->find_vma(addr);
    if (vma == nullptr) return -EFAULT;
    u64 base = 0;
    const pte_t* pte = t->mm->lookup(addr, &base);
    if (pte == nullptr) {
        k.cpu_work(k.config().cost.page_fault_ns);
        const vm_fault_t fault = handle_mm_fault(k, vma, addr, 0);
        if (fault & (VM_FAULT_HWPOISON | VM_FAULT_HWPOISON_LARGE)) return -EHWPOISON;
        if (fault & (VM_FAULT_SIGBUS | VM_FAULT_SIGSEGV | VM_FAULT_OOM)) return -EFAULT;
        pte = t->mm->lookup(addr, &base);
        if (pte == nullptr) return -EFAULT;
    }
    if (pte->hwpoison) return -EHWPOISON;
    *pfn = pte->pfn + ((addr - base) >> PAGE_SHIFT);
    return 1;
}

int madvise_inject_error(Kernel& k, task_struct* t, u64 start, u64 end) {
    u64 size = PAGE_SIZE;
    for (; start < end; start += size) {
        u64 pfn = 0;
        const long got = gup_one(k, t, start, &pfn);
        if (got != 1) return static_cast<int>(got);
        // One failure per (compound) page: device-dax pages are as large as the device's alignment.
        page* p = pfn_to_page(k, pfn);
        size = u64{1} << page_shift(compound_head(k, p));
        k.printk(LogLevel::info, fmt::format("Injecting memory failure for pfn {} at process virtual address {}",
                                             hex(pfn), hex(start)));
        int ret = memory_failure(k, pfn, MF_ACTION_REQUIRED | MF_COUNT_INCREASED | MF_SW_SIMULATED);
        if (ret == -EOPNOTSUPP) ret = 0;
        if (ret) return ret;
        // The next page starts at the next boundary of this one's size.
        start &= ~(size - 1);
    }
    return 0;
}

} // namespace

int sys_madvise(Kernel& k, task_struct* t, u64 addr, u64 len, int advice) {
    k.set_current(t);
    k.cpu_work(k.config().cost.syscall_ns);
    if (t == nullptr || !t->mm) return -EINVAL;
    if (addr & (PAGE_SIZE - 1)) return -EINVAL;
    const u64 end = addr + ((len + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1));
    int rc = -EINVAL;
    if (advice == MADV_HWPOISON) rc = madvise_inject_error(k, t, addr, end);
    exit_signalled_tasks(k);
    return rc;
}

} // namespace daxsim::kernel
