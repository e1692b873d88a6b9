#include "guest_api/kernel/errno.h"

#include "guest_api/block/blkdev.h"
#include "guest_api/drivers/dax/dax.h"
#include "guest_api/fs/vfs.h"
#include "guest_api/fs/xfs/xfs_check.h"
#include "guest_api/fs/xfs/xfs_mkfs.h"
#include "guest_api/fs/xfs/xfs_mount.h"
#include "guest_api/mm/memory_failure.h"
#include "tests/guest_api/xfs_fixture.h"

using namespace daxsim::kernel;
using namespace daxsim::kernel::test;

namespace {

block_device& pmem0(XfsFixture& f) { return *f.k.dev_nodes().at("pmem0").bdev; }

// Byte offset in the dax device of a file's first block.
u64 dax_offset_of(XfsFixture& f, int fd) {
    return pmem0(f).dax_offset + f.fiemap(fd).at(0).fe_physical;
}

} // namespace

TEST_CASE("notify_failure on a reflinked data block calls mf_dax_kill_procs for every owner") {
    XfsFixture f;
    const int a = f.open("a");
    const int b = f.open("b");
    REQUIRE(f.pwrite_fill(a, std::byte{1}, 0, 8192) == 8192);
    REQUIRE(sys_ioctl_ficlonerange(f.k, f.t, b, a, 0, 0, 0) == 0);
    // Two early-kill processes map one file each and touch the shared page: each learns of the
    // failure only if XFS calls mf_dax_kill_procs for its file's mapping.
    task_struct* p1 = sys_spawn(f.k, "p1");
    task_struct* p2 = sys_spawn(f.k, "p2");
    REQUIRE(sys_prctl(f.k, p1, PR_MCE_KILL, PR_MCE_KILL_SET, PR_MCE_KILL_EARLY) == 0);
    REQUIRE(sys_prctl(f.k, p2, PR_MCE_KILL, PR_MCE_KILL_SET, PR_MCE_KILL_EARLY) == 0);
    const int fd1 = sys_open(f.k, p1, "/mnt/pmem/a", O_RDWR);
    const int fd2 = sys_open(f.k, p2, "/mnt/pmem/b", O_RDWR);
    const long m1 = sys_mmap(f.k, p1, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd1, 0);
    const long m2 = sys_mmap(f.k, p2, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd2, 0);
    REQUIRE(m1 > 0);
    REQUIRE(m2 > 0);
    std::vector<std::byte> one(1);
    REQUIRE(user_load(f.k, p1, static_cast<u64>(m1), one) == 0);
    REQUIRE(user_load(f.k, p2, static_cast<u64>(m2), one) == 0);
    f.k.set_current(f.t);   // the notification comes from a third task's context
    const int ret = dax_holder_notify_failure(f.k, pmem0(f).dax_dev, dax_offset_of(f, a), 4096, MF_ACTION_REQUIRED);
    CHECK(ret == 0);
    CHECK_FALSE(fs_is_shutdown(f.k, "/mnt/pmem"));
    REQUIRE(p1->signals.size() == 1);
    REQUIRE(p2->signals.size() == 1);
    CHECK(p1->signals[0].si_signo == SIGBUS);
    CHECK(p2->signals[0].si_signo == SIGBUS);
    CHECK(p1->signals[0].si_code == BUS_MCEERR_AO);
    CHECK(p1->signals[0].si_addr == static_cast<u64>(m1));
    CHECK(p2->signals[0].si_addr == static_cast<u64>(m2));
    CHECK(f.k.layer_times().totals().contains("xfs_rmap"));
}

