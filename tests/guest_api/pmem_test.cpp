// drivers/nvdimm (pmem driver, namespaces, labels, badblocks) and drivers/dax/super.c holders.
#include "kernel_fixture.h"

#include <limits>
#include <vector>

#include "guest_api/block/blkdev.h"
#include "guest_api/drivers/dax/bus.h"
#include "guest_api/drivers/dax/dax.h"
#include "guest_api/mm/memory_failure.h"
#include "guest_api/mm/memremap.h"
#include "guest_api/mm/mm_subsystem.h"

using namespace daxsim::kernel;
using namespace daxsim::kernel::test;

namespace {

constexpr u64 MiB = 1ull << 20;

struct RecordingHolder final : dax_holder_operations {
    struct Call {
        u64 off;
        u64 len;
        int flags;
    };
    mutable std::vector<Call> calls;
    int rc = 0;
    int notify_failure(Kernel&, dax_device*, u64 offset, u64 len, int mf_flags) const override {
        calls.push_back({offset, len, mf_flags});
        return rc;
    }
};

} // namespace

TEST_CASE("pmem read over badblocks returns EIO and a write clears the poison") {
    Booted b;
    Kernel& k = b.k();
    const NamespaceInfo ns = make_ns(k, "fsdax");
    block_device& bdev = *k.dev_nodes().at("pmem0").bdev;
    std::vector<std::byte> data(512, std::byte{0xab});
    REQUIRE(blkdev_write(k, bdev, data, 8 * 512) == 512);

    REQUIRE(ndctl_inject_error(k, ns.dev, 8, 1) == 0);
    auto bb = ndctl_badblocks(k, ns.dev);
    REQUIRE(bb.size() == 1);
    CHECK(bb[0].offset == 8);
    CHECK(bb[0].length == 1);
    std::vector<std::byte> out(512);
    CHECK(blkdev_read(k, bdev, out, 8 * 512) == -EIO);
    // A partial-sector write needs the sector read first: it fails too.
    CHECK(blkdev_write(k, bdev, std::span<const std::byte>(data).first(100), 8 * 512) == -EIO);

    std::vector<std::byte> fresh(512, std::byte{0x11});
    CHECK(blkdev_write(k, bdev, fresh, 8 * 512) == 512);
    CHECK(ndctl_badblocks(k, ns.dev).empty());
    CHECK(blkdev_read(k, bdev, out, 8 * 512) == 512);
    CHECK(out == fresh);
}

TEST_CASE("dax_direct_access returns EHWPOISON over badblocks unless recovery write") {
    Booted b;
    Kernel& k = b.k();
    const NamespaceInfo ns = make_ns(k, "fsdax");
    dax_device* dax = k.dev_nodes().at("pmem0").bdev->dax_dev;
    u64 pfn = 0;
    CHECK(dax_direct_access(k, dax, 2, 4, dax_access_mode::DAX_ACCESS, &pfn) == 4);
    CHECK(pfn == PHYS_PFN(ns.spa_start) + 2);
    REQUIRE(ndctl_inject_error(k, ns.dev, 3 * 8, 1) == 0);
    CHECK(dax_direct_access(k, dax, 2, 4, dax_access_mode::DAX_ACCESS, &pfn) == -EHWPOISON);
    CHECK(dax_direct_access(k, dax, 2, 4, dax_access_mode::DAX_RECOVERY_WRITE, &pfn) == 1);
    CHECK(dax_direct_access(k, dax, dax->nr_pages, 1, dax_access_mode::DAX_ACCESS, &pfn) == -ERANGE);
}

TEST_CASE("dax_holder_notify_failure without holder returns EOPNOTSUPP") {
    Booted b;
    Kernel& k = b.k();
    make_ns(k, "fsdax");
    dax_device* dax = k.dev_nodes().at("pmem0").bdev->dax_dev;
    CHECK(dax_holder_notify_failure(k, dax, 0, 4096, MF_ACTION_REQUIRED) == -EOPNOTSUPP);
    kill_dax(k, dax);
    CHECK(dax_holder_notify_failure(k, dax, 0, 4096, MF_ACTION_REQUIRED) == -ENXIO);
}

