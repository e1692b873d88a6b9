// mm_types.h comes first: glibc's <signal.h> (pulled in by C library headers) would rename siginfo's
// fields. Signal, open, mmap and prctl constants are the C library's macros, so they are unqualified.
#include "guest_api/mm/mm_types.h"

#include "guest_api/kernel/kernel.h"

#include "guest_api/syscalls.h"
#include "scenarios/session.h"

namespace daxsim::scenarios {

TaskState& Session::named_task(const std::string& name) {
    TaskState& st = tasks_[name];
    kernel::task_struct* live = kernel::find_task(k_, name);
    if (!live || live != st.task) {
        // First use, or the task died (a SIGBUS ends it): a new process with that name, nothing open.
        if (!live) live = kernel::sys_spawn(k_, name);
        st = TaskState{};
        st.task = live;
    }
    return st;
}

MetricMap Session::metrics() {
    MetricMap out = hardware_metrics ? hardware_metrics() : MetricMap{};
    for (const auto& [name, value] : k_.metrics())
        out[name] += value;
    out["sim.time_ns"] = static_cast<double>(k_.now_ns());
    return out;
}

} // namespace daxsim::scenarios