TEST_CASE("notify_failure on an AG header shuts the filesystem down and later writes fail with EIO") {
    XfsFixture f;
    const int a = f.open("a");
    REQUIRE(f.pwrite_fill(a, std::byte{1}, 0, 4096) == 4096);
    const xfs_sb& sb = f.k.vfs().xfs_image("pmem0")->sb;
    const u64 agf = pmem0(f).dax_offset + u64{sb.sb_agblocks} * sb.sb_blocksize + 512;   // AG 1's AGF sector
    const int ret = dax_holder_notify_failure(f.k, pmem0(f).dax_dev, agf, 256, MF_ACTION_REQUIRED);
    CHECK(ret == -EFSCORRUPTED);
    CHECK(fs_is_shutdown(f.k, "/mnt/pmem"));
    CHECK(f.dmesg_has("XFS (pmem0): Corruption of on-disk metadata (0x10) detected at xfs_dax_notify_ddev_failure "
                      "(fs/xfs/xfs_notify_failure.c).  Shutting down filesystem."));
    CHECK(f.dmesg_has("XFS (pmem0): Please unmount the filesystem and rectify the problem(s)"));
    CHECK(f.pwrite_fill(a, std::byte{2}, 0, 10) == -EIO);
    ssize_t r = 0;
    f.pread(a, 0, 10, &r);
    CHECK(r == -EIO);
    CHECK(f.open("c") == -EIO);
    CHECK(sys_close(f.k, f.t, a) == 0);
    CHECK(do_umount(f.k, "/mnt/pmem") == 0);
}

TEST_CASE("notify_failure on the log shuts the filesystem down") {
    XfsFixture f;
    const xfs_sb& sb = f.k.vfs().xfs_image("pmem0")->sb;
    const u64 log = pmem0(f).dax_offset + xfs_fsb_to_bdev_bytes(sb, sb.sb_logstart) + 8192;
    CHECK(dax_holder_notify_failure(f.k, pmem0(f).dax_dev, log, 4096, 0) == -EFSCORRUPTED);
    CHECK(fs_is_shutdown(f.k, "/mnt/pmem"));
}

TEST_CASE("mount without rmapbt makes notify_failure return EOPNOTSUPP") {
    MkfsOptions opts;
    opts.rmapbt = false;
    opts.reflink = false;
    XfsFixture f(opts);
    const int a = f.open("a");
    REQUIRE(f.pwrite_fill(a, std::byte{1}, 0, 4096) == 4096);
    CHECK(dax_holder_notify_failure(f.k, pmem0(f).dax_dev, dax_offset_of(f, a), 4096, MF_ACTION_REQUIRED) ==
          -EOPNOTSUPP);
    CHECK(f.dmesg_has("XFS (pmem0): notify_failure() needs rmapbt enabled!"));
    CHECK_FALSE(fs_is_shutdown(f.k, "/mnt/pmem"));
}

TEST_CASE("pre-remove notification force-unmounts the filesystem") {
    XfsFixture f;
    CHECK(dax_holder_notify_failure(f.k, pmem0(f).dax_dev, 0, ~u64{0}, MF_MEM_PRE_REMOVE) == 0);
    CHECK(fs_is_shutdown(f.k, "/mnt/pmem"));
    CHECK(f.dmesg_has("XFS (pmem0): Device is about to be removed!"));
    CHECK(f.dmesg_has("XFS (pmem0): User initiated shutdown received."));
    CHECK(f.dmesg_contains("XFS (pmem0): Metadata I/O Error (0x4) detected at xfs_dax_notify_ddev_failure"));
}

TEST_CASE("a file with more extents than its inode holds gets a bmbt block whose poison shuts the filesystem down") {
    XfsFixture f;
    const int a = f.open("frag");
    // Every other block: 30 extents, more than the 21 a 512-byte v5 inode's literal area holds.
    for (int i = 0; i < 30; ++i) REQUIRE(f.pwrite_fill(a, std::byte{7}, i * 8192, 4096) == 4096);
    xfs_inode& ip = XFS_I(*f.t->files.at(a)->f_inode);
    REQUIRE(ip.i_df.size() == 30);
    REQUIRE(ip.i_bmbt_blocks.size() == 1);
    xfs_mount& mp = *ip.i_mount;
    const u64 bmbt = pmem0(f).dax_offset + xfs_fsb_to_bdev_bytes(mp.sb(), ip.i_bmbt_blocks.front());
    // The rmapbt names the inode as the owner of a bmbt block there.
    bool found = false;
    const xfs_agnumber_t agno = XFS_FSB_TO_AGNO(mp.sb(), ip.i_bmbt_blocks.front());
    for (const auto& [key, rec] : mp.pag(agno).rmap)
        if (rec.rm_owner == ip.i_ino && (rec.rm_flags & XFS_RMAP_BMBT_BLOCK) &&
            rec.rm_startblock == XFS_FSB_TO_AGBNO(mp.sb(), ip.i_bmbt_blocks.front()))
            found = true;
    CHECK(found);
    CHECK(dax_holder_notify_failure(f.k, pmem0(f).dax_dev, bmbt, 4096, 0) == -EFSCORRUPTED);
    CHECK(fs_is_shutdown(f.k, "/mnt/pmem"));
    // Punching the file back below 22 extents turns the fork back into extents and frees the block.
    XfsFixture g;
    const int b = g.open("frag");
    for (int i = 0; i < 30; ++i) REQUIRE(g.pwrite_fill(b, std::byte{7}, i * 8192, 4096) == 4096);
    REQUIRE(sys_fallocate(g.k, g.t, b, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, 20 * 8192) == 0);
    CHECK(XFS_I(*g.t->files.at(b)->f_inode).i_bmbt_blocks.empty());
}

