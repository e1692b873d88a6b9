// Signal delivery for memory errors (kernel/signal.c: force_sig_mceerr, send_sig_mceerr, force_sig,
// do_send_sig_info). Lives in mm/ because nothing else in the simulated kernel sends signals. No task
// installs handlers, so SIGBUS, SIGSEGV and SIGKILL take their default action: the task dies. Death is
// recorded at once (killed_by) and the task is reaped (files closed, mm released) by
// exit_signalled_tasks() when the current syscall returns, so no VMA disappears under a walker.
#pragma once

#include "guest_api/kernel/types.h"

namespace daxsim::kernel {

class Kernel;
struct task_struct;

inline constexpr int SI_KERNEL = 0x80;
inline constexpr int SEGV_MAPERR = 1;
inline constexpr int SEGV_ACCERR = 2;

// SIGBUS with BUS_MCEERR_AR to the current task (synchronous, cannot be blocked). 0 or -errno.
int force_sig_mceerr(Kernel& k, int code, u64 addr, short lsb);
// SIGBUS with BUS_MCEERR_AO (or AR) to task t.
int send_sig_mceerr(Kernel& k, int code, u64 addr, short lsb, task_struct* t);
// A fault signal to the current task (SIGBUS BUS_ADRERR, SIGSEGV SEGV_MAPERR, ...).
int force_sig_fault(Kernel& k, int sig, int code, u64 addr);
// SIGBUS / SIGKILL without payload (si_code SI_KERNEL), as force_sig() and do_send_sig_info().
int send_sig(Kernel& k, int sig, task_struct* t);
// Accounts a signal sent because of a memory failure: mf.signals, and mf.latency_ns from the start of
// the event being handled (machine check or report) to now.
void mf_note_signal(Kernel& k);
// Reaps every task a fatal signal hit since the last call: do_exit(). Callers: the end of each
// syscall and of each asynchronous kernel entry (memory_failure_work_func, unbind, scrub).
void exit_signalled_tasks(Kernel& k);

} // namespace daxsim::kernel
