// device-mapper: dm-linear and dm-striped translation, table validation, exclusive use, and the two
// notify_failure designs (forward through the mapped device, upstream generic fallback).
#include "guest_api/kernel/errno.h"
#include "guest_api/mm/mm_types.h"

#include <doctest/doctest.h>

#include <limits>
#include <string>
#include <vector>

#include "guest_api/admin.h"
#include "guest_api/block/blkdev.h"
#include "guest_api/drivers/dax/dax.h"
#include "guest_api/drivers/md/dm.h"
#include "guest_api/fs/fs.h"
#include "guest_api/kernel/kernel.h"
#include "guest_api/mm/memory_failure.h"
#include "guest_api/mm/mm_types.h"
#include "guest_api/syscalls.h"
#include "models/tracer.h"
#include "platform/functional_memory.h"

#include "kernel_fixture.h"

using namespace daxsim;
using namespace daxsim::kernel;

namespace {

KernelConfig with_mode(DmNotifyFailure mode) {
    KernelConfig c;
    c.dm_notify_failure = mode;
    return c;
}

// Two 1.5 GiB fsdax namespaces, pmem0 and pmem0.1.
struct DmFixture {
    explicit DmFixture(DmNotifyFailure mode = DmNotifyFailure::forward)
        : machine(test::small_config(1ull << 30, 6)),
          k(with_mode(mode), machine.nfit(), machine.firmware(), machine.ports(), tracer) {
        REQUIRE(k.boot() == 0);
        NamespaceSpec spec;
        spec.size = 1536ull << 20; // a multiple of the 6-way region alignment
        REQUIRE(ndctl_create_namespace(k, spec, &ns0) == 0);
        REQUIRE(ndctl_create_namespace(k, spec, &ns1) == 0);
        REQUIRE(ns0.blockdev == "pmem0");
        REQUIRE(ns1.blockdev == "pmem0.1"); // a second namespace of region 0
        t = sys_spawn(k, "xfs_io");
    }

    static DmTargetSpec linear(u64 start, u64 len, const std::string& dev, u64 off) {
        return {start, len, "linear", {dev, std::to_string(off)}};
    }
    block_device& bdev(const std::string& node) { return *k.dev_nodes().at(node).bdev; }
    // SPA of page `pgoff` of a device's dax_device, and how many pages follow contiguously.
    long spa_of(const std::string& node, pgoff_t pgoff, long nr, u64* spa) {
        u64 pfn = 0;
        const long n = dax_direct_access(k, bdev(node).dax_dev, pgoff, nr, dax_access_mode::DAX_ACCESS, &pfn);
        *spa = PFN_PHYS(pfn);
        return n;
    }
    bool dmesg_has(const std::string& text) {
        for (const auto& l : k.dmesg().lines())
            if (l.text == text) return true;
        return false;
    }
    bool dmesg_contains(const std::string& part) {
        for (const auto& l : k.dmesg().lines())
            if (l.text.find(part) != std::string::npos) return true;
        return false;
    }