namespace {

// A data namespace (pmem0, 3 GiB) and a log namespace (pmem1, 1.5 GiB), XFS made with -l logdev=/dev/pmem1.
struct ExternalLogFixture {
    ExternalLogFixture()
        : machine(small_platform()),
          k(KernelConfig{}, machine.nfit(), machine.firmware(), machine.ports(), tracer) {
        REQUIRE(k.boot() == 0);
        NamespaceSpec data;
        data.size = 3ull << 30;
        REQUIRE(ndctl_create_namespace(k, data, &data_ns) == 0);
        NamespaceSpec log;
        log.size = 1536ull << 20;
        REQUIRE(ndctl_create_namespace(k, log, &log_ns) == 0);
        xfs_mkfs_geometry geo;
        geo.logdev = "/dev/" + log_ns.blockdev;
        REQUIRE(xfs_mkfs(k, "/dev/" + data_ns.blockdev, MkfsOptions{}, geo) == 0);
        t = sys_spawn(k, "xfs_io");
    }
    block_device& bdev(const NamespaceInfo& ns) { return *k.dev_nodes().at(ns.blockdev).bdev; }
    [[nodiscard]] bool dmesg_has(const std::string& text) {
        for (const auto& l : k.dmesg().lines())
            if (l.text == text) return true;
        return false;
    }

    daxsim::NullTracer tracer;
    daxsim::platform::FunctionalMachine machine;
    Kernel k;
    NamespaceInfo data_ns;
    NamespaceInfo log_ns;
    task_struct* t = nullptr;
};

} // namespace

TEST_CASE("a filesystem made with an external log has no log on the data device and refuses a mount without "
          "logdev") {
    ExternalLogFixture f;
    const xfs_disk& d = *f.k.vfs().xfs_image(f.data_ns.blockdev);
    CHECK(d.sb.sb_logstart == 0);
    for (const auto& ag : d.ags)
        for (const auto& [key, r] : ag.rmap)
            CHECK(r.rm_owner != XFS_RMAP_OWN_LOG);
    CHECK(do_mount(f.k, "/dev/" + f.data_ns.blockdev, "/mnt/pmem", "dax") == -EINVAL);
    CHECK(f.dmesg_has(
        "XFS (pmem0): filesystem is marked as having an external log; specify logdev on the mount "
        "command line."));
    CHECK(f.dmesg_has("XFS (pmem0): SB validate failed with error -22."));
    CHECK(f.bdev(f.data_ns).bd_holder == nullptr);
    CHECK(do_mount(f.k, "/dev/" + f.data_ns.blockdev, "/mnt/pmem", "dax,logdev=/dev/" + f.log_ns.blockdev) ==
          0);
    CHECK(xfs_check_disk(d).empty());
    // The log device is held by the file system, as is its dax_device (fs_holder_ops, xfs_alloc_buftarg).
    CHECK(f.bdev(f.log_ns).bd_holder != nullptr);
    CHECK(f.bdev(f.log_ns).dax_dev->holder_data == f.bdev(f.data_ns).dax_dev->holder_data);
    CHECK(do_umount(f.k, "/mnt/pmem") == 0);
    CHECK(f.bdev(f.log_ns).bd_holder == nullptr);
    CHECK(f.bdev(f.log_ns).dax_dev->holder_data == nullptr);
}