TEST_CASE("a second holder cannot claim the dax device") {
    Booted b;
    Kernel& k = b.k();
    make_ns(k, "fsdax");
    block_device* bdev = k.dev_nodes().at("pmem0").bdev;
    RecordingHolder h;
    int first = 1, second = 0;
    u64 off = 1;
    CHECK(fs_dax_get_by_bdev(bdev, &off, &first, &h, nullptr) != nullptr);
    CHECK(off == 0);
    int err = 0;
    CHECK(fs_dax_get_by_bdev(bdev, &off, &second, &h, &err) == nullptr);
    CHECK(err == -EBUSY);
    CHECK(bd_claim(*bdev, &first) == 0);
    CHECK(bd_claim(*bdev, &second) == -EBUSY);
    fs_put_dax(bdev->dax_dev, &first);
    CHECK(fs_dax_get_by_bdev(bdev, &off, &second, &h, &err) != nullptr);
}

TEST_CASE("kill_dax sends MF_MEM_PRE_REMOVE to the holder") {
    Booted b;
    Kernel& k = b.k();
    make_ns(k, "fsdax");
    block_device* bdev = k.dev_nodes().at("pmem0").bdev;
    RecordingHolder h;
    int holder = 0;
    u64 off = 0;
    dax_device* dax = fs_dax_get_by_bdev(bdev, &off, &holder, &h);
    REQUIRE(dax != nullptr);
    CHECK(unbind_device(k, "pmem0") == 0);
    REQUIRE(h.calls.size() == 1);
    CHECK(h.calls[0].off == 0);
    CHECK(h.calls[0].len == std::numeric_limits<u64>::max());
    CHECK(h.calls[0].flags == MF_MEM_PRE_REMOVE);
    CHECK_FALSE(dax_alive(dax));
    CHECK(k.dev_nodes().count("pmem0") == 0);
    CHECK(unbind_device(k, "pmem0") == -ENODEV);
}

TEST_CASE("pmem pagemap memory_failure hands the device offset to the holder") {
    Booted b;
    Kernel& k = b.k();
    const NamespaceInfo ns = make_ns(k, "fsdax");
    block_device* bdev = k.dev_nodes().at("pmem0").bdev;
    RecordingHolder h;
    int holder = 0;
    u64 off = 0;
    REQUIRE(fs_dax_get_by_bdev(bdev, &off, &holder, &h) != nullptr);
    const u64 pfn = PHYS_PFN(ns.spa_start) + 3;
    CHECK(memory_failure(k, pfn, MF_ACTION_REQUIRED) == 0);
    REQUIRE(h.calls.size() == 1);
    CHECK(h.calls[0].off == 3 * PAGE_SIZE);
    CHECK(h.calls[0].len == PAGE_SIZE);
    CHECK(h.calls[0].flags == MF_ACTION_REQUIRED);
    CHECK(dmesg_exact(k, "Memory failure: " + hexs(pfn) + ": recovery action for dax page: Recovered"));
    CHECK(k.layer_times().totals().count("pmem") == 1);
    CHECK(k.layer_times().totals().count("dax_holder") == 1);
    // The memmap at the front of a map=dev namespace is not recoverable.
    const u64 memmap_pfn = PHYS_PFN(ns.spa_start) - 16;
    CHECK(memory_failure(k, memmap_pfn, 0) == -ENXIO);
    CHECK(dmesg_exact(k, "Memory failure: " + hexs(memmap_pfn) + ": recovery action for dax page: Failed"));
}

TEST_CASE("fsdax map=dev reserves struct page space at the front and map=mem does not") {
    Booted b(small_config(512 * MiB));
    Kernel& k = b.k();
    const NamespaceInfo dev = make_ns(k, "fsdax", 256 * MiB);
    const NamespaceInfo mem = make_ns(k, "fsdax", 256 * MiB, std::nullopt, "mem");
    // 64 B per 4 KiB page of 256 MiB = 4 MiB, plus the 8 KiB info block, rounded to 2 MiB.
    CHECK(dev.size == 250 * MiB);
    CHECK(mem.size == 254 * MiB);
    CHECK(dev.blockdev == "pmem0");
    CHECK(mem.blockdev == "pmem0.1");
    CHECK(mem.dev == "namespace0.1");
    CHECK(ndctl_list_regions(k).at(0).available_size == 0);
}

