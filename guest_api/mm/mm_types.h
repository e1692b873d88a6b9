// Processes and their address spaces (include/linux/mm_types.h, sched.h, signal_types.h), reduced to
// what DAX faults and memory failure need. Owned by mm/; fs/ sees vm_area_struct through address_space.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "guest_api/kernel/types.h"

// This header must not meet <csignal>: glibc defines si_addr and si_addr_lsb as macros that would rename the
// siginfo fields below, and SIGBUS & co. as macros. Where <csignal> came first, its numbers are checked.
#ifdef si_addr
#error "include guest_api/mm/mm_types.h before <csignal>/<signal.h>: glibc's si_addr macro renames siginfo fields"
#endif
#ifdef SIGBUS
static_assert(SIGBUS == 7 && SIGKILL == 9 && SIGSEGV == 11, "x86-64 Linux signal numbers");
#endif

namespace daxsim::kernel {

struct file;
struct mm_struct;
struct vm_area_struct;

// --- signals (include/uapi/asm-generic/siginfo.h, signal.h) -------------------------------------
#ifndef SIGBUS
inline constexpr int SIGKILL = 9;
inline constexpr int SIGBUS = 7;
inline constexpr int SIGSEGV = 11;
#endif
inline constexpr int BUS_ADRERR = 2;
inline constexpr int BUS_MCEERR_AR = 4;
inline constexpr int BUS_MCEERR_AO = 5;

struct siginfo {
    int si_signo = 0;
    int si_code = 0;
    u64 si_addr = 0;           // faulting user virtual address
    short si_addr_lsb = 0;     // log2 of the poisoned granule (PAGE_SHIFT, PMD_SHIFT, PUD_SHIFT)
    std::uint64_t time_ns = 0; // when it was delivered (simulated)
};

// --- faults (include/linux/mm_types.h vm_fault_t) ------------------------------------------------
using vm_fault_t = unsigned;
inline constexpr vm_fault_t VM_FAULT_OOM = 0x000001;
inline constexpr vm_fault_t VM_FAULT_SIGBUS = 0x000002;
inline constexpr vm_fault_t VM_FAULT_HWPOISON = 0x000010;
inline constexpr vm_fault_t VM_FAULT_HWPOISON_LARGE = 0x000020;
inline constexpr vm_fault_t VM_FAULT_SIGSEGV = 0x000040;
inline constexpr vm_fault_t VM_FAULT_NOPAGE = 0x000100;
inline constexpr vm_fault_t VM_FAULT_FALLBACK = 0x000800;

inline constexpr unsigned FAULT_FLAG_WRITE = 0x01;

enum class PageSize : unsigned { pte = PAGE_SHIFT, pmd = PMD_SHIFT, pud = PUD_SHIFT };

struct vm_fault {
    vm_area_struct* vma = nullptr;
    unsigned flags = 0;      // FAULT_FLAG_*
    pgoff_t pgoff = 0;       // page offset in the file of `address`
    u64 address = 0;         // faulting virtual address, page aligned
    PageSize order = PageSize::pte; // size the handler is asked to map (pmd for a huge fault)
    // Filled in by the handler on VM_FAULT_NOPAGE: what to install in the page table.
    u64 pfn = 0;
    bool pfn_set = false;
};

// vm_operations_struct: the file system's (or device-dax's) fault handlers for a mapping.
struct vm_operations_struct {
    virtual ~vm_operations_struct() = default;
    virtual vm_fault_t fault(vm_fault& vmf) const = 0;
    // PMD / PUD fault; VM_FAULT_FALLBACK asks for a PTE-size fault instead.
    virtual vm_fault_t huge_fault(vm_fault& vmf) const { (void)vmf; return VM_FAULT_FALLBACK; }
    // Called when the first write to a read-only-mapped shared page happens (DAX CoW of shared extents).
    virtual vm_fault_t page_mkwrite(vm_fault& vmf) const { return fault(vmf); }
};

// vm_flags
inline constexpr u64 VM_READ = 0x1;
inline constexpr u64 VM_WRITE = 0x2;
inline constexpr u64 VM_SHARED = 0x8;
inline constexpr u64 VM_MIXEDMAP = 0x10000000;
inline constexpr u64 VM_HUGEPAGE = 0x20000000;
inline constexpr u64 VM_SYNC = 0x800000;

struct vm_area_struct {
    u64 vm_start = 0;         // [vm_start, vm_end)
    u64 vm_end = 0;
    pgoff_t vm_pgoff = 0;     // file offset of vm_start, in pages
    u64 vm_flags = 0;
    mm_struct* vm_mm = nullptr;
    std::shared_ptr<file> vm_file;
    const vm_operations_struct* vm_ops = nullptr;
};

// One page-table entry at any level: maps [vaddr, vaddr + 2^shift) to pfn.
struct pte_t {
    u64 pfn = 0;
    unsigned shift = PAGE_SHIFT;  // PAGE_SHIFT, PMD_SHIFT or PUD_SHIFT
    bool writable = false;
    bool dirty = false;
    bool hwpoison = false;        // a hwpoison swap entry after unmap_mapping_range on poison
};

struct mm_struct {
    std::map<u64, std::unique_ptr<vm_area_struct>> mmap;   // by vm_start
    std::map<u64, pte_t> page_table;                       // by mapped virtual address (aligned)
    u64 mmap_base = 0x7f00'0000'0000;                      // top-down allocation starts below this

    [[nodiscard]] vm_area_struct* find_vma(u64 addr) const; // the VMA containing addr, or nullptr
    // The PTE covering addr, whatever its size, or nullptr.
    [[nodiscard]] const pte_t* lookup(u64 addr, u64* base = nullptr) const;
};

// task flags (include/linux/sched.h)
inline constexpr unsigned PF_MCE_PROCESS = 0x00000080;  // process policy on mce errors
inline constexpr unsigned PF_MCE_EARLY = 0x08000000;    // early kill for mce process policy
inline constexpr unsigned PF_EXITING = 0x00000004;

struct task_struct {
    pid_t pid = 0;
    std::string comm;                    // task name: the scenario's @NAME
    unsigned flags = 0;                  // PF_*
    unsigned cpu = 0;                    // CPU it runs on
    std::shared_ptr<mm_struct> mm;
    std::map<int, std::shared_ptr<file>> files; // fd table
    int next_fd = 3;
    std::vector<siginfo> signals;        // every signal delivered, in order
    bool exited = false;
    std::optional<int> killed_by;        // signal that terminated it
};

} // namespace daxsim::kernel