TEST_CASE("notify_failure on the external log device shuts the filesystem down as ondisk log corrupt") {
    ExternalLogFixture f;
    REQUIRE(do_mount(f.k, "/dev/" + f.data_ns.blockdev, "/mnt/pmem",
                     "dax,logdev=/dev/" + f.log_ns.blockdev) == 0);
    block_device& log = f.bdev(f.log_ns);
    CHECK(dax_holder_notify_failure(f.k, log.dax_dev, log.dax_offset + 4096, 4096, MF_ACTION_REQUIRED) ==
          -EFSCORRUPTED);
    CHECK(fs_is_shutdown(f.k, "/mnt/pmem"));
    CHECK(f.dmesg_has("XFS (pmem0): ondisk log corrupt, shutting down fs!"));
    CHECK(f.dmesg_has("XFS (pmem0): Corruption of on-disk metadata (0x10) detected at xfs_dax_notify_failure "
                      "(fs/xfs/xfs_notify_failure.c).  Shutting down filesystem."));
    // A pre-remove of the log device is left to the data device's holder (no shutdown here).
    ExternalLogFixture g;
    REQUIRE(do_mount(g.k, "/dev/" + g.data_ns.blockdev, "/mnt/pmem",
                     "dax,logdev=/dev/" + g.log_ns.blockdev) == 0);
    CHECK(dax_holder_notify_failure(g.k, g.bdev(g.log_ns).dax_dev, 0, ~u64{0}, MF_MEM_PRE_REMOVE) == 0);
    CHECK_FALSE(fs_is_shutdown(g.k, "/mnt/pmem"));
}

TEST_CASE("notify_failure on a data block with an external log still kills the mapping task") {
    ExternalLogFixture f;
    REQUIRE(do_mount(f.k, "/dev/" + f.data_ns.blockdev, "/mnt/pmem",
                     "dax,logdev=/dev/" + f.log_ns.blockdev) == 0);
    const int fd = sys_open(f.k, f.t, "/mnt/pmem/a", O_RDWR | O_CREAT);
    REQUIRE(fd >= 0);
    const std::vector<std::byte> buf(8192, std::byte{1});
    REQUIRE(sys_pwrite(f.k, f.t, fd, buf, 0) == 8192);
    task_struct* p = sys_spawn(f.k, "p");
    REQUIRE(sys_prctl(f.k, p, PR_MCE_KILL, PR_MCE_KILL_SET, PR_MCE_KILL_EARLY) == 0);
    const int pfd = sys_open(f.k, p, "/mnt/pmem/a", O_RDWR);
    const long m = sys_mmap(f.k, p, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, pfd, 0);
    REQUIRE(m > 0);
    std::vector<std::byte> one(1);
    REQUIRE(user_load(f.k, p, static_cast<u64>(m), one) == 0);
    f.k.set_current(f.t);
    std::vector<fiemap_extent> ext;
    REQUIRE(sys_ioctl_fiemap(f.k, f.t, fd, &ext) == 0);
    block_device& data = f.bdev(f.data_ns);
    CHECK(dax_holder_notify_failure(f.k, data.dax_dev, data.dax_offset + ext.at(0).fe_physical, 4096,
                                    MF_ACTION_REQUIRED) == 0);
    CHECK_FALSE(fs_is_shutdown(f.k, "/mnt/pmem"));
    REQUIRE(p->signals.size() == 1);
    CHECK(p->signals[0].si_code == BUS_MCEERR_AO);
}

TEST_CASE("the external log device going away shuts the filesystem down as block device removal") {
    ExternalLogFixture f;
    REQUIRE(do_mount(f.k, "/dev/" + f.data_ns.blockdev, "/mnt/pmem",
                     "dax,logdev=/dev/" + f.log_ns.blockdev) == 0);
    // del_gendisk -> bdev_mark_dead -> fs_holder_ops -> xfs_fs_shutdown.
    bdev_mark_dead(f.k, f.bdev(f.log_ns), false);
    CHECK(fs_is_shutdown(f.k, "/mnt/pmem"));
    CHECK(f.dmesg_has("XFS (pmem0): Block device removal (0x20) detected at xfs_fs_shutdown "
                      "(fs/xfs/xfs_super.c).  Shutting down filesystem."));
    // Unmounted, the device has no holder left to tell.
    CHECK(do_umount(f.k, "/mnt/pmem") == 0);
    CHECK(f.bdev(f.log_ns).bd_holder_ops == nullptr);
}
