// MmSubsystem: pages of ZONE_DEVICE memory (struct page, PG_hwpoison), dev_pagemaps, the task list,
// memory-failure state (queue, counters). Owned by the Kernel (guest_api/kernel/kernel.h); one instance
// per simulated machine: what the kernel keeps in globals (mem_section, pgmap_array, init_task's list,
// mf_mutex-protected counters) lives here.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "guest_api/kernel/types.h"
#include "guest_api/mm/memremap.h"
#include "models/stats.h"

namespace daxsim::kernel {

class Kernel;
struct address_space;
struct task_struct;

// Per action_result() outcome, as /sys/devices/system/node/nodeN/memory_failure/ (v6.8).
struct MfStats {
    Counter total{"mf.total", "pages", "pages memory_failure() reported a recovery action for"};
    Counter ignored{"mf.ignored", "pages", "memory failures whose recovery action was Ignored"};
    Counter failed{"mf.failed", "pages", "memory failures whose recovery action Failed"};
    Counter delayed{"mf.delayed", "pages", "memory failures whose recovery action was Delayed"};
    Counter recovered{"mf.recovered", "pages", "memory failures whose recovery action Recovered"};
    Counter num_poisoned_pages{"mf.num_poisoned_pages", "pages", "num_poisoned_pages (HardwareCorrupted)"};

    void collect(MetricMap& out) const;
};

class MmSubsystem {
  public:
    explicit MmSubsystem(Kernel& k);
    ~MmSubsystem();
    MmSubsystem(const MmSubsystem&) = delete;
    MmSubsystem& operator=(const MmSubsystem&) = delete;

    // --- struct pages and dev_pagemaps (mm/memremap.c, mm/sparse.c) ------------------------------
    int add_pgmap(dev_pagemap* pgmap);             // -EBUSY when it overlaps another one
    void remove_pgmap(dev_pagemap* pgmap);         // also drops its struct pages
    [[nodiscard]] dev_pagemap* find_pgmap(u64 pfn) const;
    // Created on first use for any pfn a pgmap covers; nullptr otherwise.
    [[nodiscard]] page* page_of(u64 pfn);

    // --- tasks (kernel/fork.c, kernel/pid.c) -----------------------------------------------------
    task_struct* alloc_task(const std::string& comm);
    // Every task ever created, in pid order; dead ones stay for inspection (expect killed).
    [[nodiscard]] const std::vector<std::unique_ptr<task_struct>>& tasks() const { return tasks_; }

    // --- signals that terminate: reaped when the current syscall returns (mm/signal.cpp) ---------
    void mark_for_exit(task_struct* t);
    [[nodiscard]] std::vector<task_struct*> take_pending_exits();

    // --- DAX page-cache entries (fs/dax.c's xarray entries, keyed by mapping and index) ----------
    void dax_insert_entry(const address_space* mapping, pgoff_t index, u64 pfn);
    [[nodiscard]] std::optional<u64> dax_lookup_entry(const address_space* mapping, pgoff_t index) const;
    void dax_delete_entries(const address_space* mapping, pgoff_t start, pgoff_t end);

    // --- memory-failure state (mm/memory-failure.c) ----------------------------------------------
    struct QueuedFailure {
        u64 pfn;
        int flags;
        std::uint64_t reported_ns;   // when the report arrived (latency start)
    };
    std::deque<QueuedFailure>& mf_queue() { return mf_queue_; }
    MfStats& mf_stats() { return mf_stats_; }
    // Start of the failure event being handled (the machine check, or the report); mf.latency_ns
    // runs from here to the event's last signal.
    std::optional<std::uint64_t>& mf_event_start() { return mf_event_start_; }
    int& mf_depth() { return mf_depth_; }
    // The trace.json flow of the failure event being handled (see mf_flow.h): its id, from a per-kernel
    // counter so that ids are deterministic, and its last signal point, held back to become the flow's end.
    struct MfFlow {
        std::uint64_t id = 0;
        std::optional<std::pair<std::string, std::uint64_t>> last_signal; // track, ts
    };
    std::optional<MfFlow>& mf_flow() { return mf_flow_; }
    std::uint64_t next_mf_flow_id() { return ++mf_flow_seq_; }
    // Set once the kernel panicked (vm.memory_failure_recovery=0, fatal machine check).
    [[nodiscard]] bool panicked() const { return panicked_; }
    void panic(const std::string& msg);

  private:
    Kernel& k_;
    std::vector<dev_pagemap*> pgmaps_;
    std::map<u64, page> pages_;
    std::vector<std::unique_ptr<task_struct>> tasks_;
    pid_t next_pid_ = 1;
    std::vector<task_struct*> pending_exit_;
    std::map<std::pair<const address_space*, pgoff_t>, u64> dax_entries_;
    std::deque<QueuedFailure> mf_queue_;
    MfStats mf_stats_;
    std::optional<std::uint64_t> mf_event_start_;
    int mf_depth_ = 0;
    std::optional<MfFlow> mf_flow_;
    std::uint64_t mf_flow_seq_ = 0;
    bool panicked_ = false;
};

} // namespace daxsim::kernel
