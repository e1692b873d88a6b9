// Memory failure handling (mm/memory-failure.c, include/linux/mm.h MF_* flags), as of Linux v6.8.
#pragma once

#include "guest_api/kernel/types.h"

namespace daxsim::kernel {

class Kernel;
struct address_space;

// enum mf_flags (include/linux/mm.h, v6.8)
inline constexpr int MF_COUNT_INCREASED = 1 << 0;
inline constexpr int MF_ACTION_REQUIRED = 1 << 1;
inline constexpr int MF_MUST_KILL = 1 << 2;
inline constexpr int MF_SOFT_OFFLINE = 1 << 3;
inline constexpr int MF_UNPOISON = 1 << 4;
inline constexpr int MF_SW_SIMULATED = 1 << 5;
inline constexpr int MF_NO_RETRY = 1 << 6;
inline constexpr int MF_MEM_PRE_REMOVE = 1 << 7;

// Handles a hardware memory error on pfn. 0 when handled, -EHWPOISON when already poisoned,
// -ENXIO when no struct page, -EBUSY / -EFAULT on failure (the kernel's return values).
int memory_failure(Kernel& k, u64 pfn, int flags);
// Defers memory_failure(pfn, flags) to process context (action-optional reports: SRAO, UCNA, CMCI);
// the queue is drained by memory_failure_work_func before the next step runs.
void memory_failure_queue(Kernel& k, u64 pfn, int flags);
void memory_failure_work_func(Kernel& k);
// Called by file systems from notify_failure: kills (or signals) every process mapping
// [index, index + count) pages of `mapping`. Forces MF_ACTION_REQUIRED | MF_MUST_KILL as v6.8 does.
int mf_dax_kill_procs(Kernel& k, address_space* mapping, pgoff_t index, unsigned long count, int mf_flags);

} // namespace daxsim::kernel
