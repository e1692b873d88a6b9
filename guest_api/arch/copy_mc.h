// Copies between kernel buffers and persistent memory (arch/x86/lib/copy_mc.c, include/linux/libnvdimm.h,
// arch/x86/include/asm/pmem.h). Implemented by arch/; used by the pmem driver and fs/dax.
#pragma once

#include <cstddef>
#include <span>

#include "guest_api/kernel/types.h"

namespace daxsim::kernel {

class Kernel;

// Machine-check-safe read from persistent memory (copy_mc_to_kernel): returns the number of bytes NOT
// copied, 0 on success. When the copy consumes poison, the #MC is handled as in-kernel recovery
// (MCE_IN_KERNEL_RECOV: memory_failure(pfn, 0) queued for process context) and the copy stops there.
[[nodiscard]] std::size_t copy_mc_to_kernel(Kernel& k, std::span<std::byte> dst, u64 src_spa);
// Non-temporal copy into persistent memory (memcpy_flushcache); ordering needs pmem_wmb().
void memcpy_flushcache(Kernel& k, u64 dst_spa, std::span<const std::byte> src);
// sfence: everything written before is in the persistence domain when it returns.
void pmem_wmb(Kernel& k);
// clwb over [spa, spa + len) (arch_wb_cache_pmem), used by dax_writeback_mapping_range on fsync/msync.
void arch_wb_cache_pmem(Kernel& k, u64 spa, u64 len);

} // namespace daxsim::kernel