    NullTracer tracer;
    platform::FunctionalMachine machine;
    Kernel k;
    NamespaceInfo ns0, ns1;
    task_struct* t = nullptr;
};

// A holder that records what reaches it, standing in for a file system on top.
struct RecordingHolder final : dax_holder_operations {
    struct Call {
        u64 offset, len;
        int flags;
    };
    mutable std::vector<Call> calls;
    int notify_failure(Kernel&, dax_device*, u64 offset, u64 len, int mf_flags) const override {
        calls.push_back({offset, len, mf_flags});
        return 0;
    }
};

// XFS on /dev/mapper/NAME with a file a (two pages written) reflinked to b; two early-kill tasks map
// one file each and touch the shared pages.
struct ReflinkedOnDm {
    ReflinkedOnDm(DmFixture& f, const std::string& dev) : f(f) {
        REQUIRE(mkfs_xfs(f.k, dev, MkfsOptions{}) == 0);
        REQUIRE(do_mount(f.k, dev, "/mnt/dm", "dax") == 0);
        const int a = sys_open(f.k, f.t, "/mnt/dm/a", O_RDWR | O_CREAT);
        const int b = sys_open(f.k, f.t, "/mnt/dm/b", O_RDWR | O_CREAT);
        REQUIRE(a >= 0);
        REQUIRE(b >= 0);
        const std::vector<std::byte> data(8192, std::byte{0x5a});
        REQUIRE(sys_pwrite(f.k, f.t, a, data, 0) == 8192);
        REQUIRE(sys_ioctl_ficlonerange(f.k, f.t, b, a, 0, 0, 0) == 0);
        std::vector<fiemap_extent> ext;
        REQUIRE(sys_ioctl_fiemap(f.k, f.t, a, &ext) == 0);
        REQUIRE_FALSE(ext.empty());
        phys = ext[0].fe_physical;
        p1 = sys_spawn(f.k, "p1");
        p2 = sys_spawn(f.k, "p2");
        REQUIRE(sys_prctl(f.k, p1, PR_MCE_KILL, PR_MCE_KILL_SET, PR_MCE_KILL_EARLY) == 0);
        REQUIRE(sys_prctl(f.k, p2, PR_MCE_KILL, PR_MCE_KILL_SET, PR_MCE_KILL_EARLY) == 0);
        const int fd1 = sys_open(f.k, p1, "/mnt/dm/a", O_RDWR);
        const int fd2 = sys_open(f.k, p2, "/mnt/dm/b", O_RDWR);
        m1 = sys_mmap(f.k, p1, 8192, PROT_READ, MAP_SHARED, fd1, 0);
        m2 = sys_mmap(f.k, p2, 8192, PROT_READ, MAP_SHARED, fd2, 0);
        REQUIRE(m1 > 0);
        REQUIRE(m2 > 0);
        std::vector<std::byte> one(1);
        for (const u64 page : {u64{0}, u64{4096}}) {
            REQUIRE(user_load(f.k, p1, static_cast<u64>(m1) + page, one) == 0);
            REQUIRE(user_load(f.k, p2, static_cast<u64>(m2) + page, one) == 0);
        }
    }
    // Poison the file's first page on the media and run memory_failure from a third task.
    int poison(u64 spa) {
        REQUIRE(f.machine.firmware().inject_error(spa, 256));
        f.k.set_current(f.t);
        return memory_failure(f.k, PHYS_PFN(spa), MF_ACTION_REQUIRED);
    }

    DmFixture& f;
    u64 phys = 0; // byte offset of a's first block in the dm device
    task_struct* p1 = nullptr;
    task_struct* p2 = nullptr;
    long m1 = 0, m2 = 0;
};

} // namespace

TEST_CASE("dm-linear direct_access adds the target offset and stops at the target end") {
    DmFixture f;
    // 1 MiB of pmem0 from 4 MiB, then 1 MiB of pmem0.1 from 0.
    REQUIRE(dmsetup_create(f.k, "lin",
                           {DmFixture::linear(0, 2048, "/dev/pmem0", 8192),
                            DmFixture::linear(2048, 2048, "/dev/pmem0.1", 0)}) == 0);
    REQUIRE(f.k.dev_nodes().contains("dm-0"));
    REQUIRE(f.k.dev_nodes().at("mapper/lin").bdev == &f.bdev("dm-0"));
    CHECK(f.bdev("dm-0").nr_sectors == 4096);
    u64 spa = 0;
    CHECK(f.spa_of("dm-0", 5, 1, &spa) == 1);
    CHECK(spa == f.ns0.spa_start + (4ull << 20) + 5 * 4096);
    CHECK(f.spa_of("dm-0", 250, 16, &spa) == 6); // pages 250..255 are the first target's last
    CHECK(spa == f.ns0.spa_start + (4ull << 20) + 250 * 4096);
    CHECK(f.spa_of("dm-0", 256, 4, &spa) == 4);
    CHECK(spa == f.ns1.spa_start);
    CHECK(dax_direct_access(f.k, f.bdev("dm-0").dax_dev, 512, 1, dax_access_mode::DAX_ACCESS, &spa) ==
          -ERANGE);
    CHECK(dev_offset_to_spa(f.k, "/dev/mapper/lin", 0x1000 + 7) == f.ns0.spa_start + (4ull << 20) + 0x1007);
    CHECK(dev_offset_to_spa(f.k, "/dev/dm-0", (1ull << 20) + 0x2000) == f.ns1.spa_start + 0x2000);
}

