// `patrol-scrub` and `powerfail` (scenarios/tools_ras.h).
// mm_types.h comes first: glibc's <signal.h> (pulled in by C library headers) would rename siginfo's
// fields. Signal, open, mmap and prctl constants are the C library's macros, so they are unqualified.
#include "guest_api/mm/mm_types.h"

#include "scenarios/tools_ras.h"

#include <cerrno>

#include <fmt/format.h>

#include "guest_api/arch/mce.h"
#include "guest_api/kernel/printk.h"
#include "guest_api/mm/memory_failure.h"

namespace daxsim::scenarios {
namespace {

namespace k = daxsim::kernel;

// The first line every boot prints (init/main.c linux_banner), with this simulator as the build host.
constexpr const char* linux_banner =
    "Linux version 6.8.0-daxsim (daxsim@daxsim) (g++, GNU ld) #1 SMP PREEMPT_DYNAMIC";

} // namespace

GuestSystem::GuestSystem(const k::KernelConfig& config, platform::Machine& machine, Tracer& tracer,
                         bool quiet)
    : config_(config), machine_(machine), tracer_(tracer), quiet_(quiet) {
    for (unsigned cpu = 0; cpu < machine_.cpu_count(); ++cpu)
        ports_.push_back(&machine_.port(cpu));
    start_kernel();
}

// The session goes before the kernel it refers to; both before the durable store.
GuestSystem::~GuestSystem() {
    session_.reset();
    kernel_.reset();
}

void GuestSystem::start_kernel() {
    kernel_ = std::make_unique<k::Kernel>(config_, machine_.nfit(), machine_.firmware(), ports_, tracer_,
                                          &durable_);
    kernel_->dmesg().set_echo(!quiet_);
    session_ = std::make_unique<Session>(*kernel_, quiet_);
    // Hardware counters, plus what the kernels before this one counted (a run reports totals).
    session_->hardware_metrics = [this] {
        MetricMap out = machine_.metrics();
        for (const auto& [name, value] : past_kernel_metrics_)
            out[name] += value;
        return out;
    };
}

int GuestSystem::power_cycle(StepExec& ex) {
    const platform::PowerfailReport r = machine_.ras().powerfail();
    if (r.domain == platform::Persistence::eadr)
        ex.print(fmt::format("powerfail: eADR: {} dirty cache lines flushed to media", r.lines_flushed));
    else
        ex.print(fmt::format("powerfail: ADR: {} dirty cache lines lost", r.lines_lost));
    // The kernel and every task die with the power. Keep what the run reports about them.
    for (const auto& line : kernel_->dmesg().lines())
        past_dmesg_.push_back(line.formatted());
    for (const auto& [layer, ns] : kernel_->layer_times().totals())
        past_layers_[layer] += ns;
    for (const auto& [name, value] : kernel_->metrics())
        past_kernel_metrics_[name] += value;
    session_.reset();
    kernel_.reset();
    durable_.power_cycle();
    // Boot: the sysctls and prctls of the old kernel are gone (config_ is the boot configuration).
    start_kernel();
    kernel_->printk(k::LogLevel::notice, linux_banner);
    const int rc = kernel_->boot();
    return rc < 0 ? rc : 0;
}

std::vector<std::string> GuestSystem::dmesg() const {
    std::vector<std::string> out = past_dmesg_;
    for (const auto& line : kernel_->dmesg().lines())
        out.push_back(line.formatted());
    return out;
}

std::map<std::string, std::uint64_t> GuestSystem::layer_totals() const {
    std::map<std::string, std::uint64_t> out = past_layers_;
    for (const auto& [layer, ns] : kernel_->layer_times().totals())
        out[layer] += ns;
    return out;
}

void deliver_cmci(Session& s, platform::Ras& ras) {
    for (const platform::MachineCheck& m : ras.cmci_poll())
        k::machine_check_poll(s.kernel(), m);
}

void run_patrol_scrub(Session& s, platform::Ras& ras, StepExec& ex) {
    k::Kernel& kern = s.kernel();
    const std::uint64_t start = kern.now_ns();
    const std::vector<platform::MachineCheck> found = ras.patrol_scrub();
    for (const platform::MachineCheck& m : found) {
        // S=1: the iMC signals an SRAO as #MC (SDM table 16-7); the handler runs on the interrupted CPU,
        // in no user context of its own. S=0 (UCNA) is found by machine_check_poll / CMCI.
        if (m.mci_status & k::MCI_STATUS_S)
            (void)k::do_machine_check(kern, m, k::mce_origin::kernel);
        else
            k::machine_check_poll(kern, m);
    }
    // The queued memory_failure(pfn, 0) calls run in a kworker before the step is over.
    k::memory_failure_work_func(kern);
    ex.print(fmt::format("patrol-scrub: pass complete in {:.3f} s, {} uncorrectable error{} found",
                         static_cast<double>(kern.now_ns() - start) / 1e9, found.size(),
                         found.size() == 1 ? "" : "s"));
}

void run_powerfail(GuestSystem& guest, StepExec& ex) {
    if (const int rc = guest.power_cycle(ex); rc < 0)
        ex.fail(-rc, fmt::format("powerfail: reboot failed ({})", rc));
}

} // namespace daxsim::scenarios
