// Machine-check architecture (Intel SDM vol. 3B, ch. 16 "Machine-Check Architecture"): the bit layout
// of MCG_STATUS and of an error-reporting bank (MCi_STATUS, MCi_ADDR, MCi_MISC), and the record the DCU
// bank holds when a load consumes poison. SystemC-free: the functional test memory logs the same record.
#pragma once

#include <array>
#include <cstdint>

namespace daxsim::models::mca {

[[nodiscard]] constexpr std::uint64_t bit(unsigned n) {
    return 1ull << n;
}

// IA32_MCG_STATUS (SDM 16.3.1.2).
namespace mcg_status {
inline constexpr std::uint64_t ripv = bit(0); // restart IP valid: the interrupted program can resume
inline constexpr std::uint64_t eipv =
    bit(1); // error IP valid: the saved IP points at the faulting instruction
inline constexpr std::uint64_t mcip = bit(2); // machine check in progress
} // namespace mcg_status

// IA32_MCi_STATUS (SDM 16.3.2.2).
namespace mci_status {
inline constexpr std::uint64_t val = bit(63);   // the bank holds a valid error
inline constexpr std::uint64_t over = bit(62);  // an error was logged while VAL was already set
inline constexpr std::uint64_t uc = bit(61);    // uncorrected error
inline constexpr std::uint64_t en = bit(60);    // reporting of this error was enabled in MCi_CTL
inline constexpr std::uint64_t miscv = bit(59); // MCi_MISC holds valid information
inline constexpr std::uint64_t addrv = bit(58); // MCi_ADDR holds the error address
inline constexpr std::uint64_t pcc = bit(57);   // processor context corrupt: not recoverable
inline constexpr std::uint64_t s = bit(56);     // signalled as #MC (software recoverable, with AR)
inline constexpr std::uint64_t ar = bit(55);    // action required before the faulting context may resume
inline constexpr unsigned mscod_shift = 16;     // MSCOD, bits 31:16: model-specific error code
inline constexpr std::uint64_t mscod_mask = 0xFFFFull << mscod_shift;
inline constexpr std::uint64_t mcacod_mask = 0xFFFFull; // MCACOD, bits 15:0: architectural error code

[[nodiscard]] constexpr std::uint16_t mcacod(std::uint64_t status) {
    return static_cast<std::uint16_t>(status & mcacod_mask);
}
[[nodiscard]] constexpr std::uint16_t mscod(std::uint64_t status) {
    return static_cast<std::uint16_t>((status & mscod_mask) >> mscod_shift);
}
} // namespace mci_status

// IA32_MCi_MISC (SDM 16.3.2.4) when MISCV is set.
namespace mci_misc {
inline constexpr std::uint64_t lsb_mask = 0x3F; // bits 5:0: least significant valid bit of MCi_ADDR
inline constexpr unsigned mode_shift = 6;       // bits 8:6: address mode
inline constexpr std::uint64_t mode_mask = 0x7ull << mode_shift;
inline constexpr std::uint64_t mode_physical = 2; // MCi_ADDR is a physical address

[[nodiscard]] constexpr std::uint64_t make(unsigned lsb, std::uint64_t mode) {
    return (lsb & lsb_mask) | ((mode << mode_shift) & mode_mask);
}
[[nodiscard]] constexpr unsigned lsb(std::uint64_t misc) {
    return static_cast<unsigned>(misc & lsb_mask);
}
[[nodiscard]] constexpr std::uint64_t mode(std::uint64_t misc) {
    return (misc & mode_mask) >> mode_shift;
}
} // namespace mci_misc

// Architectural MCACOD values (SDM 16.9, "Interpreting the MCA Error Codes").
namespace mcacod {
// Cache hierarchy error 0000 0001 RRRR TTLL: RRRR=0011 data read, TT=01 data, LL=00 level 0 (DCU):
// the load that consumed a poisoned line.
inline constexpr std::uint16_t dcu_data_read = 0x0134;
// Memory controller scrub errors 0000 0000 1100 CCCC (CCCC = channel): patrol scrub found poison.
inline constexpr std::uint16_t scrub_first = 0x00C0;
inline constexpr std::uint16_t scrub_last = 0x00CF;
// Memory controller write errors 0000 0000 1010 CCCC: a posted write the DIMM could not complete.
inline constexpr std::uint16_t memory_write_first = 0x00A0;
} // namespace mcacod

// The bank a load's data-cache unit reports through on Intel server cores.
inline constexpr unsigned dcu_bank = 1;
inline constexpr unsigned bank_count = 4;
// A poisoned cache line: the address LSB the DCU reports (64 B).
inline constexpr unsigned cache_line_lsb = 6;

struct McBank {
    std::uint64_t status = 0; // MCi_STATUS
    std::uint64_t addr = 0;   // MCi_ADDR
    std::uint64_t misc = 0;   // MCi_MISC
};

struct McaBanks {
    std::uint64_t mcg_status = 0;
    std::array<McBank, bank_count> banks{};

    // Logs `record` into bank `index`; sets OVER when the bank still held a valid error.
    void log(unsigned index, McBank record) {
        if (banks.at(index).status & mci_status::val) record.status |= mci_status::over;
        banks.at(index) = record;
    }
    // What the OS handler does after reading a bank (Linux mce_clear_state writes 0 to MCi_STATUS).
    void clear(unsigned index) { banks.at(index) = McBank{}; }
};

// SRAR data load (SDM 16.6.3, table 16-6 "MCA Error Codes for SRAR"): a load consumed poison at the
// 64 B line `line_addr`. The context is not corrupt (PCC=0) but must not resume at the faulting
// instruction without the OS unmapping the page first (see srar_mcg_status for RIPV/EIPV).
[[nodiscard]] constexpr McBank srar_data_load(std::uint64_t line_addr) {
    using namespace mci_status;
    return McBank{val | uc | en | miscv | addrv | s | ar | mcacod::dcu_data_read, line_addr,
                  mci_misc::make(cache_line_lsb, mci_misc::mode_physical)};
}
// MCG_STATUS for the consuming CPU of a data-load SRAR. The SDM (vol. 3B, "SRAR Error And Affected Logical
// Processors") allows RIPV=0/EIPV=1 (recoverable, not continuable) or RIPV=1/EIPV=1 (continuable); processors
// that recover kernel copies from poison (Skylake-SP and later, the Optane DC PMM hosts) report the
// continuable form, which is what Linux's mc_recoverable() requires for copy_mc recovery.
inline constexpr std::uint64_t srar_mcg_status = mcg_status::ripv | mcg_status::eipv | mcg_status::mcip;

} // namespace daxsim::models::mca