TEST_CASE("dm-striped direct_access goes round robin by chunk and stops at the chunk end") {
    DmFixture f;
    // Two stripes of 8 KiB chunks: pages 0-1 on pmem0, 2-3 on pmem0.1 (from 64 KiB), 4-5 on pmem0 ...
    REQUIRE(dmsetup_create(f.k, "st",
                           {{0, 4096, "striped", {"2", "16", "/dev/pmem0", "0", "/dev/pmem0.1", "128"}}}) ==
            0);
    u64 spa = 0;
    CHECK(f.spa_of("dm-0", 0, 10, &spa) == 2);
    CHECK(spa == f.ns0.spa_start);
    CHECK(f.spa_of("dm-0", 3, 10, &spa) == 1);
    CHECK(spa == f.ns1.spa_start + 0x10000 + 0x1000);
    CHECK(f.spa_of("dm-0", 4, 1, &spa) == 1);
    CHECK(spa == f.ns0.spa_start + 0x2000);
    CHECK(f.spa_of("dm-0", 7, 1, &spa) == 1);
    CHECK(spa == f.ns1.spa_start + 0x10000 + 0x3000);
    // Block I/O takes the same route.
    const std::vector<std::byte> data(16384, std::byte{0x77});
    CHECK(blkdev_write(f.k, f.bdev("dm-0"), data, 0) == 16384);
    std::vector<std::byte> back(4096);
    CHECK(blkdev_read(f.k, f.bdev("pmem0.1"), back, 0x10000 + 0x1000) == 4096);
    CHECK(back[0] == std::byte{0x77});
}

TEST_CASE("table validation rejects gaps and bad sizes and stripe rules with EINVAL") {
    DmFixture f;
    CHECK(dmsetup_create(f.k, "gap", {DmFixture::linear(8, 2048, "/dev/pmem0", 0)}) == -EINVAL);
    CHECK(f.dmesg_has("device-mapper: table: 253:0: linear: Gap in table (-EINVAL)"));
    CHECK(f.dmesg_has("device-mapper: ioctl: error adding target to table"));
    const u64 pmem0_sectors = f.bdev("pmem0").nr_sectors;
    CHECK(dmsetup_create(f.k, "big", {DmFixture::linear(0, 2048, "/dev/pmem0", pmem0_sectors - 1024)}) ==
          -EINVAL);
    CHECK(f.dmesg_contains("pmem0 too small for target: start="));
    CHECK(dmsetup_create(f.k, "nodev", {DmFixture::linear(0, 2048, "/dev/pmem7", 0)}) == -ENODEV);
    CHECK(dmsetup_create(f.k, "chunk",
                         {{0, 4096, "striped", {"2", "12", "/dev/pmem0", "0", "/dev/pmem0.1", "0"}}}) ==
          -EINVAL);
    CHECK(dmsetup_create(f.k, "odd",
                         {{0, 4104, "striped", {"2", "16", "/dev/pmem0", "0", "/dev/pmem0.1", "0"}}}) ==
          -EINVAL);
    CHECK(f.dmesg_has(
        "device-mapper: table: 253:0: striped: Target length not divisible by chunk size (-EINVAL)"));
    CHECK(dmsetup_create(f.k, "few",
                         {{0, 4096, "striped", {"3", "16", "/dev/pmem0", "0", "/dev/pmem0.1", "0"}}}) ==
          -EINVAL);
    // Nothing was left behind: the devices are free and no node appeared.
    CHECK(f.bdev("pmem0").bd_holder == nullptr);
    CHECK(f.bdev("pmem0.1").bd_holder == nullptr);
    CHECK_FALSE(f.k.dev_nodes().contains("dm-0"));
    CHECK(dmsetup_create(f.k, "ok", {DmFixture::linear(0, 2048, "/dev/pmem0", 0)}) == 0);
    CHECK(dmsetup_create(f.k, "ok", {DmFixture::linear(0, 2048, "/dev/pmem0.1", 0)}) == -EBUSY);
    CHECK(dmsetup_remove(f.k, "missing") == -ENXIO);
}

