// Kernel CPU cost model: simulated ns charged for kernel work that is not a memory access. The values
// are estimates of the order of what the kernel path costs on a 2nd-gen Xeon (a few hundred ns for a
// syscall entry, microseconds for the #MC entry); studies sweep them through `--set cost.KEY=NS`.
#pragma once

#include <cstdint>

namespace daxsim::kernel {

struct CostModel {
    std::uint64_t syscall_ns = 100;          // [cost.syscall] entry + exit
    std::uint64_t page_fault_ns = 500;       // [cost.page_fault] exception entry, VMA lookup, PTE install
    std::uint64_t mce_entry_ns = 2000;       // [cost.mce_entry] #MC entry, MC bank reads, severity grading
    std::uint64_t memory_failure_ns = 300;   // [cost.memory_failure] page lookup, flag updates, locking
    std::uint64_t pgmap_ns = 100;            // [cost.pgmap] dev_pagemap driver hook (pmem: pfn -> device offset)
    std::uint64_t holder_ns = 50;            // [cost.holder] one dax holder hop (notify_failure call)
    std::uint64_t btree_level_ns = 40;       // [cost.btree_level] one btree block visited (rmap, refcount, bmbt)
    std::uint64_t btree_record_ns = 10;      // [cost.btree_record] one record examined
    std::uint64_t vma_walk_ns = 30;          // [cost.vma_walk] one VMA examined in i_mmap
    std::uint64_t kill_proc_ns = 800;        // [cost.kill_proc] building and queueing one signal
    std::uint64_t alloc_ns = 200;            // [cost.alloc] one extent allocation in the free-space btrees
};

} // namespace daxsim::kernel
