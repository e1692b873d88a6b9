// Process life cycle: kernel/fork.c (a new task with an empty mm), kernel/exit.c (do_exit), and
// prctl(PR_MCE_KILL) from kernel/sys.c. Tasks are never freed: dead ones stay for inspection.
#include "guest_api/kernel/errno.h"

#include <iterator>

#include "guest_api/kernel/kernel.h"
#include "guest_api/mm/internal.h"
#include "guest_api/mm/mm_subsystem.h"
#include "guest_api/mm/mm_types.h"
#include "guest_api/syscalls.h"

namespace daxsim::kernel {

task_struct* sys_spawn(Kernel& k, const std::string& comm) { return k.mm().alloc_task(comm); }

void do_exit(Kernel& k, task_struct* t, int code) {
    (void)k;
    (void)code;
    if (t == nullptr || t->exited) return;
    t->flags |= PF_EXITING;
    // exit_files(): the fd table goes; the files themselves live while VMAs still hold them.
    t->files.clear();
    // exit_mm(): every mapping leaves its file's i_mmap.
    if (t->mm) {
        exit_mmap(*t->mm);
        t->mm.reset();
    }
    t->exited = true;
}

task_struct* find_task(Kernel& k, const std::string& comm) {
    const auto& tasks = k.mm().tasks();
    for (auto it = tasks.rbegin(); it != tasks.rend(); ++it)
        if ((*it)->comm == comm && !(*it)->exited && !(*it)->killed_by) return it->get();
    return nullptr;
}

task_struct* find_task_any(Kernel& k, const std::string& comm) {
    const auto& tasks = k.mm().tasks();
    for (auto it = tasks.rbegin(); it != tasks.rend(); ++it)
        if ((*it)->comm == comm) return it->get();
    return nullptr;
}

int sys_prctl(Kernel& k, task_struct* t, int option, unsigned long arg2, unsigned long arg3) {
    k.set_current(t);
    k.cpu_work(k.config().cost.syscall_ns);
    if (t == nullptr) return -EINVAL;
    if (option != PR_MCE_KILL) return -EINVAL;
    switch (arg2) {
    case PR_MCE_KILL_CLEAR:
        if (arg3 != 0) return -EINVAL;
        t->flags &= ~PF_MCE_PROCESS;
        return 0;
    case PR_MCE_KILL_SET:
        t->flags |= PF_MCE_PROCESS;
        if (arg3 == PR_MCE_KILL_EARLY)
            t->flags |= PF_MCE_EARLY;
        else if (arg3 == PR_MCE_KILL_LATE)
            t->flags &= ~PF_MCE_EARLY;
        else if (arg3 == PR_MCE_KILL_DEFAULT)
            t->flags &= ~(PF_MCE_EARLY | PF_MCE_PROCESS);
        else
            return -EINVAL;
        return 0;
    default: return -EINVAL;
    }
}

} // namespace daxsim::kernel
