// arch/x86/kernel/cpu/mce: the Intel severity table and the #MC handler's decisions.
#include "kernel_fixture.h"

#include "guest_api/arch/copy_mc.h"
#include "guest_api/arch/mce.h"
#include "guest_api/mm/mm_subsystem.h"

using namespace daxsim::kernel;
using namespace daxsim::kernel::test;
using daxsim::platform::MachineCheck;

namespace {

MachineCheck record(u64 status, u64 mcg = MCG_STATUS_RIPV | MCG_STATUS_EIPV | MCG_STATUS_MCIP) {
    MachineCheck m;
    m.mci_status = MCI_STATUS_VAL | MCI_STATUS_EN | status;
    m.mcg_status = mcg;
    m.mci_addr = 0x40'0000'1040;
    m.mci_misc = 6 | (2u << 6);
    return m;
}

constexpr u64 SRAR_DATA = MCI_STATUS_UC | MCI_STATUS_S | MCI_STATUS_AR | MCI_STATUS_ADDRV | MCI_STATUS_MISCV | MCACOD_DATA;

} // namespace

TEST_CASE("mce severity grades UC EN S AR as SRAR") {
    const mce_grade user = mce_severity(record(SRAR_DATA), mce_origin::user, true);
    CHECK(user.sev == mce_sev::AR);
    CHECK(std::string(user.msg) == "Action required: data load error in a user process");
    const mce_grade kern = mce_severity(record(SRAR_DATA), mce_origin::kernel_recoverable, true);
    CHECK(kern.sev == mce_sev::AR);
    CHECK(kern.ctx == mce_context::IN_KERNEL_RECOV);
    CHECK(mce_severity(record(SRAR_DATA), mce_origin::kernel, true).sev == mce_sev::PANIC);
}

TEST_CASE("mce severity grades S without AR as action optional") {
    const u64 srao = MCI_STATUS_UC | MCI_STATUS_S | MCI_STATUS_ADDRV | MCI_STATUS_MISCV | MCACOD_SCRUB;
    const mce_grade g = mce_severity(record(srao), mce_origin::user, true);
    CHECK(g.sev == mce_sev::AO);
    CHECK(std::string(g.msg) == "Action optional: memory scrubbing error");
    const mce_grade unknown = mce_severity(record(MCI_STATUS_UC | MCI_STATUS_S | 0x0001), mce_origin::user, true);
    CHECK(unknown.sev == mce_sev::SOME);
}

TEST_CASE("mce severity grades UC without S as UCNA and PCC as panic") {
    CHECK(mce_severity(record(MCI_STATUS_UC | MCI_STATUS_ADDRV | MCI_STATUS_MISCV | 0x009f), mce_origin::kernel, false)
              .sev == mce_sev::UCNA);
    CHECK(mce_severity(record(MCI_STATUS_UC | MCI_STATUS_PCC), mce_origin::user, true).sev == mce_sev::PANIC);
    // Without a restart IP a kernel context cannot recover.
    CHECK(mce_severity(record(SRAR_DATA, MCG_STATUS_EIPV | MCG_STATUS_MCIP), mce_origin::kernel_recoverable, true).sev ==
          mce_sev::PANIC);
}

TEST_CASE("a user SRAR outside kernel-managed memory is not recovered and the task gets SIGBUS") {
    Booted b;
    Kernel& k = b.k();
    task_struct* t = sys_spawn(k, "victim");
    k.set_current(t);
    MachineCheck m = record(SRAR_DATA);
    m.mci_addr = 0x1000;   // DRAM: no struct page here
    CHECK(do_machine_check(k, m, mce_origin::user) == 0);
    CHECK(dmesg_exact(k, "mce: Uncorrected hardware memory error in user-access at 1000"));
    CHECK(dmesg_exact(k, "Memory failure: 0x1: memory outside kernel control"));
    CHECK(dmesg_exact(k, "mce: Memory error not recovered"));
    REQUIRE(t->signals.size() == 1);
    CHECK(t->signals[0].si_signo == SIGBUS);
    CHECK(t->signals[0].si_code != BUS_MCEERR_AR);
}

TEST_CASE("a scrub error reported by poll queues memory_failure without action required") {
    Booted b;
    Kernel& k = b.k();
    const NamespaceInfo ns = make_ns(k, "fsdax");
    MachineCheck m = record(MCI_STATUS_UC | MCI_STATUS_S | MCI_STATUS_ADDRV | MCI_STATUS_MISCV | MCACOD_SCRUB, 0);
    m.mci_addr = ns.spa_start + 0x3000;
    machine_check_poll(k, m);
    REQUIRE(k.mm().mf_queue().size() == 1);
    CHECK(k.mm().mf_queue().front().pfn == PHYS_PFN(ns.spa_start) + 3);
    CHECK(k.mm().mf_queue().front().flags == 0);
    CHECK(ndctl_badblocks(k, ns.dev).size() == 1);
}

TEST_CASE("copy_mc_to_kernel stops at poison and reports the bytes not copied") {
    Booted b;
    Kernel& k = b.k();
    const NamespaceInfo ns = make_ns(k, "fsdax");
    REQUIRE(b.machine.firmware().inject_error(ns.spa_start + 0x800, 256));
    std::array<std::byte, 4096> buf{};
    const std::size_t rem = copy_mc_to_kernel(k, buf, ns.spa_start);
    CHECK(rem == 4096 - 0x800);
    CHECK(dmesg_has(k, "Machine Check Exception"));
    // The hardware reports a continuable SRAR (RIPV|EIPV): the kernel recovers through the exception
    // fixup instead of panicking.
    CHECK_FALSE(k.mm().panicked());
    CHECK_FALSE(dmesg_has(k, "Kernel panic"));
}
