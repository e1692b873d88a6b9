// Helpers shared inside mm/ (mm/internal.h, include/linux/mm.h, include/linux/pagemap.h).
#pragma once

#include <cstdint>
#include <string>

#include "guest_api/kernel/types.h"
#include "guest_api/mm/mm_types.h"

namespace daxsim::kernel {

class Kernel;
struct address_space;

// Sentinel the kernel uses for "no address" (vma_address / page_address_in_vma return -EFAULT).
inline constexpr u64 BAD_ADDR = static_cast<u64>(-14); // -EFAULT

// Page offset in the file of virtual address `address` inside vma.
[[nodiscard]] inline pgoff_t linear_page_index(const vm_area_struct* vma, u64 address) {
    return ((address - vma->vm_start) >> PAGE_SHIFT) + vma->vm_pgoff;
}
// User address of file page `pgoff` in vma, or BAD_ADDR when the vma does not cover it.
[[nodiscard]] u64 vma_address(const vm_area_struct* vma, pgoff_t pgoff);

// mm/memory.c: resolves a fault at `address` (any alignment) in vma: PUD / PMD through
// vm_ops->huge_fault when the aligned range fits the VMA, else vm_ops->fault; installs the entry.
// Returns 0 or VM_FAULT_* error bits (VM_FAULT_SIGBUS, VM_FAULT_HWPOISON, ...).
vm_fault_t handle_mm_fault(Kernel& k, vm_area_struct* vma, u64 address, unsigned flags);
// Removes the page-table entries of every mapping of file bytes [start, start + len) of `mapping`
// (len 0: to the end of the file). Huge entries that overlap go whole, as zap_pmd_range does for DAX.
void unmap_mapping_range(Kernel& k, address_space* mapping, loff_t start, loff_t len, bool even_cows);
// Removes the entries of [start, end) from mm's page table.
void zap_page_range(mm_struct& mm, u64 start, u64 end);
// exit_mmap(): every VMA leaves its file's i_mmap, the page table goes.
void exit_mmap(mm_struct& mm);
// Drops vma from its file's i_mmap.
void vma_unlink_file(vm_area_struct* vma);

// printk's %#lx: "0" for zero, "0x..." otherwise.
[[nodiscard]] std::string hex(u64 v);

} // namespace daxsim::kernel
