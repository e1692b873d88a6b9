// Extended attributes of XFS (guest_api/fs/xfs/xfs_attr.{h,cpp}) and their syscalls (fs/xattr.h):
// shortform in the inode, leaf and remote value blocks in the attr fork, rmap ownership with
// XFS_RMAP_ATTR_FORK, the consistency checker, and media failures in attr fork blocks.
#include "guest_api/kernel/errno.h"

#include <string>

#include "guest_api/block/blkdev.h"
#include "guest_api/drivers/dax/dax.h"
#include "guest_api/fs/vfs.h"
#include "guest_api/fs/xattr.h"
#include "guest_api/fs/xfs/xfs_attr.h"
#include "guest_api/fs/xfs/xfs_check.h"
#include "guest_api/fs/xfs/xfs_mount.h"
#include "guest_api/mm/memory_failure.h"
#include "tests/guest_api/xfs_fixture.h"

using namespace daxsim::kernel;
using namespace daxsim::kernel::test;

namespace {

const std::string kFile = "/mnt/pmem/a";

block_device& pmem0(XfsFixture& f) {
    return *f.k.dev_nodes().at("pmem0").bdev;
}

xfs_inode& inode_of(XfsFixture& f, const std::string& name) {
    xfs_disk& d = *f.k.vfs().xfs_image("pmem0");
    return *d.inodes.at(d.root_dir.at(name));
}

int set(XfsFixture& f, const std::string& name, const std::string& value) {
    return sys_setxattr(f.k, f.t, kFile, name,
                        std::span(reinterpret_cast<const std::byte*>(value.data()), value.size()), 0);
}

std::string get(XfsFixture& f, const std::string& name, long* ret = nullptr) {
    std::string buf(70000, '\0');
    const long n =
        sys_getxattr(f.k, f.t, kFile, name, std::span(reinterpret_cast<std::byte*>(buf.data()), buf.size()));
    if (ret) *ret = n;
    buf.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
    return buf;
}

std::string pattern(std::size_t size) {
    std::string v;
    for (std::size_t i = 0; i < size; ++i)
        v.push_back(static_cast<char>('a' + i % 26));
    return v;
}

// Rmap records of `owner` with XFS_RMAP_ATTR_FORK, summed over the AGs: blocks.
u64 attr_rmap_blocks(XfsFixture& f, u64 owner) {
    u64 n = 0;
    for (const xfs_perag& pag : f.k.vfs().xfs_image("pmem0")->ags)
        for (const auto& [key, r] : pag.rmap)
            if (r.rm_owner == owner && (r.rm_flags & XFS_RMAP_ATTR_FORK)) n += r.rm_blockcount;
    return n;
}

bool clean(XfsFixture& f) {
    const auto problems = xfs_check_disk(*f.k.vfs().xfs_image("pmem0"));
    for (const auto& p : problems)
        MESSAGE(p);
    return problems.empty();
}

} // namespace

TEST_CASE("a small xattr stays in the inode with no attr fork block and no rmap record") {
    XfsFixture f;
    REQUIRE(f.open("a") >= 0);
    REQUIRE(set(f, "user.owner", "alice") == 0);
    xfs_inode& ip = inode_of(f, "a");
    CHECK(ip.i_aformat == xfs_attr_format::local);
    CHECK(ip.i_af.empty());
    CHECK(attr_rmap_blocks(f, ip.i_ino) == 0);
    CHECK(get(f, "user.owner") == "alice");
    CHECK(clean(f));
}

TEST_CASE(
    "a large xattr gets a leaf block and remote value blocks owned by the inode with XFS_RMAP_ATTR_FORK") {
    XfsFixture f;
    REQUIRE(f.open("a") >= 0);
    const u64 free_before = f.k.vfs().xfs_image("pmem0")->ags.at(0).freeblks();
    const std::string big = pattern(16384);
    REQUIRE(set(f, "user.blob", big) == 0);
    xfs_inode& ip = inode_of(f, "a");
    CHECK(ip.i_aformat == xfs_attr_format::leaf);
    // 16384 bytes in remote blocks of 4096 - 56 bytes: five, after the leaf at attr block 0.
    const xfs_attr_ent& e = ip.i_attrs.at("user.blob");
    CHECK(e.remote);
    CHECK(e.rmt_blkno == 1);
    CHECK(e.rmt_blkcnt == 5);
    CHECK(attr_rmap_blocks(f, ip.i_ino) == 6);
    CHECK(f.k.vfs().xfs_image("pmem0")->ags.at(0).freeblks() == free_before - 6);
    CHECK(get(f, "user.blob") == big); // read back from the remote blocks on the media
    CHECK(clean(f));
}

