// Basic kernel types and constants (include/linux/types.h, arch/x86/include/asm/page_types.h).
#pragma once

#include <cstdint>

namespace daxsim::kernel {

using u8 = std::uint8_t;
using u32 = std::uint32_t;
using u64 = std::uint64_t;
using loff_t = std::int64_t;
using pgoff_t = std::uint64_t;
using sector_t = std::uint64_t;   // 512-byte sectors
using ssize_t = std::int64_t;
using pid_t = int;

inline constexpr unsigned PAGE_SHIFT = 12;
inline constexpr u64 PAGE_SIZE = u64{1} << PAGE_SHIFT;
inline constexpr unsigned PMD_SHIFT = 21;
inline constexpr unsigned PUD_SHIFT = 30;
inline constexpr unsigned SECTOR_SHIFT = 9;

inline constexpr u64 PHYS_PFN(u64 phys) { return phys >> PAGE_SHIFT; }
inline constexpr u64 PFN_PHYS(u64 pfn) { return pfn << PAGE_SHIFT; }

} // namespace daxsim::kernel