TEST_CASE("a mounted device or a device already in a table is busy and remove releases it") {
    DmFixture f;
    REQUIRE(mkfs_xfs(f.k, "/dev/pmem0", MkfsOptions{}) == 0);
    REQUIRE(do_mount(f.k, "/dev/pmem0", "/mnt/pmem", "dax") == 0);
    CHECK(dmsetup_create(f.k, "a", {DmFixture::linear(0, 2048, "/dev/pmem0", 0)}) == -EBUSY);
    CHECK(f.dmesg_has("device-mapper: table: 253:0: linear: Device lookup failed (-EBUSY)"));
    REQUIRE(dmsetup_create(f.k, "a", {DmFixture::linear(0, 2097152, "/dev/pmem0.1", 2048)}) == 0);
    CHECK(dmsetup_create(f.k, "b", {DmFixture::linear(0, 2048, "/dev/pmem0.1", 0)}) == -EBUSY);
    REQUIRE(mkfs_xfs(f.k, "/dev/mapper/a", MkfsOptions{}) == 0);
    REQUIRE(do_mount(f.k, "/dev/mapper/a", "/mnt/dm", "dax") == 0);
    CHECK(dmsetup_remove(f.k, "a") == -EBUSY);
    REQUIRE(do_umount(f.k, "/mnt/dm") == 0);
    // A mapped device used by another table is busy too.
    REQUIRE(dmsetup_create(f.k, "top", {DmFixture::linear(0, 2048, "/dev/mapper/a", 0)}) == 0);
    CHECK(dmsetup_remove(f.k, "a") == -EBUSY);
    CHECK(dmsetup_remove(f.k, "top") == 0);
    CHECK(dmsetup_remove(f.k, "a") == 0);
    CHECK_FALSE(f.k.dev_nodes().contains("mapper/a"));
    CHECK(f.bdev("pmem0.1").bd_holder == nullptr);
    CHECK(f.bdev("pmem0.1").dax_dev->holder_data == nullptr);
    CHECK(dmsetup_create(f.k, "b", {DmFixture::linear(0, 2048, "/dev/pmem0.1", 0)}) == 0);
    CHECK(f.bdev("mapper/b").name == "dm-0"); // the lowest free minor again
}

TEST_CASE("forward mode delivers poison under dm-linear to XFS at the dm offset and signals both reflinked "
          "owners") {
    DmFixture f(DmNotifyFailure::forward);
    constexpr u64 off = 65536; // 32 MiB into pmem0
    REQUIRE(dmsetup_create(f.k, "lin", {DmFixture::linear(0, 2097152, "/dev/pmem0", off)}) == 0);
    CHECK(f.bdev("pmem0").dax_dev->holder_data == f.k.dm().find("lin"));
    ReflinkedOnDm r(f, "/dev/mapper/lin");
    const auto spa = file_offset_to_spa(f.k, "/mnt/dm/a", 4096);
    REQUIRE(spa.has_value());
    // The file's second page: XFS must get the dm offset of exactly that block back.
    CHECK(*spa == f.ns0.spa_start + off * 512 + r.phys + 4096);
    CHECK(dev_offset_to_spa(f.k, "/dev/mapper/lin", r.phys + 4096) == *spa);
    CHECK(r.poison(*spa) == 0);
    REQUIRE(r.p1->signals.size() == 1);
    REQUIRE(r.p2->signals.size() == 1);
    CHECK(r.p1->signals[0].si_code == BUS_MCEERR_AO);
    CHECK(r.p2->signals[0].si_code == BUS_MCEERR_AO);
    CHECK(r.p1->signals[0].si_addr == static_cast<u64>(r.m1) + 4096);
    CHECK(r.p2->signals[0].si_addr == static_cast<u64>(r.m2) + 4096);
    CHECK(f.k.layer_times().totals().contains("dm"));
    CHECK(f.k.layer_times().totals().contains("xfs_rmap"));
    CHECK_FALSE(fs_is_shutdown(f.k, "/mnt/dm"));
}

TEST_CASE("upstream mode leaves the pmem dax device without holder and falls back to the generic path") {
    DmFixture f(DmNotifyFailure::upstream);
    constexpr u64 off = 65536;
    REQUIRE(dmsetup_create(f.k, "lin", {DmFixture::linear(0, 2097152, "/dev/pmem0", off)}) == 0);
    CHECK(f.bdev("pmem0").dax_dev->holder_data == nullptr);
    ReflinkedOnDm r(f, "/dev/mapper/lin");
    CHECK(f.bdev("dm-0").dax_dev->holder_data != nullptr); // XFS still holds the dm device
    const auto spa = file_offset_to_spa(f.k, "/mnt/dm/a", 0);
    REQUIRE(spa.has_value());
    CHECK(*spa == f.ns0.spa_start + off * 512 + r.phys);
    CHECK(r.poison(*spa) == 0);
    // page->mapping names one file only, a (p1 faulted the shared page first): p2 hears nothing.
    REQUIRE(r.p1->signals.size() == 1);
    CHECK(r.p1->signals[0].si_code == BUS_MCEERR_AO);
    CHECK(r.p2->signals.empty());
    CHECK_FALSE(f.k.layer_times().totals().contains("dm"));
    CHECK_FALSE(f.k.layer_times().totals().contains("xfs_rmap"));
    CHECK(f.dmesg_contains(": recovery action for dax page: Recovered"));
}