TEST_CASE("namespace create rejects a size that is not a multiple of the region alignment") {
    Booted b;
    Kernel& k = b.k();
    NamespaceSpec spec;
    spec.size = 20 * MiB;
    CHECK(ndctl_create_namespace(k, spec, nullptr) == -EINVAL);
    spec.size = 1024 * MiB;
    CHECK(ndctl_create_namespace(k, spec, nullptr) == -ENOSPC);
    spec.mode = "raw";
    spec.size = 16 * MiB;
    CHECK(ndctl_create_namespace(k, spec, nullptr) == -EINVAL);
}

TEST_CASE("namespaces survive reboot through labels") {
    Booted b;
    const NamespaceInfo fs = make_ns(b.k(), "fsdax", 64 * MiB);
    const NamespaceInfo dd = make_ns(b.k(), "devdax");
    b.reboot();
    Kernel& k = b.k();
    const auto list = ndctl_list_namespaces(k);
    REQUIRE(list.size() == 2);
    CHECK(list[0].dev == fs.dev);
    CHECK(list[0].uuid == fs.uuid);
    CHECK(list[0].size == fs.size);
    CHECK(list[0].mode == "fsdax");
    CHECK(list[1].dev == dd.dev);
    CHECK(list[1].mode == "devdax");
    CHECK(list[1].chardev == "dax0.1");
    CHECK(list[1].uuid == dd.uuid);
    CHECK(k.dev_nodes().count("pmem0") == 1);
    CHECK(k.dev_nodes().count("dax0.1") == 1);
    REQUIRE(ndctl_destroy_namespace(k, fs.dev) == 0);
    b.reboot();
    CHECK(ndctl_list_namespaces(b.k()).size() == 1);
}

TEST_CASE("address range scrub adds badblocks and queues memory_failure for new poison") {
    Booted b;
    Kernel& k = b.k();
    const NamespaceInfo ns = make_ns(k, "fsdax");
    REQUIRE(b.machine.firmware().inject_error(ns.spa_start + 5 * PAGE_SIZE, 256));
    CHECK(ndctl_start_scrub(k) == 0);
    CHECK(ndctl_badblocks(k, ns.dev).size() == 1);
    REQUIRE(k.mm().mf_queue().size() == 1);
    CHECK(k.mm().mf_queue().front().pfn == PHYS_PFN(ns.spa_start) + 5);
    memory_failure_work_func(k);
    CHECK(k.mm().mf_queue().empty());
    // No holder: the generic path finds no owner of an unmapped page.
    CHECK(dmesg_has(k, "recovery action for dax page: Failed"));
    CHECK(dev_offset_to_spa(k, "/dev/pmem0", 5 * PAGE_SIZE + 12) == ns.spa_start + 5 * PAGE_SIZE + 12);
    CHECK(ndctl_clear_errors(k, ns.dev) == 0);
    CHECK(ndctl_badblocks(k, ns.dev).empty());
}

TEST_CASE("sysctl and prctl set the kill policy") {
    Booted b;
    Kernel& k = b.k();
    CHECK(sysctl_write(k, "vm.memory_failure_early_kill", "1") == 0);
    CHECK(k.config().memory_failure_early_kill);
    CHECK(sysctl_write(k, "vm.nope", "1") == -ENOENT);
    CHECK(sysctl_write(k, "vm.memory_failure_early_kill", "2") == -EINVAL);
    task_struct* t = sys_spawn(k, "p");
    CHECK(t->cpu == static_cast<unsigned>(t->pid) % k.cpu_count());
    CHECK(sys_prctl(k, t, PR_MCE_KILL, PR_MCE_KILL_SET, PR_MCE_KILL_EARLY) == 0);
    CHECK(t->flags == (PF_MCE_PROCESS | PF_MCE_EARLY));
    CHECK(sys_prctl(k, t, PR_MCE_KILL, PR_MCE_KILL_SET, PR_MCE_KILL_DEFAULT) == 0);
    CHECK(t->flags == 0u);
    CHECK(sys_prctl(k, t, PR_MCE_KILL, PR_MCE_KILL_SET, 7) == -EINVAL);
    CHECK(find_task(k, "p") == t);
    do_exit(k, t, 0);
    CHECK(find_task(k, "p") == nullptr);
    CHECK(find_task_any(k, "p") == t);
}
