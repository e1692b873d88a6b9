// mm/mmap.c: VMA lookup, mmap(2) of shared file mappings (top-down placement, huge-page friendly
// alignment as thp_get_unmapped_area / dax_get_unmapped_area give), munmap(2) with VMA splitting,
// and exit_mmap. Only MAP_SHARED file mappings exist: DAX files and device-dax; private (COW into
// anonymous memory) mappings are not modelled and fail with -EINVAL.
#include "guest_api/kernel/errno.h"

#include <algorithm>
#include <iterator>
#include <memory>

#include "guest_api/fs/fs.h"
#include "guest_api/kernel/kernel.h"
#include "guest_api/mm/internal.h"
#include "guest_api/mm/mm_types.h"
#include "guest_api/mm/signal.h"
#include "guest_api/syscalls.h"

namespace daxsim::kernel {

vm_area_struct* mm_struct::find_vma(u64 addr) const {
    auto it = mmap.upper_bound(addr);
    if (it == mmap.begin()) return nullptr;
    --it;
    return addr < it->second->vm_end ? it->second.get() : nullptr;
}

void vma_unlink_file(vm_area_struct* vma) {
    if (!vma->vm_file || vma->vm_file->f_mapping == nullptr) return;
    auto& list = vma->vm_file->f_mapping->i_mmap;
    list.erase(std::remove(list.begin(), list.end(), vma), list.end());
}

void exit_mmap(mm_struct& mm) {
    for (auto& [start, vma] : mm.mmap) vma_unlink_file(vma.get());
    mm.page_table.clear();
    mm.mmap.clear();
}

namespace {

u64 page_align(u64 v) { return (v + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1); }

// Highest free range of len bytes below mm.mmap_base whose address is congruent to `off` modulo
// align (vm_unmapped_area() top-down).
u64 get_unmapped_area(const mm_struct& mm, u64 len, u64 align, u64 off) {
    constexpr u64 mmap_min_addr = 0x10000;
    const u64 want = off & (align - 1);
    // The highest suitable address in the gap [lo, hi), or 0.
    auto place = [&](u64 lo, u64 hi) -> u64 {
        if (hi < len || hi - len < lo) return 0;
        u64 addr = hi - len;
        const u64 base = addr & ~(align - 1);
        if ((addr & (align - 1)) >= want) {
            addr = base + want;
        } else {
            if (base < align) return 0;
            addr = base - align + want;
        }
        return addr >= lo ? addr : 0;
    };
    u64 hi = mm.mmap_base;
    for (auto it = mm.mmap.rbegin(); it != mm.mmap.rend(); ++it) {
        const vm_area_struct& vma = *it->second;
        if (vma.vm_start >= hi) continue;
        if (vma.vm_end < hi)
            if (const u64 addr = place(vma.vm_end, hi)) return addr;
        hi = vma.vm_start;
    }
    return place(mmap_min_addr, hi);
}

// Splits vma at addr (inside it): the part from addr on becomes a new VMA in the same file.
void split_vma(mm_struct& mm, vm_area_struct* vma, u64 addr) {
    auto tail = std::make_unique<vm_area_struct>(*vma);
    tail->vm_start = addr;
    tail->vm_pgoff = vma->vm_pgoff + ((addr - vma->vm_start) >> PAGE_SHIFT);
    vma->vm_end = addr;
    if (tail->vm_file && tail->vm_file->f_mapping) tail->vm_file->f_mapping->i_mmap.push_back(tail.get());
    mm.mmap[addr] = std::move(tail);
}

} // namespace

long sys_mmap(Kernel& k, task_struct* t, u64 len, int prot, int flags, int fd, loff_t off) {
    k.set_current(t);
    k.cpu_work(k.config().cost.syscall_ns);
    if (t == nullptr || !t->mm) return -EINVAL;
    if (len == 0 || off < 0 || (static_cast<u64>(off) & (PAGE_SIZE - 1))) return -EINVAL;
    if (!(flags & MAP_SHARED)) return -EINVAL;
    auto fit = t->files.find(fd);
    if (fit == t->files.end()) return -EBADF;
    const std::shared_ptr<file>& f = fit->second;
    const int acc = f->f_flags & 3;
    if ((prot & PROT_WRITE) && acc != O_RDWR) return -EACCES;
    if (acc == O_WRONLY) return -EACCES;
    if (f->f_op == nullptr) return -ENODEV;
    len = page_align(len);

    // Huge mappings need the address aligned like the file offset (thp_get_unmapped_area).
    u64 align = PAGE_SIZE;
    if (len >= (u64{1} << PUD_SHIFT)) align = u64{1} << PUD_SHIFT;
    else if (len >= (u64{1} << PMD_SHIFT)) align = u64{1} << PMD_SHIFT;
    const u64 addr = get_unmapped_area(*t->mm, len, align, static_cast<u64>(off));
    if (addr == 0) return -ENOMEM;

    auto vma = std::make_unique<vm_area_struct>();
    vma->vm_start = addr;
    vma->vm_end = addr + len;
    vma->vm_pgoff = static_cast<u64>(off) >> PAGE_SHIFT;
    vma->vm_flags = VM_SHARED | ((prot & PROT_READ) ? VM_READ : 0) | ((prot & PROT_WRITE) ? VM_WRITE : 0) |
                    ((flags & MAP_SYNC) ? VM_SYNC : 0);
    vma->vm_mm = t->mm.get();
    vma->vm_file = f;
    if (const int rc = f->f_op->mmap(k, *f, *vma); rc < 0) return rc;
    if (f->f_mapping) f->f_mapping->i_mmap.push_back(vma.get());
    t->mm->mmap[addr] = std::move(vma);
    return static_cast<long>(addr);
}

int sys_munmap(Kernel& k, task_struct* t, u64 addr, u64 len) {
    k.set_current(t);
    k.cpu_work(k.config().cost.syscall_ns);
    if (t == nullptr || !t->mm) return -EINVAL;
    if ((addr & (PAGE_SIZE - 1)) || len == 0) return -EINVAL;
    mm_struct& mm = *t->mm;
    const u64 end = addr + page_align(len);
    // Split the VMAs that straddle either end, then drop everything inside.
    if (vm_area_struct* v = mm.find_vma(addr); v && v->vm_start < addr) split_vma(mm, v, addr);
    if (vm_area_struct* v = mm.find_vma(end); v && v->vm_start < end) split_vma(mm, v, end);
    zap_page_range(mm, addr, end);
    for (auto it = mm.mmap.lower_bound(addr); it != mm.mmap.end() && it->first < end;) {
        vma_unlink_file(it->second.get());
        it = mm.mmap.erase(it);
    }
    exit_signalled_tasks(k);
    return 0;
}

} // namespace daxsim::kernel
