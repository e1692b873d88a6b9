// x86 machine-check handling (arch/x86/kernel/cpu/mce/core.c, severity.c, include/asm/mce.h), v6.8.
// The platform delivers a MachineCheck record synchronously to the access that consumed poison (#MC)
// or reports it from a poll / CMCI (patrol scrub); this grades it like the Intel severity table and
// takes the kernel's action: kill_me_maybe for user-mode SRAR, exception fixup for copy_mc, queued
// memory_failure for action-optional reports, panic for the fatal ones.
#pragma once

#include <cstdint>

#include "guest_api/kernel/types.h"
#include "platform/memory_port.h"

namespace daxsim::kernel {

class Kernel;

// MCi_STATUS bits (arch/x86/include/asm/mce.h)
inline constexpr u64 MCI_STATUS_VAL = u64{1} << 63;
inline constexpr u64 MCI_STATUS_OVER = u64{1} << 62;
inline constexpr u64 MCI_STATUS_UC = u64{1} << 61;
inline constexpr u64 MCI_STATUS_EN = u64{1} << 60;
inline constexpr u64 MCI_STATUS_MISCV = u64{1} << 59;
inline constexpr u64 MCI_STATUS_ADDRV = u64{1} << 58;
inline constexpr u64 MCI_STATUS_PCC = u64{1} << 57;
inline constexpr u64 MCI_STATUS_S = u64{1} << 56;
inline constexpr u64 MCI_STATUS_AR = u64{1} << 55;
// MCG_STATUS bits
inline constexpr u64 MCG_STATUS_RIPV = u64{1} << 0;
inline constexpr u64 MCG_STATUS_EIPV = u64{1} << 1;
inline constexpr u64 MCG_STATUS_MCIP = u64{1} << 2;
// MCA error codes (MCi_STATUS bits 15:0; bit 12 is the corrected-filter bit, masked out)
inline constexpr u64 MCACOD = 0xefff;
inline constexpr u64 MCACOD_SCRUB = 0x00c0;
inline constexpr u64 MCACOD_SCRUBMSK = 0xeff0;
inline constexpr u64 MCACOD_L3WB = 0x017a;
inline constexpr u64 MCACOD_DATA = 0x0134;
inline constexpr u64 MCACOD_INSTR = 0x0150;
// MCi_MISC: bits 5:0 address LSB, 8:6 address mode
inline constexpr unsigned MCI_MISC_ADDR_LSB(u64 misc) { return static_cast<unsigned>(misc & 0x3f); }
inline constexpr unsigned MCI_MISC_ADDR_MODE(u64 misc) { return static_cast<unsigned>((misc >> 6) & 7); }
inline constexpr unsigned MCI_MISC_ADDR_PHYS = 2;
inline constexpr u64 MCI_ADDR_PHYSADDR = (u64{1} << 52) - 1;

// enum severity_level, in the kernel's order (a higher value is worse).
enum class mce_sev { NO, DEFERRED, UCNA, KEEP, SOME, AO, UC, AR, PANIC };
// Where the CPU was when the error was signalled (severity.c enum context).
enum class mce_context { IN_KERNEL = 1, IN_USER = 2, IN_KERNEL_RECOV = 3 };
// Who made the access that took the #MC.
enum class mce_origin {
    user,                 // a user-mode load or store (CS.RPL 3)
    kernel_recoverable,   // kernel code with an exception-table fixup (copy_mc_to_kernel)
    kernel,               // any other kernel access: fatal
};

struct mce_grade {
    mce_sev sev = mce_sev::NO;
    const char* msg = "";          // the severity table's text ("Action required: data load error ...")
    mce_context ctx = mce_context::IN_KERNEL;
};

// mce_severity_intel(): first matching row of the severity table. `is_excp`: graded in the #MC
// handler (true) or from a poll / CMCI (false).
[[nodiscard]] mce_grade mce_severity(const platform::MachineCheck& m, mce_origin origin, bool is_excp);
// MCi_ADDR is a physical address the kernel can act on (ADDRV, MISCV, physical mode, LSB <= 12).
[[nodiscard]] bool mce_usable_address(const platform::MachineCheck& m);
// The #MC handler. For user origin the current task is the one that made the access. Returns 0 when
// the kernel carried on (recovered, signalled, fixed up), -EFAULT when it panicked.
int do_machine_check(Kernel& k, const platform::MachineCheck& m, mce_origin origin);
// machine_check_poll() / CMCI: an error found without an exception (patrol scrub: SRAO, UCNA).
void machine_check_poll(Kernel& k, const platform::MachineCheck& m);

[[nodiscard]] const char* mce_sev_name(mce_sev s);

} // namespace daxsim::kernel
