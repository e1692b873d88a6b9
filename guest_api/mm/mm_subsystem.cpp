// MmSubsystem: the state mm/ keeps in globals in the kernel (sparse memmap of ZONE_DEVICE pages,
// pgmap lookup, the task list and pids, the DAX entry index, memory-failure counters).
#include "guest_api/kernel/errno.h"

#include "guest_api/mm/mm_subsystem.h"

#include <algorithm>

#include "guest_api/kernel/kernel.h"
#include "guest_api/mm/mm_types.h"

namespace daxsim::kernel {

void MfStats::collect(MetricMap& out) const {
    for (const Counter* c : {&total, &ignored, &failed, &delayed, &recovered, &num_poisoned_pages}) add_metric(out, *c);
}

MmSubsystem::MmSubsystem(Kernel& k) : k_(k) {}
MmSubsystem::~MmSubsystem() = default;

int MmSubsystem::add_pgmap(dev_pagemap* pgmap) {
    for (const dev_pagemap* p : pgmaps_)
        if (pgmap->range_start < p->range_end && p->range_start < pgmap->range_end) return -EBUSY;
    pgmaps_.push_back(pgmap);
    return 0;
}

void MmSubsystem::remove_pgmap(dev_pagemap* pgmap) {
    std::erase(pgmaps_, pgmap);
    pages_.erase(pages_.lower_bound(pgmap->start_pfn()), pages_.lower_bound(pgmap->end_pfn()));
}

dev_pagemap* MmSubsystem::find_pgmap(u64 pfn) const {
    for (dev_pagemap* p : pgmaps_)
        if (pfn >= p->start_pfn() && pfn < p->end_pfn()) return p;
    return nullptr;
}

page* MmSubsystem::page_of(u64 pfn) {
    if (auto it = pages_.find(pfn); it != pages_.end()) return &it->second;
    dev_pagemap* pgmap = find_pgmap(pfn);
    if (pgmap == nullptr) return nullptr;
    page& p = pages_[pfn];
    p.pfn = pfn;
    p.pgmap = pgmap;
    return &p;
}

task_struct* MmSubsystem::alloc_task(const std::string& comm) {
    auto t = std::make_unique<task_struct>();
    t->pid = next_pid_++;
    t->comm = comm;
    t->cpu = static_cast<unsigned>(t->pid) % k_.cpu_count();
    t->mm = std::make_shared<mm_struct>();
    tasks_.push_back(std::move(t));
    return tasks_.back().get();
}

void MmSubsystem::mark_for_exit(task_struct* t) {
    if (std::find(pending_exit_.begin(), pending_exit_.end(), t) == pending_exit_.end()) pending_exit_.push_back(t);
}

std::vector<task_struct*> MmSubsystem::take_pending_exits() {
    std::vector<task_struct*> out;
    out.swap(pending_exit_);
    return out;
}

void MmSubsystem::dax_insert_entry(const address_space* mapping, pgoff_t index, u64 pfn) {
    dax_entries_[{mapping, index}] = pfn;
}

std::optional<u64> MmSubsystem::dax_lookup_entry(const address_space* mapping, pgoff_t index) const {
    if (auto it = dax_entries_.find({mapping, index}); it != dax_entries_.end()) return it->second;
    return std::nullopt;
}

void MmSubsystem::dax_delete_entries(const address_space* mapping, pgoff_t start, pgoff_t end) {
    dax_entries_.erase(dax_entries_.lower_bound({mapping, start}), dax_entries_.lower_bound({mapping, end}));
}

void MmSubsystem::panic(const std::string& msg) {
    k_.printk(LogLevel::emerg, "Kernel panic - not syncing: " + msg);
    panicked_ = true;
}

} // namespace daxsim::kernel
