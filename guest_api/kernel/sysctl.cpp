// sysctl(8) writes for the memory-failure knobs (kernel/sysctl.c vm_table, mm/memory-failure.c): both
// are proc_dointvec_minmax over [0, 1].
#include "guest_api/kernel/errno.h"

#include <string>

#include "guest_api/admin.h"
#include "guest_api/kernel/kernel.h"

namespace daxsim::kernel {

int sysctl_write(Kernel& k, const std::string& name, const std::string& value) {
    bool* knob = nullptr;
    if (name == "vm.memory_failure_early_kill")
        knob = &k.config().memory_failure_early_kill;
    else if (name == "vm.memory_failure_recovery")
        knob = &k.config().memory_failure_recovery;
    else
        return -ENOENT;
    if (value != "0" && value != "1") return -EINVAL;
    *knob = value == "1";
    return 0;
}

} // namespace daxsim::kernel
