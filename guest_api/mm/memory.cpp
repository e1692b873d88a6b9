// mm/memory.c: page faults on DAX mappings (handle_mm_fault, do_page_mkwrite, zap), the user-mode
// access a task's load or store makes (the instruction's view: page walk, fault, then the access
// through the CPU's memory port), and arch/x86/mm/fault.c's signal on fault errors.
#include "guest_api/kernel/errno.h"

#include <algorithm>
#include <iterator>
#include <optional>
#include <type_traits>
#include <fmt/format.h>

#include "guest_api/arch/mce.h"
#include "guest_api/fs/fs.h"
#include "guest_api/kernel/kernel.h"
#include "guest_api/mm/internal.h"
#include "guest_api/mm/memremap.h"
#include "guest_api/mm/mm_subsystem.h"
#include "guest_api/mm/mm_types.h"
#include "guest_api/mm/signal.h"
#include "guest_api/syscalls.h"

namespace daxsim::kernel {

std::string hex(u64 v) { return v == 0 ? std::string("0") : fmt::format("{:#x}", v); }

const pte_t* mm_struct::lookup(u64 addr, u64* base) const {
    auto it = page_table.upper_bound(addr);
    if (it == page_table.begin()) return nullptr;
    --it;
    if (addr - it->first >= (u64{1} << it->second.shift)) return nullptr;
    if (base) *base = it->first;
    return &it->second;
}

u64 vma_address(const vm_area_struct* vma, pgoff_t pgoff) {
    const u64 pages = (vma->vm_end - vma->vm_start) >> PAGE_SHIFT;
    if (pgoff < vma->vm_pgoff || pgoff - vma->vm_pgoff >= pages) return BAD_ADDR;
    return vma->vm_start + ((pgoff - vma->vm_pgoff) << PAGE_SHIFT);
}

void zap_page_range(mm_struct& mm, u64 start, u64 end) {
    if (start >= end) return;
    auto it = mm.page_table.upper_bound(start);
    if (it != mm.page_table.begin()) {
        auto prev = std::prev(it);
        if (prev->first + (u64{1} << prev->second.shift) > start) it = prev;
    }
    while (it != mm.page_table.end() && it->first < end) it = mm.page_table.erase(it);
}

void unmap_mapping_range(Kernel& k, address_space* mapping, loff_t start, loff_t len, bool even_cows) {
    (void)even_cows;  // shared DAX mappings only: no private COW copies exist
    if (mapping == nullptr) return;
    const pgoff_t first = static_cast<u64>(start) >> PAGE_SHIFT;
    const pgoff_t last = len <= 0 ? ~pgoff_t{0} : (static_cast<u64>(start + len) + PAGE_SIZE - 1) >> PAGE_SHIFT;
    for (vm_area_struct* vma : mapping->i_mmap) {
        k.cpu_work(k.config().cost.vma_walk_ns);
        const pgoff_t vfirst = vma->vm_pgoff;
        const pgoff_t vlast = vfirst + ((vma->vm_end - vma->vm_start) >> PAGE_SHIFT);
        const pgoff_t lo = std::max(first, vfirst);
        const pgoff_t hi = std::min(last, vlast);
        if (lo >= hi || vma->vm_mm == nullptr) continue;
        zap_page_range(*vma->vm_mm, vma->vm_start + ((lo - vfirst) << PAGE_SHIFT),
                       vma->vm_start + ((hi - vfirst) << PAGE_SHIFT));
    }
}

namespace {

constexpr vm_fault_t VM_FAULT_ERROR =
    VM_FAULT_OOM | VM_FAULT_SIGBUS | VM_FAULT_SIGSEGV | VM_FAULT_HWPOISON | VM_FAULT_HWPOISON_LARGE;

// Records what fs/dax.c's dax_insert_entry would: the file's DAX entry for each page, and the page's
// owner (dax_associate_entry) when it has none yet. Device-dax sets page->mapping in its own handler.
void dax_insert_entries(Kernel& k, vm_area_struct* vma, pgoff_t pgoff, u64 pfn, unsigned shift) {
    file* f = vma->vm_file.get();
    if (f == nullptr || f->f_inode == nullptr || !f->f_inode->dax) return;
    const u64 nr = u64{1} << (shift - PAGE_SHIFT);
    for (u64 i = 0; i < nr; ++i) {
        k.mm().dax_insert_entry(f->f_mapping, pgoff + i, pfn + i);
        if (page* p = pfn_to_page(k, pfn + i); p && p->mapping == nullptr) {
            p->mapping = f->f_mapping;
            p->index = pgoff + i;
        }
    }
}

void install_pte(Kernel& k, vm_area_struct* vma, u64 vaddr, u64 pfn, unsigned shift, bool write) {
    mm_struct& mm = *vma->vm_mm;
    zap_page_range(mm, vaddr, vaddr + (u64{1} << shift));
    mm.page_table[vaddr] = pte_t{pfn, shift, write, write, false};
    dax_insert_entries(k, vma, linear_page_index(vma, vaddr), pfn, shift);
}

// A PMD / PUD fault is tried only where the aligned range lies inside the VMA and the file offset is
// aligned the same way (thp_vma_suitable_order()).
bool huge_suitable(const vm_area_struct* vma, u64 haddr, unsigned shift) {
    const u64 size = u64{1} << shift;
    if (haddr < vma->vm_start || haddr + size > vma->vm_end) return false;
    return (linear_page_index(vma, haddr) & ((size >> PAGE_SHIFT) - 1)) == 0;
}

// arch/x86/mm/fault.c mm_fault_error(): the signal for a failed fault. Returns -EFAULT, or -ENOMEM.
int mm_fault_error(Kernel& k, u64 address, vm_fault_t fault) {
    if (fault & VM_FAULT_OOM) return -ENOMEM;
    if (fault & (VM_FAULT_HWPOISON | VM_FAULT_HWPOISON_LARGE)) {
        // do_sigbus(): a poisoned page, reported with the granule the fault handler gave.
        const short lsb = (fault & VM_FAULT_HWPOISON_LARGE) ? PMD_SHIFT : PAGE_SHIFT;
        if (force_sig_mceerr(k, BUS_MCEERR_AR, address, lsb) == 0) mf_note_signal(k);
    } else if (fault & VM_FAULT_SIGBUS) {
        (void)force_sig_fault(k, SIGBUS, BUS_ADRERR, address);
    } else {
        (void)force_sig_fault(k, SIGSEGV, SEGV_MAPERR, address);
    }
    return -EFAULT;
}

// do_wp_page() on a shared mapping: the file system may move the page (DAX CoW of a shared extent).
vm_fault_t do_page_mkwrite(Kernel& k, vm_area_struct* vma, u64 base, pte_t& pte) {
    vm_fault vmf;
    vmf.vma = vma;
    vmf.flags = FAULT_FLAG_WRITE;
    vmf.address = base;
    vmf.pgoff = linear_page_index(vma, base);
    vmf.order = static_cast<PageSize>(pte.shift);
    const vm_fault_t ret = vma->vm_ops->page_mkwrite(vmf);
    if (ret & VM_FAULT_ERROR) return ret;
    if (vmf.pfn_set && vmf.pfn != pte.pfn) {
        pte.pfn = vmf.pfn;
        dax_insert_entries(k, vma, vmf.pgoff, vmf.pfn, pte.shift);
    }
    pte.writable = true;
    pte.dirty = true;
    return 0;
}

// One user-mode access of a task: the instruction's walk over [addr, addr + len).
template <typename Span>
int user_access(Kernel& k, task_struct* t, u64 addr, Span buf, bool write) {
    if (t == nullptr || t->exited || t->killed_by || !t->mm) return -EINVAL;
    task_struct* const saved = k.current();
    k.set_current(t);
    platform::MemoryPort& port = k.port(t->cpu % k.cpu_count());
    int rc = 0;
    u64 done = 0;
    std::optional<u64> retried_mce_addr;   // MCi_ADDR of a machine check this access already restarted after
    while (done < buf.size() && rc == 0) {
        const u64 va = addr + done;
        vm_area_struct* vma = t->mm->find_vma(va);
        if (vma == nullptr) {
            (void)force_sig_fault(k, SIGSEGV, SEGV_MAPERR, va);
            rc = -EFAULT;
            break;
        }
        if (!(vma->vm_flags & (write ? VM_WRITE : VM_READ))) {
            (void)force_sig_fault(k, SIGSEGV, SEGV_ACCERR, va);
            rc = -EFAULT;
            break;
        }
        u64 base = 0;
        const pte_t* cpte = t->mm->lookup(va, &base);
        if (cpte != nullptr && cpte->hwpoison) {
            // A hwpoison entry left where the page was: the task learns at its access.
            if (force_sig_mceerr(k, BUS_MCEERR_AR, va, static_cast<short>(cpte->shift)) == 0) mf_note_signal(k);
            rc = -EFAULT;
            break;
        }
        if (cpte == nullptr) {
            k.cpu_work(k.config().cost.page_fault_ns);
            const vm_fault_t fault = handle_mm_fault(k, vma, va, write ? FAULT_FLAG_WRITE : 0);
            if (fault & VM_FAULT_ERROR) rc = mm_fault_error(k, va, fault);
            continue;
        }
        pte_t& pte = t->mm->page_table.at(base);
        if (write && !pte.writable) {
            k.cpu_work(k.config().cost.page_fault_ns);
            const vm_fault_t fault = do_page_mkwrite(k, vma, base, pte);
            if (fault & VM_FAULT_ERROR) rc = mm_fault_error(k, va, fault);
            continue;
        }
        const u64 chunk = std::min<u64>(buf.size() - done, base + (u64{1} << pte.shift) - va);
        const u64 spa = PFN_PHYS(pte.pfn) + (va - base);
        platform::AccessResult r;
        if constexpr (std::is_const_v<typename Span::element_type>)
            r = port.store(spa, buf.subspan(done, chunk));
        else
            r = port.load(spa, buf.subspan(done, chunk));
        if (r.status == platform::AccessStatus::machine_check && r.mce) {
            // Poison consumed: the access's time is the hardware's share of the failure path.
            k.layer_times().add("hardware", r.cost_ns);
            (void)do_machine_check(k, *r.mce, mce_origin::user);
            done += r.bytes_done;
            if (t->killed_by || t->exited) {
                rc = -EFAULT;
                break;
            }
            // memory_failure() recovered without signalling this task (the generic path found another
            // owner, e.g. a reflinked file under upstream device-mapper): the kernel returns to the faulting
            // instruction. If it consumes the same line again, the kernel would re-enter the #MC handler
            // forever; the model stops that livelock once, deterministically, with the signal the task
            // would never otherwise get.
            if (retried_mce_addr == r.mce->mci_addr) {
                k.printk(LogLevel::err,
                         fmt::format("daxsim: {}:{} consumed poison at {:#x} again after memory_failure() "
                                     "recovered it; the kernel would loop in the machine-check handler",
                                     t->comm, t->pid, r.mce->mci_addr));
                if (force_sig_mceerr(k, BUS_MCEERR_AR, va + r.bytes_done, static_cast<short>(pte.shift)) == 0)
                    mf_note_signal(k);
                rc = -EFAULT;
                break;
            }
            retried_mce_addr = r.mce->mci_addr;
            continue;
        }
        if (!r.ok()) {
            (void)force_sig_fault(k, SIGBUS, BUS_ADRERR, va + r.bytes_done);
            rc = -EFAULT;
            break;
        }
        if (write) pte.dirty = true;
        done += chunk;
    }
    exit_signalled_tasks(k);
    k.set_current(saved);
    return rc;
}

} // namespace

vm_fault_t handle_mm_fault(Kernel& k, vm_area_struct* vma, u64 address, unsigned flags) {
    if (vma->vm_ops == nullptr) return VM_FAULT_SIGBUS;
    const bool write = (flags & FAULT_FLAG_WRITE) != 0;
    for (const unsigned shift : {PUD_SHIFT, PMD_SHIFT}) {
        const u64 haddr = address & ~((u64{1} << shift) - 1);
        if (!huge_suitable(vma, haddr, shift)) continue;
        vm_fault vmf;
        vmf.vma = vma;
        vmf.flags = flags;
        vmf.address = haddr;
        vmf.pgoff = linear_page_index(vma, haddr);
        vmf.order = static_cast<PageSize>(shift);
        const vm_fault_t ret = vma->vm_ops->huge_fault(vmf);
        if (ret & VM_FAULT_FALLBACK) continue;
        if (ret & VM_FAULT_ERROR) return ret;
        if (!vmf.pfn_set) return VM_FAULT_SIGBUS;
        install_pte(k, vma, haddr, vmf.pfn, shift, write);
        return 0;
    }
    vm_fault vmf;
    vmf.vma = vma;
    vmf.flags = flags;
    vmf.address = address & ~(PAGE_SIZE - 1);
    vmf.pgoff = linear_page_index(vma, vmf.address);
    vmf.order = PageSize::pte;
    const vm_fault_t ret = vma->vm_ops->fault(vmf);
    if (ret & VM_FAULT_ERROR) return ret;
    if (!vmf.pfn_set) return VM_FAULT_SIGBUS;
    install_pte(k, vma, vmf.address, vmf.pfn, PAGE_SHIFT, write);
    return 0;
}

int user_load(Kernel& k, task_struct* t, u64 addr, std::span<std::byte> buf) {
    return user_access(k, t, addr, buf, false);
}

int user_store(Kernel& k, task_struct* t, u64 addr, std::span<const std::byte> buf) {
    return user_access(k, t, addr, buf, true);
}

} // namespace daxsim::kernel