TEST_CASE("removing the large xattr frees its blocks and the fork goes back into the inode") {
    XfsFixture f;
    REQUIRE(f.open("a") >= 0);
    const u64 free_before = f.k.vfs().xfs_image("pmem0")->ags.at(0).freeblks();
    REQUIRE(set(f, "user.small", "x") == 0);
    REQUIRE(set(f, "user.blob", pattern(9000)) == 0);
    REQUIRE(sys_removexattr(f.k, f.t, kFile, "user.blob") == 0);
    xfs_inode& ip = inode_of(f, "a");
    CHECK(ip.i_aformat == xfs_attr_format::local);
    CHECK(ip.i_af.empty());
    CHECK(attr_rmap_blocks(f, ip.i_ino) == 0);
    CHECK(f.k.vfs().xfs_image("pmem0")->ags.at(0).freeblks() == free_before);
    CHECK(get(f, "user.small") == "x");
    long r = 0;
    get(f, "user.blob", &r);
    CHECK(r == -ENODATA);
    CHECK(sys_removexattr(f.k, f.t, kFile, "user.blob") == -ENODATA);
    CHECK(clean(f));
}

TEST_CASE("unlinking a file with a large xattr frees its attr fork blocks") {
    XfsFixture f;
    const int fd = f.open("a");
    REQUIRE(fd >= 0);
    const u64 free_before = f.k.vfs().xfs_image("pmem0")->ags.at(0).freeblks();
    REQUIRE(set(f, "user.blob", pattern(5000)) == 0);
    const u64 ino = inode_of(f, "a").i_ino;
    REQUIRE(sys_close(f.k, f.t, fd) == 0);
    REQUIRE(sys_unlink(f.k, f.t, kFile) == 0);
    CHECK(attr_rmap_blocks(f, ino) == 0);
    CHECK(f.k.vfs().xfs_image("pmem0")->ags.at(0).freeblks() == free_before);
    CHECK(clean(f));
}

TEST_CASE("xattr names outside the user trusted and security namespaces are not supported") {
    XfsFixture f;
    REQUIRE(f.open("a") >= 0);
    CHECK(set(f, "foo.bar", "1") == -EOPNOTSUPP);
    CHECK(set(f, "user.", "1") == -EINVAL);
    CHECK(set(f, "user.big", std::string(65537, 'x')) == -E2BIG);
    CHECK(sys_setxattr(f.k, f.t, "/mnt/pmem/missing", "user.a", {}, 0) == -ENOENT);
}

TEST_CASE("notify_failure on an attr fork block shuts the filesystem down as corrupt on disk") {
    XfsFixture f;
    const int fd = f.open("a");
    REQUIRE(fd >= 0);
    REQUIRE(set(f, "user.blob", pattern(16384)) == 0);
    xfs_inode& ip = inode_of(f, "a");
    const auto leaf = xfs_attr_offset_to_dax(ip, 0);
    REQUIRE(leaf.has_value());
    const int ret = dax_holder_notify_failure(f.k, pmem0(f).dax_dev, *leaf, 4096, MF_ACTION_REQUIRED);
    CHECK(ret == -EFSCORRUPTED);
    CHECK(fs_is_shutdown(f.k, "/mnt/pmem"));
    CHECK(f.dmesg_has(
        "XFS (pmem0): Corruption of on-disk metadata (0x10) detected at xfs_dax_notify_ddev_failure "
        "(fs/xfs/xfs_notify_failure.c).  Shutting down filesystem."));
    long r = 0;
    get(f, "user.blob", &r);
    CHECK(r == -EIO);
    CHECK(set(f, "user.other", "1") == -EIO);
    CHECK(f.pwrite_fill(fd, std::byte{1}, 0, 10) == -EIO);
}

TEST_CASE("getxattr that consumes poison in a remote value block fails with EIO and records the bad block") {
    XfsFixture f;
    REQUIRE(f.open("a") >= 0);
    REQUIRE(set(f, "user.blob", pattern(16384)) == 0);
    const auto spa = attr_offset_to_spa(f.k, kFile, 2 * 4096); // remote block 2 of the value
    REQUIRE(spa.has_value());
    REQUIRE(f.machine.firmware().inject_error(*spa + 512, 256));
    long r = 0;
    get(f, "user.blob", &r);
    CHECK(r == -EIO);
    CHECK(f.dmesg_contains("metadata I/O error in \"xfs_attr_rmtval_get\""));
    // An in-kernel recoverable #MC only fixes up the copy; the NFIT notifier records the bad line.
    CHECK_FALSE(fs_is_shutdown(f.k, "/mnt/pmem"));
    CHECK_FALSE(ndctl_badblocks(f.k, f.ns.dev).empty());
}

TEST_CASE("xattr values survive umount and mount") {
    XfsFixture f;
    int fd = f.open("a");
    REQUIRE(fd >= 0);
    const std::string big = pattern(12000);
    REQUIRE(set(f, "user.small", "tiny") == 0);
    REQUIRE(set(f, "user.blob", big) == 0);
    REQUIRE(sys_close(f.k, f.t, fd) == 0);
    REQUIRE(do_umount(f.k, "/mnt/pmem") == 0);
    REQUIRE(do_mount(f.k, f.dev, "/mnt/pmem", "dax") == 0);
    CHECK(get(f, "user.small") == "tiny");
    CHECK(get(f, "user.blob") == big);
    CHECK(clean(f));
}
