// kernel/signal.c for the signals memory errors send. No simulated task installs handlers, so every
// signal here takes its default action and terminates the receiver (SIGBUS, SIGSEGV: core; SIGKILL).
#include "guest_api/kernel/errno.h"

#include "guest_api/mm/signal.h"

#include "guest_api/kernel/kernel.h"
#include "guest_api/mm/mm_subsystem.h"
#include "guest_api/mm/mm_types.h"
#include "guest_api/syscalls.h"

namespace daxsim::kernel {

namespace {

int deliver(Kernel& k, task_struct* t, siginfo info) {
    if (t == nullptr || t->exited) return -ESRCH;  // reaped: nothing to deliver to
    // A fatal signal is already pending (the task dies when the current syscall returns). A second
    // instance of a standard signal is not queued (legacy_queue()), yet sending it succeeds; SIGKILL
    // still takes precedence.
    if (t->killed_by) {
        if (info.si_signo == SIGKILL && *t->killed_by != SIGKILL) {
            info.time_ns = k.now_ns();
            t->signals.push_back(info);
            t->killed_by = SIGKILL;
        }
        return 0;
    }
    info.time_ns = k.now_ns();
    t->signals.push_back(info);
    if (k.tracer().enabled())
        k.tracer().instant("kernel.signal", "deliver", info.time_ns,
                           {{"task", t->comm}, {"signo", std::to_string(info.si_signo)},
                            {"code", std::to_string(info.si_code)}});
    // Default action of SIGBUS / SIGSEGV / SIGKILL: terminate. The task is dead from now on; its mm
    // goes when the current syscall returns (exit_signalled_tasks).
    t->killed_by = info.si_signo;
    t->flags |= PF_EXITING;
    k.mm().mark_for_exit(t);
    return 0;
}

} // namespace

int force_sig_mceerr(Kernel& k, int code, u64 addr, short lsb) {
    return deliver(k, k.current(), siginfo{SIGBUS, code, addr, lsb, 0});
}

int send_sig_mceerr(Kernel& k, int code, u64 addr, short lsb, task_struct* t) {
    return deliver(k, t, siginfo{SIGBUS, code, addr, lsb, 0});
}

int force_sig_fault(Kernel& k, int sig, int code, u64 addr) {
    return deliver(k, k.current(), siginfo{sig, code, addr, 0, 0});
}

int send_sig(Kernel& k, int sig, task_struct* t) { return deliver(k, t, siginfo{sig, SI_KERNEL, 0, 0, 0}); }

void exit_signalled_tasks(Kernel& k) {
    for (task_struct* t : k.mm().take_pending_exits())
        if (!t->exited) do_exit(k, t, t->killed_by.value_or(0));
}

} // namespace daxsim::kernel
