// The platform events a scenario triggers without a guest access: `patrol-scrub` (poison found in the
// background and reported as action-optional machine checks) and `powerfail` (power cut and restored:
// the guest software is rebuilt over the same machine). The runner dispatches both steps here because
// they need the machine, which the tools behind Session never see.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "guest_api/fs/durable_metadata.h"
#include "guest_api/kernel/kernel.h"
#include "models/stats.h"
#include "models/tracer.h"
#include "platform/machine.h"
#include "scenarios/session.h"

namespace daxsim::scenarios {

// The guest software of one run: the Kernel and the Session over one Machine, and what outlives them
// across a power cycle (the file system metadata, the dmesg and counters of the kernels that ran before).
class GuestSystem {
  public:
    GuestSystem(const kernel::KernelConfig& config, platform::Machine& machine, Tracer& tracer, bool quiet);
    ~GuestSystem();
    GuestSystem(const GuestSystem&) = delete;
    GuestSystem& operator=(const GuestSystem&) = delete;

    [[nodiscard]] kernel::Kernel& kernel() { return *kernel_; }
    [[nodiscard]] Session& session() { return *session_; }
    [[nodiscard]] platform::Machine& machine() { return machine_; }
    [[nodiscard]] kernel::DurableMetadata& durable() { return durable_; }

    // Power is cut and restored: the platform keeps its persistence domain and loses the rest, every
    // task dies with the kernel, and a new kernel boots over the same machine (regions and namespaces
    // from the DIMM labels, nothing mounted). 0, or the new kernel's boot error (-errno).
    int power_cycle(StepExec& ex);

    // Every kernel's dmesg lines in order, formatted; every kernel's layer times added up.
    [[nodiscard]] std::vector<std::string> dmesg() const;
    [[nodiscard]] std::map<std::string, std::uint64_t> layer_totals() const;

  private:
    void start_kernel();

    kernel::KernelConfig config_;
    platform::Machine& machine_;
    Tracer& tracer_;
    bool quiet_;
    std::vector<platform::MemoryPort*> ports_;
    kernel::DurableMetadata durable_; // declared before the kernel: outlives every kernel
    std::vector<std::string> past_dmesg_;
    std::map<std::string, std::uint64_t> past_layers_;
    MetricMap past_kernel_metrics_;
    std::unique_ptr<kernel::Kernel> kernel_;
    std::unique_ptr<Session> session_;
};

// `patrol-scrub`: one pass of the patrol scrubber; each SRAO record goes to the kernel's machine-check
// handler (NFIT badblocks, memory_failure_queue), and the queued memory failures run before the step ends.
// CMCI: the UCNAs the memory controller logged since the last delivery (posted writes dropped by a
// failed read-modify-write) reach the kernel's machine_check_poll, which logs them, records the bad line
// in badblocks and queues memory_failure(pfn, 0). Runs between steps, as the interrupt would.
void deliver_cmci(Session& s, platform::Ras& ras);
void run_patrol_scrub(Session& s, platform::Ras& ras, StepExec& exec);
// `powerfail`.
void run_powerfail(GuestSystem& guest, StepExec& exec);

} // namespace daxsim::scenarios
