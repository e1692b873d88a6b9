// arch/x86/lib/copy_mc.c, arch/x86/lib/usercopy_64.c (memcpy_flushcache), arch/x86/include/asm/pmem.h.
// Every byte moves through the current CPU's memory port, so copies cost simulated time and consume
// poison the way the hardware does.
#include "guest_api/kernel/errno.h"

#include "guest_api/arch/copy_mc.h"

#include "guest_api/arch/mce.h"
#include "guest_api/kernel/kernel.h"

namespace daxsim::kernel {

std::size_t copy_mc_to_kernel(Kernel& k, std::span<std::byte> dst, u64 src_spa) {
    if (dst.empty()) return 0;
    const platform::AccessResult r = k.port().load(src_spa, dst);
    if (r.ok()) return 0;
    if (r.status == platform::AccessStatus::machine_check && r.mce) {
        // The load that consumed poison is the hardware's share of the failure path.
        k.layer_times().add("hardware", r.cost_ns);
        // The copy runs under an exception-table entry (EX_TYPE_DEFAULT_MCE_SAFE): the #MC handler
        // fixes up and the copy reports how much is left.
        do_machine_check(k, *r.mce, mce_origin::kernel_recoverable);
    }
    return dst.size() - r.bytes_done;
}

void memcpy_flushcache(Kernel& k, u64 dst_spa, std::span<const std::byte> src) {
    if (src.empty()) return;
    (void)k.port().nt_store(dst_spa, src);
}

void pmem_wmb(Kernel& k) { (void)k.port().sfence(); }

void arch_wb_cache_pmem(Kernel& k, u64 spa, u64 len) {
    if (len == 0) return;
    (void)k.port().clwb(spa, len);
}

} // namespace daxsim::kernel
