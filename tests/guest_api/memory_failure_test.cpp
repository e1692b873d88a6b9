// mm/memory-failure.c paths over device-dax and a small file holder: generic fallback, SRAR
// consumption, early and late kill, MADV_HWPOISON, mf_dax_kill_procs, recovery disabled.
#include "kernel_fixture.h"

#include <fmt/format.h>
#include <limits>

#include "guest_api/mm/memory_failure.h"
#include "guest_api/mm/memremap.h"
#include "guest_api/mm/mm_subsystem.h"
#include "guest_api/mm/signal.h"

using namespace daxsim::kernel;
using namespace daxsim::kernel::test;

namespace {

constexpr u64 MiB = 1ull << 20;

struct DevDaxTask {
    task_struct* t;
    u64 addr;
};

DevDaxTask map_devdax(Kernel& k, const std::string& comm, u64 len = 4 * MiB) {
    task_struct* t = sys_spawn(k, comm);
    const int fd = open_dev(k, t, "dax0.0");
    const long addr = sys_mmap(k, t, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    REQUIRE(addr > 0);
    return {t, static_cast<u64>(addr)};
}

void touch(Kernel& k, task_struct* t, u64 addr) {
    std::byte b{0x5a};
    REQUIRE(user_store(k, t, addr, std::span<const std::byte>(&b, 1)) == 0);
}

u64 pfn_at(task_struct* t, u64 addr) {
    u64 base = 0;
    const pte_t* pte = t->mm->lookup(addr, &base);
    REQUIRE(pte != nullptr);
    return pte->pfn + ((addr - base) >> PAGE_SHIFT);
}

} // namespace

TEST_CASE("memory_failure on a devdax page falls back to mf_generic_kill_procs and signals BUS_MCEERR_AR with lsb 21") {
    Booted b;
    Kernel& k = b.k();
    make_ns(k, "devdax");
    auto [t, addr] = map_devdax(k, "app");
    touch(k, t, addr + 0x3000);
    const pte_t* pte = t->mm->lookup(addr);
    REQUIRE(pte != nullptr);
    CHECK(pte->shift == PMD_SHIFT);
    const u64 pfn = pfn_at(t, addr + 0x3000);

    k.set_current(t);
    CHECK(memory_failure(k, pfn, MF_ACTION_REQUIRED) == 0);
    REQUIRE(t->signals.size() == 1);
    CHECK(t->signals[0].si_signo == SIGBUS);
    CHECK(t->signals[0].si_code == BUS_MCEERR_AR);
    CHECK(t->signals[0].si_addr_lsb == 21);
    CHECK(t->signals[0].si_addr == addr);  // the head of the 2 MiB compound page
    CHECK(dmesg_exact(k, "Memory failure: " + hexs(pfn) + ": Sending SIGBUS to app:" + std::to_string(t->pid) +
                             " due to hardware memory corruption"));
    CHECK(dmesg_exact(k, "Memory failure: " + hexs(pfn) + ": recovery action for dax page: Recovered"));
    // The 2 MiB mapping is gone; the head page carries PG_hwpoison.
    CHECK(t->mm->lookup(addr) == nullptr);
    CHECK(PageHWPoison(compound_head(k, pfn_to_page(k, pfn))));
    CHECK(k.stats().mf_events.value == 1);
    CHECK(k.stats().mf_signals.value == 1);
    CHECK(k.mm().mf_stats().recovered.value == 1);
    exit_signalled_tasks(k);
    CHECK(t->exited);
    CHECK(t->killed_by == SIGBUS);
}

TEST_CASE("consuming poison through a devdax mapping raises SRAR and kills the task with BUS_MCEERR_AR") {
    Booted b;
    Kernel& k = b.k();
    const NamespaceInfo ns = make_ns(k, "devdax");
    auto [t, addr] = map_devdax(k, "reader");
    touch(k, t, addr);
    REQUIRE(b.machine.firmware().inject_error(ns.spa_start + 0x5000, 256));

    std::array<std::byte, 64> buf{};
    CHECK(user_load(k, t, addr + 0x5000, buf) == -EFAULT);
    REQUIRE(t->signals.size() == 1);
    CHECK(t->signals[0].si_code == BUS_MCEERR_AR);
    CHECK(t->signals[0].si_addr_lsb == 21);
    CHECK(t->exited);
    CHECK(dmesg_exact(k, "mce: Uncorrected hardware memory error in user-access at " +
                             fmt::format("{:x}", ns.spa_start + 0x5000)));
    CHECK(dmesg_has(k, "recovery action for dax page: Recovered"));
    // The NFIT notifier recorded the consumed line.
    const auto bb = ndctl_badblocks(k, ns.dev);
    REQUIRE(bb.size() == 1);
    CHECK(bb[0].offset == 0x5000 / 512);
    CHECK(k.stats().mf_latency_ns.value > 0);
    for (const char* layer : {"hardware", "mce", "memory_failure", "signal"})
        CHECK(k.layer_times().totals().count(layer) == 1);
}

TEST_CASE("a task whose VMA covers the page without a PTE gets no signal and its later access gets SIGBUS") {
    Booted b;
    Kernel& k = b.k();
    const NamespaceInfo ns = make_ns(k, "devdax");
    auto consumer = map_devdax(k, "consumer");
    auto late = map_devdax(k, "late");
    touch(k, consumer.t, consumer.addr);
    REQUIRE(b.machine.firmware().inject_error(ns.spa_start + 0x1000, 256));

    std::array<std::byte, 8> buf{};
    CHECK(user_load(k, consumer.t, consumer.addr + 0x1000, buf) == -EFAULT);
    CHECK(consumer.t->killed_by == SIGBUS);
    CHECK(late.t->signals.empty());

    CHECK(user_load(k, late.t, late.addr + 0x1000, buf) == -EFAULT);
    REQUIRE(late.t->signals.size() == 1);
    CHECK(late.t->signals[0].si_signo == SIGBUS);
    CHECK(late.t->signals[0].si_code == BUS_MCEERR_AR);
    CHECK(late.t->killed_by == SIGBUS);
}

TEST_CASE("early-kill task gets BUS_MCEERR_AO") {
    Booted b;
    Kernel& k = b.k();
    const NamespaceInfo ns = make_ns(k, "devdax");
    auto consumer = map_devdax(k, "consumer");
    auto watcher = map_devdax(k, "watcher");
    auto lazy = map_devdax(k, "lazy");
    REQUIRE(sys_prctl(k, watcher.t, PR_MCE_KILL, PR_MCE_KILL_SET, PR_MCE_KILL_EARLY) == 0);
    touch(k, consumer.t, consumer.addr);
    touch(k, watcher.t, watcher.addr);
    touch(k, lazy.t, lazy.addr);
    REQUIRE(b.machine.firmware().inject_error(ns.spa_start + 0x2000, 256));

    std::array<std::byte, 8> buf{};
    CHECK(user_load(k, consumer.t, consumer.addr + 0x2000, buf) == -EFAULT);
    REQUIRE(watcher.t->signals.size() == 1);
    CHECK(watcher.t->signals[0].si_code == BUS_MCEERR_AO);
    CHECK(watcher.t->signals[0].si_addr_lsb == 21);
    CHECK(watcher.t->signals[0].si_addr == watcher.addr);
    CHECK(consumer.t->signals.at(0).si_code == BUS_MCEERR_AR);
    CHECK(lazy.t->signals.empty());   // late kill (the default): learns at its next access
    CHECK(k.stats().mf_signals.value == 2);
}

TEST_CASE("memory_failure on a pfn no driver mapped reports memory outside kernel control") {
    Booted b;
    Kernel& k = b.k();
    CHECK(memory_failure(k, 0x1234, 0) == -ENXIO);
    CHECK(dmesg_exact(k, "Memory failure: 0x1234: memory outside kernel control"));
    CHECK(k.stats().mf_events.value == 0);
}

TEST_CASE("MADV_HWPOISON signals the caller with BUS_MCEERR_AR") {
    Booted b;
    Kernel& k = b.k();
    make_ns(k, "devdax");
    auto [t, addr] = map_devdax(k, "inject");
    // The page is faulted in by madvise itself (get_user_pages).
    CHECK(sys_madvise(k, t, addr + 0x4000, 4096, MADV_HWPOISON) == 0);
    const std::string line_re = "^Injecting memory failure for pfn 0x[0-9a-f]+ at process virtual address " + hexs(addr + 0x4000) + "$";
    CHECK(dmesg_has(k, line_re));
    REQUIRE(t->signals.size() == 1);
    CHECK(t->signals[0].si_code == BUS_MCEERR_AR);
    CHECK(t->signals[0].si_addr_lsb == 21);
    CHECK(t->exited);
    CHECK(t->killed_by == SIGBUS);
}

TEST_CASE("devdax at 4K alignment maps with PTEs and reports lsb 12") {
    Booted b;
    Kernel& k = b.k();
    make_ns(k, "devdax", std::nullopt, 4096);
    auto [t, addr] = map_devdax(k, "small", 64 * 1024);
    touch(k, t, addr + 0x2000);
    const pte_t* pte = t->mm->lookup(addr + 0x2000);
    REQUIRE(pte != nullptr);
    CHECK(pte->shift == PAGE_SHIFT);
    k.set_current(t);
    CHECK(memory_failure(k, pfn_at(t, addr + 0x2000), MF_ACTION_REQUIRED) == 0);
    REQUIRE(t->signals.size() == 1);
    CHECK(t->signals[0].si_addr_lsb == 12);
    CHECK(t->signals[0].si_addr == addr + 0x2000);
}

TEST_CASE("memory_failure on a devdax page nobody mapped fails with EBUSY") {
    Booted b;
    Kernel& k = b.k();
    const NamespaceInfo ns = make_ns(k, "devdax");
    const u64 pfn = PHYS_PFN(ns.spa_start) + 7;
    CHECK(memory_failure(k, pfn, 0) == -EBUSY);
    CHECK(dmesg_exact(k, "Memory failure: " + hexs(pfn) + ": recovery action for dax page: Failed"));
    CHECK(k.mm().mf_stats().failed.value == 1);
}

TEST_CASE("vm.memory_failure_recovery 0 panics on memory failure") {
    Booted b;
    Kernel& k = b.k();
    REQUIRE(sysctl_write(k, "vm.memory_failure_recovery", "0") == 0);
    CHECK(memory_failure(k, 0x4000abc, 0) == -EFAULT);
    CHECK(dmesg_exact(k, "Kernel panic - not syncing: Memory failure on page 4000abc"));
    CHECK(k.mm().panicked());
}

namespace {

// A DAX "file" whose pages are fixed pfns: the shape a file system's fault handler has.
struct FixedPfnOps final : vm_operations_struct {
    u64 base_pfn = 0;
    vm_fault_t fault(vm_fault& vmf) const override {
        vmf.pfn = base_pfn + vmf.pgoff;
        vmf.pfn_set = true;
        return VM_FAULT_NOPAGE;
    }
};

struct FixedPfnFops final : file_operations {
    const FixedPfnOps* ops = nullptr;
    ssize_t read(Kernel&, file&, std::span<std::byte>, loff_t) const override { return -EINVAL; }
    ssize_t write(Kernel&, file&, std::span<const std::byte>, loff_t) const override { return -EINVAL; }
    int mmap(Kernel&, file&, vm_area_struct& vma) const override {
        vma.vm_ops = ops;
        return 0;
    }
};

} // namespace

TEST_CASE("mf_dax_kill_procs signals the current task with lsb 12 and leaves late-kill tasks unmapped") {
    Booted b;
    Kernel& k = b.k();
    const NamespaceInfo ns = make_ns(k, "fsdax");
    FixedPfnOps vm_ops;
    vm_ops.base_pfn = PHYS_PFN(ns.spa_start);
    FixedPfnFops fops;
    fops.ops = &vm_ops;
    auto ino = std::make_shared<inode>();
    ino->dax = true;
    auto open_file = [&](task_struct* t) {
        auto f = std::make_shared<file>();
        f->f_inode = ino;
        f->f_mapping = ino->i_mapping;
        f->f_op = &fops;
        f->f_flags = O_RDWR;
        t->files[10] = f;
        const long a = sys_mmap(k, t, 64 * 1024, PROT_READ | PROT_WRITE, MAP_SHARED, 10, 0);
        REQUIRE(a > 0);
        return static_cast<u64>(a);
    };
    task_struct* cur = sys_spawn(k, "cur");
    task_struct* other = sys_spawn(k, "other");
    const u64 a1 = open_file(cur);
    const u64 a2 = open_file(other);
    touch(k, cur, a1 + 3 * PAGE_SIZE);
    touch(k, other, a2 + 3 * PAGE_SIZE);

    k.set_current(cur);
    CHECK(mf_dax_kill_procs(k, ino->i_mapping, 3, 1, 0) == 0);
    REQUIRE(cur->signals.size() == 1);
    CHECK(cur->signals[0].si_code == BUS_MCEERR_AR);
    CHECK(cur->signals[0].si_addr_lsb == 12);
    CHECK(cur->signals[0].si_addr == a1 + 3 * PAGE_SIZE);
    CHECK(other->signals.empty());
    CHECK(other->mm->lookup(a2 + 3 * PAGE_SIZE) == nullptr);
    CHECK(PageHWPoison(pfn_to_page(k, vm_ops.base_pfn + 3)));

    // MF_MEM_PRE_REMOVE reaches every mapper, and does not mark the page.
    touch(k, other, a2 + 5 * PAGE_SIZE);
    k.set_current(nullptr);
    CHECK(mf_dax_kill_procs(k, ino->i_mapping, 5, 1, MF_MEM_PRE_REMOVE) == 0);
    REQUIRE(other->signals.size() == 1);
    CHECK(other->signals[0].si_code == BUS_MCEERR_AO);
    CHECK_FALSE(PageHWPoison(pfn_to_page(k, vm_ops.base_pfn + 5)));
}
