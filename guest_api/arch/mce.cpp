// arch/x86/kernel/cpu/mce/severity.c (Intel table) and core.c (do_machine_check, kill_me_maybe,
// kill_me_now, machine_check_poll), as of v6.8. The ACPI NFIT MCE notifier (drivers/acpi/nfit/mce.c)
// runs from here too: every machine check at a usable address inside an NVDIMM range adds the line
// to the nvdimm badblocks, which is how the pmem driver learns about consumed poison.
#include "guest_api/kernel/errno.h"

#include "guest_api/arch/mce.h"

#include <fmt/format.h>

#include "guest_api/drivers/nvdimm/nd.h"
#include "guest_api/kernel/kernel.h"
#include "guest_api/kernel/layer_timer.h"
#include "guest_api/mm/memory_failure.h"
#include "guest_api/mm/mf_flow.h"
#include "guest_api/mm/mm_subsystem.h"
#include "guest_api/mm/mm_types.h"
#include "guest_api/mm/signal.h"

namespace daxsim::kernel {

namespace {

constexpr u64 MCI_UC_S = MCI_STATUS_UC | MCI_STATUS_S;
constexpr u64 MCI_UC_AR = MCI_STATUS_UC | MCI_STATUS_AR;
constexpr u64 MCI_UC_SAR = MCI_STATUS_UC | MCI_STATUS_S | MCI_STATUS_AR;
constexpr u64 MCI_ADDR = MCI_STATUS_ADDRV | MCI_STATUS_MISCV;

enum class excp_req { any, excp, noexcp };

// One row of the severity table. The processor is SER-capable (Skylake and later): NOSER rows never
// match, SER rows always may. Model-specific rows (Skylake patrol-scrub quirk) are left out.
struct severity_row {
    mce_sev sev;
    const char* msg;
    u64 mask;
    u64 result;
    u64 mcgmask = 0;
    u64 mcgres = 0;
    bool ser_only = false;
    bool noser_only = false;
    int context = 0;      // 0 = any, else mce_context
    excp_req excp = excp_req::any;
};

constexpr int KERNEL = static_cast<int>(mce_context::IN_KERNEL);
constexpr int USER = static_cast<int>(mce_context::IN_USER);
constexpr int KERNEL_RECOV = static_cast<int>(mce_context::IN_KERNEL_RECOV);

// Order matters: first match wins (severity.c).
const severity_row severities[] = {
    {mce_sev::NO, "Invalid", MCI_STATUS_VAL, 0},
    {mce_sev::NO, "Not enabled", MCI_STATUS_EN, 0, 0, 0, false, false, 0, excp_req::excp},
    {mce_sev::PANIC, "Processor context corrupt", MCI_STATUS_PCC, MCI_STATUS_PCC},
    {mce_sev::PANIC, "MCIP not set in MCA handler", 0, 0, MCG_STATUS_MCIP, 0, false, false, 0, excp_req::excp},
    {mce_sev::PANIC, "Neither restart nor error IP", 0, 0, MCG_STATUS_RIPV | MCG_STATUS_EIPV, 0, false, false, 0,
     excp_req::excp},
    {mce_sev::PANIC, "In kernel and no restart IP", 0, 0, MCG_STATUS_RIPV, 0, false, false, KERNEL, excp_req::excp},
    {mce_sev::PANIC, "In kernel and no restart IP", 0, 0, MCG_STATUS_RIPV, 0, false, false, KERNEL_RECOV,
     excp_req::excp},
    {mce_sev::KEEP, "Corrected error", MCI_STATUS_UC, 0, 0, 0, false, true},
    {mce_sev::AO, "Action optional: memory scrubbing error", MCI_UC_AR | MCACOD_SCRUBMSK,
     MCI_STATUS_UC | MCACOD_SCRUB, 0, 0, true},
    {mce_sev::AO, "Action optional: last level cache writeback error", MCI_UC_AR | MCACOD,
     MCI_STATUS_UC | MCACOD_L3WB, 0, 0, true},
    {mce_sev::UCNA, "Uncorrected no action required", MCI_UC_SAR, MCI_STATUS_UC, 0, 0, true},
    {mce_sev::PANIC, "Illegal combination (UCNA with AR=1)", MCI_STATUS_OVER | MCI_UC_SAR,
     MCI_STATUS_UC | MCI_STATUS_AR, 0, 0, true},
    {mce_sev::KEEP, "Non signaled machine check", MCI_STATUS_S, 0, 0, 0, true},
    {mce_sev::PANIC, "Action required with lost events", MCI_STATUS_OVER | MCI_UC_SAR, MCI_STATUS_OVER | MCI_UC_SAR,
     0, 0, true},
    {mce_sev::KEEP, "Action required but unaffected thread is continuable", MCI_STATUS_OVER | MCI_UC_SAR | MCI_ADDR,
     MCI_UC_SAR | MCI_ADDR, MCG_STATUS_RIPV | MCG_STATUS_EIPV, MCG_STATUS_RIPV, true},
    {mce_sev::AR, "Action required: data load in error recoverable area of kernel",
     MCI_STATUS_OVER | MCI_UC_SAR | MCI_ADDR | MCACOD, MCI_UC_SAR | MCI_ADDR | MCACOD_DATA, 0, 0, true, false,
     KERNEL_RECOV},
    {mce_sev::AR, "Action required: data load error in a user process",
     MCI_STATUS_OVER | MCI_UC_SAR | MCI_ADDR | MCACOD, MCI_UC_SAR | MCI_ADDR | MCACOD_DATA, 0, 0, true, false, USER},
    {mce_sev::AR, "Action required: instruction fetch error in a user process",
     MCI_STATUS_OVER | MCI_UC_SAR | MCI_ADDR | MCACOD, MCI_UC_SAR | MCI_ADDR | MCACOD_INSTR, 0, 0, true, false, USER},
    {mce_sev::PANIC, "Data load in unrecoverable area of kernel", MCI_STATUS_OVER | MCI_UC_SAR | MCI_ADDR | MCACOD,
     MCI_UC_SAR | MCI_ADDR | MCACOD_DATA, 0, 0, true, false, KERNEL},
    {mce_sev::PANIC, "Instruction fetch error in kernel", MCI_STATUS_OVER | MCI_UC_SAR | MCI_ADDR | MCACOD,
     MCI_UC_SAR | MCI_ADDR | MCACOD_INSTR, 0, 0, true, false, KERNEL},
    {mce_sev::PANIC, "Action required: unknown MCACOD", MCI_STATUS_OVER | MCI_UC_SAR, MCI_UC_SAR, 0, 0, true},
    {mce_sev::SOME, "Action optional: unknown MCACOD", MCI_STATUS_OVER | MCI_UC_SAR, MCI_UC_S, 0, 0, true},
    {mce_sev::SOME, "Action optional with lost events", MCI_STATUS_OVER | MCI_UC_SAR, MCI_STATUS_OVER | MCI_UC_S, 0, 0,
     true},
    {mce_sev::PANIC, "Overflowed uncorrected", MCI_STATUS_OVER | MCI_STATUS_UC, MCI_STATUS_OVER | MCI_STATUS_UC},
    {mce_sev::UC, "Uncorrected", MCI_STATUS_UC, MCI_STATUS_UC},
    {mce_sev::SOME, "No match", 0, 0},  // always matches: keep last
};

// error_context(): user mode by CS; kernel code is recoverable only with both RIPV and EIPV and an
// exception-table fixup at the faulting IP.
mce_context error_context(const platform::MachineCheck& m, mce_origin origin) {
    if (origin == mce_origin::user) return mce_context::IN_USER;
    const u64 both = MCG_STATUS_RIPV | MCG_STATUS_EIPV;
    if ((m.mcg_status & both) != both) return mce_context::IN_KERNEL;
    return origin == mce_origin::kernel_recoverable ? mce_context::IN_KERNEL_RECOV : mce_context::IN_KERNEL;
}

void print_mce(Kernel& k, const platform::MachineCheck& m, bool excp) {
    k.printk(LogLevel::emerg, fmt::format("mce: [Hardware Error]: CPU {}: Machine Check{}: {:x} Bank {}: {:016x}",
                                          m.cpu, excp ? " Exception" : "", m.mcg_status, m.bank, m.mci_status));
    k.printk(LogLevel::emerg, fmt::format("mce: [Hardware Error]: TSC 0 ADDR {:x} MISC {:x}", m.mci_addr, m.mci_misc));
}

u64 mce_pfn(const platform::MachineCheck& m) { return (m.mci_addr & MCI_ADDR_PHYSADDR) >> PAGE_SHIFT; }

int mce_panic(Kernel& k, const char* exp) {
    k.printk(LogLevel::emerg, fmt::format("mce: [Hardware Error]: Machine check: {}", exp));
    k.mm().panic("Fatal machine check");
    return -EFAULT;
}

// The MCE decode notifiers that run once the record is logged: the NFIT one (badblocks) and
// uc_decode_notifier (action-optional errors go to memory_failure).
void mce_log_notify(Kernel& k, const platform::MachineCheck& m, mce_sev sev) {
    if (!mce_usable_address(m)) return;
    const u64 line = u64{1} << MCI_MISC_ADDR_LSB(m.mci_misc);
    nfit_handle_mce(k, m.mci_addr & MCI_ADDR_PHYSADDR & ~(line - 1), line);
    if (sev == mce_sev::AO || sev == mce_sev::DEFERRED || sev == mce_sev::UCNA)
        memory_failure_queue(k, mce_pfn(m), 0);
}

// kill_me_now(): force_sig(SIGBUS), no address information.
void kill_me_now(Kernel& k) {
    if (k.current()) (void)send_sig(k, SIGBUS, k.current());
}

// kill_me_maybe(): the task work queued for a user-mode SRAR, run before returning to user space.
void kill_me_maybe(Kernel& k, const platform::MachineCheck& m) {
    int flags = MF_ACTION_REQUIRED;
    k.printk(LogLevel::err, fmt::format("mce: Uncorrected hardware memory error in user-access at {:x}", m.mci_addr));
    if (!(m.mcg_status & MCG_STATUS_RIPV)) flags |= MF_MUST_KILL;
    const int ret = memory_failure(k, mce_pfn(m), flags);
    if (ret == 0) return;
    // -EHWPOISON: memory_failure already signalled the task; -EOPNOTSUPP: filtered. Nothing more.
    if (ret == -EHWPOISON || ret == -EOPNOTSUPP) return;
    k.printk(LogLevel::err, "mce: Memory error not recovered");
    kill_me_now(k);
}

int do_machine_check_event(Kernel& k, const platform::MachineCheck& m, mce_origin origin);

} // namespace

const char* mce_sev_name(mce_sev s) {
    switch (s) {
    case mce_sev::NO: return "NO";
    case mce_sev::DEFERRED: return "DEFERRED";
    case mce_sev::UCNA: return "UCNA";
    case mce_sev::KEEP: return "KEEP";
    case mce_sev::SOME: return "SOME";
    case mce_sev::AO: return "AO";
    case mce_sev::UC: return "UC";
    case mce_sev::AR: return "AR";
    case mce_sev::PANIC: return "PANIC";
    }
    return "?";
}

mce_grade mce_severity(const platform::MachineCheck& m, mce_origin origin, bool is_excp) {
    const mce_context ctx = error_context(m, origin);
    for (const severity_row& s : severities) {
        if ((m.mci_status & s.mask) != s.result) continue;
        if ((m.mcg_status & s.mcgmask) != s.mcgres) continue;
        if (s.noser_only) continue;  // the CPU is SER-capable
        if (s.context != 0 && static_cast<int>(ctx) != s.context) continue;
        if (s.excp == excp_req::excp && !is_excp) continue;
        if (s.excp == excp_req::noexcp && is_excp) continue;
        mce_grade g{s.sev, s.msg, ctx};
        if (s.sev >= mce_sev::UC && ctx == mce_context::IN_KERNEL) g.sev = mce_sev::PANIC;
        return g;
    }
    return {mce_sev::SOME, "No match", ctx};
}

bool mce_usable_address(const platform::MachineCheck& m) {
    if (!(m.mci_status & MCI_STATUS_MISCV) || !(m.mci_status & MCI_STATUS_ADDRV)) return false;
    if (MCI_MISC_ADDR_LSB(m.mci_misc) > PAGE_SHIFT) return false;
    return MCI_MISC_ADDR_MODE(m.mci_misc) == MCI_MISC_ADDR_PHYS;
}

namespace {

// The platform logs MCi_STATUS in waves.vcd as "cpu<N>.mc<bank>_status" when the hardware sets it; the
// kernel's handler is what clears it, after reading it.
void clear_bank_wave(Kernel& k, const platform::MachineCheck& m) {
    if (!k.tracer().waves()) return;
    k.tracer().value(fmt::format("cpu{}.mc{}_status", m.cpu, m.bank), k.now_ns(), 0, 64);
    k.tracer().value(fmt::format("cpu{}.mcg_status", m.cpu), k.now_ns(), 0, 3);
}

} // namespace

int do_machine_check(Kernel& k, const platform::MachineCheck& m, mce_origin origin) {
    // The failure event starts at the machine check; it ends when the handler is done.
    auto& start = k.mm().mf_event_start();
    const bool owns_event = !start.has_value();
    if (owns_event) start = k.now_ns();
    // The event's flow starts at the CPU that took the #MC, spanning the exception entry.
    const bool owns_flow = mf_flow_begin_at(k, fmt::format("cpu{}", m.cpu), "#MC entry", k.now_ns(),
                                            k.config().cost.mce_entry_ns);
    const int rc = do_machine_check_event(k, m, origin);
    if (owns_flow) mf_flow_finish(k, "kernel.mce");
    if (owns_event) start.reset();
    return rc;
}

namespace {

int do_machine_check_event(Kernel& k, const platform::MachineCheck& m, mce_origin origin) {
    LayerScope scope(k, "mce", "do_machine_check");
    k.cpu_work(k.config().cost.mce_entry_ns);
    // The handler has read the bank; mce_clear_state() zeroes MCi_STATUS and MCG_STATUS (waves.vcd).
    clear_bank_wave(k, m);
    mf_flow_step(k, "kernel.mce");
    if (k.tracer().enabled())
        k.tracer().instant("kernel.mce", "#MC", k.now_ns(),
                           {{"addr", fmt::format("{:#x}", m.mci_addr)}, {"status", fmt::format("{:#x}", m.mci_status)}});

    const mce_grade g = mce_severity(m, origin, true);
    print_mce(k, m, true);
    if (g.sev == mce_sev::PANIC) return mce_panic(k, g.msg);

    mce_log_notify(k, m, g.sev);
    k.printk(LogLevel::info, "mce: [Hardware Error]: Machine check events logged");

    const bool kill_current_task = !(m.mcg_status & MCG_STATUS_RIPV);
    if (g.sev != mce_sev::AR && !kill_current_task) return 0;

    if (g.ctx == mce_context::IN_USER) {
        if (!mce_usable_address(m))
            kill_me_now(k);
        else
            kill_me_maybe(k, m);
        return 0;
    }
    // Kernel mode: only an access with a fixup gets here (IN_KERNEL was graded PANIC above). The fixup
    // makes copy_mc return the uncopied length; the NFIT notifier already recorded the bad line.
    return g.ctx == mce_context::IN_KERNEL_RECOV ? 0 : mce_panic(k, "Failed kernel mode recovery");
}

} // namespace

void machine_check_poll(Kernel& k, const platform::MachineCheck& m) {
    if (!(m.mci_status & MCI_STATUS_VAL)) return;
    clear_bank_wave(k, m); // machine_check_poll() clears each bank it logged
    const mce_grade g = mce_severity(m, mce_origin::kernel, false);
    print_mce(k, m, false);
    k.printk(LogLevel::info, "mce: [Hardware Error]: Machine check events logged");
    mce_log_notify(k, m, g.sev);
}

} // namespace daxsim::kernel
