// mm/memory-failure.c as of Linux v6.8, for the pages this kernel has: every pmem page is ZONE_DEVICE
// (pfn_to_online_page() is NULL for it), so memory_failure() goes straight to
// memory_failure_dev_pagemap(): the driver's pgmap hook (pmem -> dax holder -> file system ->
// mf_dax_kill_procs) or, without one or on -EOPNOTSUPP, mf_generic_kill_procs() through
// page->mapping. Note that in v6.8 the ZONE_DEVICE path never reaches the "already hardware poisoned"
// check (that is the online-page path): a second failure on a dax pfn is handled again.
#include "guest_api/kernel/errno.h"

#include "guest_api/mm/memory_failure.h"

#include <algorithm>
#include <fmt/format.h>
#include <vector>

#include "guest_api/fs/fs.h"
#include "guest_api/kernel/kernel.h"
#include "guest_api/kernel/layer_timer.h"
#include "guest_api/mm/internal.h"
#include "guest_api/mm/memremap.h"
#include "guest_api/mm/mf_flow.h"
#include "guest_api/mm/mm_subsystem.h"
#include "guest_api/mm/mm_types.h"
#include "guest_api/mm/signal.h"

namespace daxsim::kernel {

namespace {

// enum mf_result / mf_action_page_type (include/linux/mm.h), reduced to what the dax paths report.
enum class mf_result { MF_IGNORED, MF_FAILED, MF_DELAYED, MF_RECOVERED };
enum class mf_action_page_type { MF_MSG_DAX, MF_MSG_UNKNOWN };

const char* action_name(mf_result r) {
    switch (r) {
    case mf_result::MF_IGNORED: return "Ignored";
    case mf_result::MF_FAILED: return "Failed";
    case mf_result::MF_DELAYED: return "Delayed";
    case mf_result::MF_RECOVERED: return "Recovered";
    }
    return "?";
}

const char* action_page_type(mf_action_page_type t) {
    return t == mf_action_page_type::MF_MSG_DAX ? "dax page" : "unknown page";
}

struct to_kill {
    task_struct* tsk;
    u64 addr;           // BAD_ADDR when the address could not be found
    short size_shift;   // log2 of the mapping size (si_addr_lsb)
};

void pr_err(Kernel& k, const std::string& msg) { k.printk(LogLevel::err, "Memory failure: " + msg); }
void pr_info(Kernel& k, const std::string& msg) { k.printk(LogLevel::info, "Memory failure: " + msg); }

// action_result(): logs the outcome, counts it per result and in num_poisoned_pages (v6.8).
int action_result(Kernel& k, u64 pfn, mf_action_page_type type, mf_result result) {
    MfStats& s = k.mm().mf_stats();
    s.num_poisoned_pages += 1;
    s.total += 1;
    switch (result) {
    case mf_result::MF_IGNORED: s.ignored += 1; break;
    case mf_result::MF_FAILED: s.failed += 1; break;
    case mf_result::MF_DELAYED: s.delayed += 1; break;
    case mf_result::MF_RECOVERED: s.recovered += 1; break;
    }
    pr_err(k, fmt::format("{}: recovery action for {}: {}", hex(pfn), action_page_type(type), action_name(result)));
    if (k.tracer().enabled())
        k.tracer().instant("kernel.mm", "action_result", k.now_ns(), {{"pfn", hex(pfn)}, {"result", action_name(result)}});
    return (result == mf_result::MF_RECOVERED || result == mf_result::MF_DELAYED) ? 0 : -EBUSY;
}

// find_early_kill_thread(): the task itself when its policy (prctl, else the sysctl) is early kill.
task_struct* find_early_kill_thread(Kernel& k, task_struct* tsk) {
    if (tsk->flags & PF_MCE_PROCESS) return (tsk->flags & PF_MCE_EARLY) ? tsk : nullptr;
    return k.config().memory_failure_early_kill ? tsk : nullptr;
}

// task_early_kill(): with force_early (action required) the current process is always collected;
// other processes only when they asked for early kill.
task_struct* task_early_kill(Kernel& k, task_struct* tsk, bool force_early) {
    if (!tsk->mm || tsk->exited) return nullptr;
    task_struct* cur = k.current();
    if (force_early && cur && tsk->mm == cur->mm) return cur;
    return find_early_kill_thread(k, tsk);
}

// dev_pagemap_mapping_shift(): the size of the entry mapping `address` in vma (0 when none).
short dev_pagemap_mapping_shift(const vm_area_struct* vma, u64 address) {
    const pte_t* pte = vma->vm_mm ? vma->vm_mm->lookup(address) : nullptr;
    if (pte == nullptr || pte->hwpoison) return 0;
    return static_cast<short>(pte->shift);
}

// __add_to_kill(): a task whose VMA covers the page but maps it with no entry is not signalled
// (size_shift 0): its next access faults and learns then.
void add_to_kill(Kernel& k, task_struct* tsk, const page* p, const vm_area_struct* vma, std::vector<to_kill>& out,
                 u64 addr) {
    short shift = 0;
    if (addr != BAD_ADDR) shift = dev_pagemap_mapping_shift(vma, addr);
    if (addr == BAD_ADDR) {
        pr_info(k, fmt::format("Unable to find user space address {:x} in {}", p->pfn, tsk->comm));
    } else if (shift == 0) {
        return;
    }
    out.push_back(to_kill{tsk, addr, shift});
}

// page_mapped_in_vma(): the address of page in vma when the page table maps it there.
u64 page_mapped_in_vma(const page* p, pgoff_t pgoff, const vm_area_struct* vma) {
    const u64 addr = vma_address(vma, pgoff);
    if (addr == BAD_ADDR || vma->vm_mm == nullptr) return BAD_ADDR;
    u64 base = 0;
    const pte_t* pte = vma->vm_mm->lookup(addr, &base);
    if (pte == nullptr || pte->hwpoison) return BAD_ADDR;
    if (pte->pfn + ((addr - base) >> PAGE_SHIFT) != p->pfn) return BAD_ADDR;
    return addr;
}

// VMAs of mapping that cover pgoff, in i_mmap order (the interval tree walk).
std::vector<vm_area_struct*> vmas_covering(Kernel& k, address_space* mapping, pgoff_t pgoff) {
    std::vector<vm_area_struct*> out;
    for (vm_area_struct* vma : mapping->i_mmap) {
        k.cpu_work(k.config().cost.vma_walk_ns);
        const pgoff_t first = vma->vm_pgoff;
        const pgoff_t last = first + ((vma->vm_end - vma->vm_start) >> PAGE_SHIFT);
        if (pgoff >= first && pgoff < last) out.push_back(vma);
    }
    return out;
}

// collect_procs_file() (device-dax and any file page found through page->mapping).
void collect_procs_file(Kernel& k, const page* p, address_space* mapping, pgoff_t pgoff, std::vector<to_kill>& out,
                        bool force_early) {
    const std::vector<vm_area_struct*> vmas = vmas_covering(k, mapping, pgoff);
    for (const auto& tsk : k.mm().tasks()) {
        task_struct* t = task_early_kill(k, tsk.get(), force_early);
        if (t == nullptr) continue;
        for (vm_area_struct* vma : vmas) {
            if (vma->vm_mm != t->mm.get()) continue;
            const u64 addr = page_mapped_in_vma(p, pgoff, vma);
            if (addr == BAD_ADDR) continue;   // add_to_kill_anon_file() drops it
            add_to_kill(k, t, p, vma, out, addr);
        }
    }
}

// collect_procs_fsdax(): MF_MEM_PRE_REMOVE looks at every task, since whoever maps the device must go.
void collect_procs_fsdax(Kernel& k, const page* p, address_space* mapping, pgoff_t pgoff, std::vector<to_kill>& out,
                         bool pre_remove) {
    const std::vector<vm_area_struct*> vmas = vmas_covering(k, mapping, pgoff);
    for (const auto& tsk : k.mm().tasks()) {
        task_struct* t = tsk.get();
        if (!pre_remove) t = task_early_kill(k, t, true);
        else if (!t->mm || t->exited) t = nullptr;
        if (t == nullptr) continue;
        for (vm_area_struct* vma : vmas)
            if (vma->vm_mm == t->mm.get()) add_to_kill(k, t, p, vma, out, vma_address(vma, pgoff));
    }
}

// kill_proc(): SIGBUS with the mapping size in si_addr_lsb.
int kill_proc(Kernel& k, const to_kill& tk, u64 pfn, int flags) {
    LayerScope scope(k, "signal", "kill_proc " + tk.tsk->comm);
    k.cpu_work(k.config().cost.kill_proc_ns);
    mf_flow_signal(k, "kernel.signal");
    task_struct* t = tk.tsk;
    pr_err(k, fmt::format("{}: Sending SIGBUS to {}:{} due to hardware memory corruption", hex(pfn), t->comm, t->pid));
    int ret;
    const std::size_t queued_before = t->signals.size();
    if ((flags & MF_ACTION_REQUIRED) && t == k.current())
        ret = force_sig_mceerr(k, BUS_MCEERR_AR, tk.addr, tk.size_shift);
    else
        // Others sharing the page learn asynchronously (only early-kill ones are collected).
        ret = send_sig_mceerr(k, BUS_MCEERR_AO, tk.addr, tk.size_shift, t);
    if (ret < 0) pr_info(k, fmt::format("Error sending signal to {}:{}: {}", t->comm, t->pid, ret));
    // mf.signals counts signals queued: a SIGBUS already pending for the task is not queued again.
    else if (t->signals.size() > queued_before) mf_note_signal(k);
    return ret;
}

void kill_procs(Kernel& k, std::vector<to_kill>& list, bool forcekill, u64 pfn, int flags) {
    for (const to_kill& tk : list) {
        if (!forcekill) continue;
        if (tk.addr == BAD_ADDR) {
            pr_err(k, fmt::format("{}: forcibly killing {}:{} because of failure to unmap corrupted page", hex(pfn),
                                  tk.tsk->comm, tk.tsk->pid));
            if (send_sig(k, SIGKILL, tk.tsk) == 0) mf_note_signal(k);
        } else if (kill_proc(k, tk, pfn, flags) < 0) {
            pr_err(k, fmt::format("{}: Cannot send advisory machine check signal to {}:{}", hex(pfn), tk.tsk->comm,
                                  tk.tsk->pid));
        }
    }
    list.clear();
}

// unmap_and_kill(): unmaps the largest mapping size seen, so device-dax mappings are not split.
void unmap_and_kill(Kernel& k, std::vector<to_kill>& list, u64 pfn, address_space* mapping, pgoff_t index, int flags) {
    u64 size = 0;
    for (const to_kill& tk : list)
        if (tk.size_shift) size = std::max(size, u64{1} << tk.size_shift);
    if (size) {
        const loff_t start = static_cast<loff_t>((index << PAGE_SHIFT) & ~(size - 1));
        unmap_mapping_range(k, mapping, start, static_cast<loff_t>(size), false);
    }
    kill_procs(k, list, (flags & MF_MUST_KILL) != 0, pfn, flags);
}

// mf_generic_kill_procs(): the owner from page->mapping / page->index of the (compound) page.
int mf_generic_kill_procs(Kernel& k, u64 pfn, int flags, dev_pagemap* pgmap) {
    page* head = compound_head(k, pfn_to_page(k, pfn));
    // dax_lock_folio(): no owner recorded means nothing can be locked.
    if (head == nullptr || head->mapping == nullptr) return -EBUSY;
    switch (pgmap->type) {
    case memory_type::MEMORY_DEVICE_PRIVATE:
    case memory_type::MEMORY_DEVICE_COHERENT: return -ENXIO;
    default: break;
    }
    // The flag marks the dax page as remapped UC against speculative consumption (set on the head).
    SetPageHWPoison(head);
    // Nothing can be swapped in at a ZONE_DEVICE address: every user must be signalled.
    flags |= MF_ACTION_REQUIRED | MF_MUST_KILL;
    std::vector<to_kill> list;
    collect_procs_file(k, head, head->mapping, head->index, list, true);
    unmap_and_kill(k, list, pfn, head->mapping, head->index, flags);
    return 0;
}

int memory_failure_dev_pagemap(Kernel& k, u64 pfn, int flags, dev_pagemap* pgmap) {
    int rc = -ENXIO;
    if (pgmap_pfn_valid(pgmap, pfn)) {   // the device's own memmap is not recoverable
        rc = -EOPNOTSUPP;
        // The driver hook's own work (pmem: pfn -> device offset) is charged inside the hook, to "pmem".
        if (pgmap_has_memory_failure(pgmap)) rc = pgmap->ops->memory_failure(k, pgmap, pfn, 1, flags);
        // -EOPNOTSUPP: the driver (or the file system above it) cannot tell; use page->mapping.
        if (rc == -EOPNOTSUPP) rc = mf_generic_kill_procs(k, pfn, flags, pgmap);
    }
    if (rc != -EOPNOTSUPP)
        action_result(k, pfn, mf_action_page_type::MF_MSG_DAX, rc ? mf_result::MF_FAILED : mf_result::MF_RECOVERED);
    return rc;
}

} // namespace

void mf_note_signal(Kernel& k) {
    k.stats().mf_signals += 1;
    if (const auto& start = k.mm().mf_event_start()) k.stats().mf_latency_ns.value = k.now_ns() - *start;
    if (k.tracer().enabled()) k.tracer().instant("kernel.signal", "SIGBUS", k.now_ns());
}

int memory_failure(Kernel& k, u64 pfn, int flags) {
    if (!k.config().memory_failure_recovery) {
        k.mm().panic(fmt::format("Memory failure on page {:x}", pfn));
        return -EFAULT;
    }
    auto& start = k.mm().mf_event_start();
    const bool owns_event = !start.has_value();
    if (owns_event) start = k.now_ns();
    int res = 0;
    bool owns_flow = false;
    {
        LayerScope scope(k, "memory_failure", fmt::format("memory_failure {}", hex(pfn)));
        k.cpu_work(k.config().cost.memory_failure_ns);
        // A report without a machine check (a queued SRAO/UCNA, a soft injection) starts its own flow.
        owns_flow = mf_flow_begin(k, "kernel.memory_failure");
        if (!owns_flow) mf_flow_step(k, "kernel.memory_failure");
        if (k.tracer().enabled())
            k.tracer().instant("kernel.mm", "memory_failure", k.now_ns(), {{"pfn", hex(pfn)}, {"flags", hex(flags)}});
        // Every pmem pfn is ZONE_DEVICE (pfn_to_online_page() == NULL): pfn_valid() means "a
        // dev_pagemap covers it".
        if (dev_pagemap* pgmap = get_dev_pagemap(k, pfn)) {
            page* p = pfn_to_page(k, pfn);
            const bool was_poisoned = p && PageHWPoison(compound_head(k, p));
            res = memory_failure_dev_pagemap(k, pfn, flags, pgmap);
            if (!was_poisoned && res != -EOPNOTSUPP) k.stats().mf_events += 1;
        } else {
            pr_err(k, fmt::format("{}: memory outside kernel control", hex(pfn)));
            res = -ENXIO;
        }
    }
    if (owns_flow) mf_flow_finish(k, "kernel.memory_failure");
    if (owns_event) start.reset();
    return res;
}

void memory_failure_queue(Kernel& k, u64 pfn, int flags) {
    k.mm().mf_queue().push_back(MmSubsystem::QueuedFailure{pfn, flags, k.now_ns()});
}

void memory_failure_work_func(Kernel& k) {
    // A kworker runs the queue: no user task is current.
    task_struct* const saved = k.current();
    k.set_current(nullptr);
    auto& q = k.mm().mf_queue();
    while (!q.empty()) {
        const MmSubsystem::QueuedFailure e = q.front();
        q.pop_front();
        k.mm().mf_event_start() = e.reported_ns;
        (void)memory_failure(k, e.pfn, e.flags);
        k.mm().mf_event_start().reset();
    }
    k.set_current(saved);
    exit_signalled_tasks(k);
}

int mf_dax_kill_procs(Kernel& k, address_space* mapping, pgoff_t index, unsigned long count, int mf_flags) {
    LayerScope scope(k, "memory_failure", "mf_dax_kill_procs");
    const bool pre_remove = (mf_flags & MF_MEM_PRE_REMOVE) != 0;
    mf_flags |= MF_ACTION_REQUIRED | MF_MUST_KILL;
    const pgoff_t end = index + count;
    for (; index < end; ++index) {
        // dax_lock_mapping_entry(): the page the file's DAX entry at index points to, if any.
        const std::optional<u64> pfn = k.mm().dax_lookup_entry(mapping, index);
        if (!pfn) continue;
        page* p = pfn_to_page(k, *pfn);
        if (p == nullptr) continue;
        // The pre-remove case revokes access; the memory itself is still good.
        if (!pre_remove) SetPageHWPoison(p);
        std::vector<to_kill> list;
        collect_procs_fsdax(k, p, mapping, index, list, pre_remove);
        unmap_and_kill(k, list, *pfn, mapping, index, mf_flags);
    }
    return 0;
}

} // namespace daxsim::kernel