TEST_CASE("nested dm forwards twice and striped dm inverts the chunk mapping") {
    DmFixture f(DmNotifyFailure::forward);
    REQUIRE(dmsetup_create(f.k, "low", {DmFixture::linear(0, 65536, "/dev/pmem0", 2048)}) == 0);
    REQUIRE(dmsetup_create(f.k, "top", {DmFixture::linear(0, 8192, "/dev/mapper/low", 1024)}) == 0);
    RecordingHolder rec;
    u64 part = 0;
    REQUIRE(fs_dax_get_by_bdev(&f.bdev("mapper/top"), &part, &rec, &rec) != nullptr);
    // Byte 0x3000 of top is byte 0x3000 + 512 KiB of low and 0x3000 + 1.5 MiB of pmem0.
    CHECK(dax_holder_notify_failure(f.k, f.bdev("pmem0").dax_dev, (3072ull << 9) + 0x3000, 4096, 0) == 0);
    REQUIRE(rec.calls.size() == 1);
    CHECK(rec.calls[0].offset == 0x3000);
    CHECK(rec.calls[0].len == 4096);
    // Outside what top maps: low's holder (top) finds no target.
    CHECK(dax_holder_notify_failure(f.k, f.bdev("pmem0").dax_dev, 0, 4096, 0) == -ENXIO);
    CHECK(rec.calls.size() == 1);
}

TEST_CASE("striped dm forwards a failure in the second stripe to the chunk it came from") {
    DmFixture f(DmNotifyFailure::forward);
    REQUIRE(dmsetup_create(f.k, "st",
                           {{0, 4096, "striped", {"2", "16", "/dev/pmem0", "0", "/dev/pmem0.1", "128"}}}) ==
            0);
    RecordingHolder rec;
    u64 part = 0;
    REQUIRE(fs_dax_get_by_bdev(&f.bdev("mapper/st"), &part, &rec, &rec) != nullptr);
    // pmem0.1 bytes [64 KiB + 8 KiB + 4 KiB, +8 KiB): device chunk 1 (second half) and chunk 2 (first
    // half), which are chunks 3 and 5 of the target: two runs.
    CHECK(dax_holder_notify_failure(f.k, f.bdev("pmem0.1").dax_dev, 0x10000 + 0x3000, 0x2000, 0) == 0);
    REQUIRE(rec.calls.size() == 2);
    CHECK(rec.calls[0].offset == 3 * 0x2000 + 0x1000);
    CHECK(rec.calls[0].len == 0x1000);
    CHECK(rec.calls[1].offset == 5 * 0x2000);
    CHECK(rec.calls[1].len == 0x1000);
    // The address check: what direct_access says about that dm offset is the pmem0.1 page.
    u64 spa = 0;
    CHECK(f.spa_of("dm-0", (3 * 0x2000 + 0x1000) / 4096, 1, &spa) == 1);
    CHECK(spa == f.ns1.spa_start + 0x10000 + 0x3000);
}

TEST_CASE("unbinding the pmem under dm forwards MF_MEM_PRE_REMOVE and shuts XFS down") {
    DmFixture f(DmNotifyFailure::forward);
    REQUIRE(dmsetup_create(f.k, "lin", {DmFixture::linear(0, 2097152, "/dev/pmem0", 8)}) == 0);
    REQUIRE(dmsetup_create(f.k, "top", {DmFixture::linear(0, 2097152 - 8, "/dev/mapper/lin", 0)}) == 0);
    REQUIRE(mkfs_xfs(f.k, "/dev/mapper/top", MkfsOptions{}) == 0);
    REQUIRE(do_mount(f.k, "/dev/mapper/top", "/mnt/dm", "dax") == 0);
    CHECK(unbind_device(f.k, "pmem0") == 0);
    CHECK(f.dmesg_contains("Device is about to be removed!"));
    CHECK(fs_is_shutdown(f.k, "/mnt/dm"));
}
