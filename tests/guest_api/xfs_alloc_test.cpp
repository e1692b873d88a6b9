#include "guest_api/kernel/errno.h"

#include <array>

#include "guest_api/arch/copy_mc.h"
#include "guest_api/fs/vfs.h"
#include "guest_api/fs/xattr.h"
#include "guest_api/fs/xfs/xfs_mkfs.h"
#include "guest_api/fs/xfs/xfs_mount.h"
#include "tests/guest_api/xfs_fixture.h"

using namespace daxsim::kernel;
using namespace daxsim::kernel::test;

TEST_CASE("mkfs writes the XFSB magic at block 0 of every AG") {
    XfsFixture f;
    const xfs_disk* d = f.k.vfs().xfs_image("pmem0");
    REQUIRE(d != nullptr);
    CHECK(d->sb.sb_agcount == 4);
    for (unsigned ag = 0; ag < d->sb.sb_agcount; ++ag) {
        const auto spa = fs_metadata_spa(f.k, "/mnt/pmem", "sb", ag);
        REQUIRE(spa.has_value());
        std::array<std::byte, 4> magic{};
        REQUIRE(copy_mc_to_kernel(f.k, magic, *spa) == 0);
        CHECK(magic == std::array{std::byte{'X'}, std::byte{'F'}, std::byte{'S'}, std::byte{'B'}});
    }
    CHECK_FALSE(fs_metadata_spa(f.k, "/mnt/pmem", "sb", 4).has_value());
    CHECK_FALSE(fs_metadata_spa(f.k, "/mnt/pmem", "bogus", 0).has_value());
}

TEST_CASE("mkfs records every metadata block in the rmap with its owner") {
    XfsFixture f;
    const xfs_disk& d = *f.k.vfs().xfs_image("pmem0");
    auto owner_at = [&](unsigned ag, xfs_agblock_t bno) {
        for (const auto& [key, r] : d.ags.at(ag).rmap)
            if (r.rm_startblock <= bno && bno < r.rm_startblock + r.rm_blockcount) return r.rm_owner;
        return XFS_RMAP_OWN_NULL;
    };
    for (unsigned ag = 0; ag < 4; ++ag) {
        CHECK(owner_at(ag, XFS_SB_BLOCK) == XFS_RMAP_OWN_FS);
        CHECK(owner_at(ag, XFS_BNO_BLOCK) == XFS_RMAP_OWN_AG);
        CHECK(owner_at(ag, XFS_IBT_BLOCK) == XFS_RMAP_OWN_INOBT);
        CHECK(owner_at(ag, XFS_RMAP_BLOCK) == XFS_RMAP_OWN_AG);
        CHECK(owner_at(ag, XFS_REFC_BLOCK) == XFS_RMAP_OWN_REFC);
    }
    CHECK(owner_at(0, XFS_FIRST_INO_BLOCK) == XFS_RMAP_OWN_INODES);
    CHECK(XFS_FSB_TO_AGNO(d.sb, d.sb.sb_logstart) == 2);   // the middle AG
    CHECK(owner_at(2, XFS_FSB_TO_AGBNO(d.sb, d.sb.sb_logstart)) == XFS_RMAP_OWN_LOG);
    CHECK(d.sb.sb_logblocks == 16384);                     // 64 MiB
}

TEST_CASE("a 2 MiB write at a 2 MiB file offset gets a 2 MiB aligned extent") {
    XfsFixture f;
    const int a = f.open("big");
    REQUIRE(f.pwrite_fill(a, std::byte{3}, 0, 4096) == 4096);            // a small first extent
    REQUIRE(f.pwrite_fill(a, std::byte{3}, 2 << 20, 2 << 20) == (2 << 20));
    const auto ext = f.fiemap(a);
    REQUIRE(ext.size() == 2);
    CHECK(ext[1].fe_logical == (2u << 20));
    CHECK(ext[1].fe_length == (2u << 20));
    CHECK(ext[1].fe_physical % (2u << 20) == 0);
}

TEST_CASE("sequential writes extend the file contiguously and the rmap names the inode") {
    XfsFixture f;
    const int a = f.open("seq");
    // Each allocation starts where the previous extent ended (xfs_bmap_adjacent).
    for (int i = 0; i < 8; ++i) REQUIRE(f.pwrite_fill(a, std::byte{1}, i * 32768, 32768) == 32768);
    const auto ext = f.fiemap(a);
    REQUIRE(ext.size() == 1);
    CHECK(ext[0].fe_length == 8 * 32768);
    const xfs_disk& d = *f.k.vfs().xfs_image("pmem0");
    const u64 ino = d.root_dir.at("seq");
    int records = 0;
    for (const auto& ag : d.ags)
        for (const auto& [key, r] : ag.rmap)
            if (r.rm_owner == ino) {
                ++records;
                CHECK(r.rm_blockcount == 64);
                CHECK(r.rm_offset == 0);
            }
    CHECK(records == 1);
}

TEST_CASE("a 2 MiB extent size hint makes a 64 KiB write allocate a whole 2 MiB aligned extent") {
    XfsFixture f;
    const int a = f.open("hint");
    fileattr fa;
    REQUIRE(sys_ioctl_fsgetxattr(f.k, f.t, a, &fa) == 0);
    CHECK(fa.fsx_extsize == 0);
    fa.fsx_xflags |= FS_XFLAG_EXTSIZE;
    fa.fsx_extsize = 2u << 20;
    REQUIRE(sys_ioctl_fssetxattr(f.k, f.t, a, fa) == 0);
    REQUIRE(f.pwrite_fill(a, std::byte{5}, 64 << 10, 64 << 10) == (64 << 10));
    const auto ext = f.fiemap(a);
    REQUIRE(ext.size() == 1);
    CHECK(ext[0].fe_logical == 0);
    CHECK(ext[0].fe_length == (2u << 20));
    CHECK(ext[0].fe_physical % (2u << 20) == 0);
    // The blocks around the write were zeroed (XFS_BMAPI_ZERO), the written range holds the data.
    CHECK(f.pread(a, 0, 16) == std::vector<std::byte>(16, std::byte{0}));
    CHECK(f.pread(a, 64 << 10, 16) == std::vector<std::byte>(16, std::byte{5}));
    fileattr got;
    REQUIRE(sys_ioctl_fsgetxattr(f.k, f.t, a, &got) == 0);
    CHECK(got.fsx_extsize == (2u << 20));
    CHECK((got.fsx_xflags & FS_XFLAG_EXTSIZE) != 0);
}

TEST_CASE("an extent size hint cannot change once the file has extents and must be a block multiple") {
    XfsFixture f;
    const int a = f.open("hint");
    fileattr fa;
    fa.fsx_xflags = FS_XFLAG_EXTSIZE;
    fa.fsx_extsize = 6000; // not a multiple of 4096
    CHECK(sys_ioctl_fssetxattr(f.k, f.t, a, fa) == -EINVAL);
    fa.fsx_xflags = 0;
    fa.fsx_extsize = 8192; // a size without FS_XFLAG_EXTSIZE
    CHECK(sys_ioctl_fssetxattr(f.k, f.t, a, fa) == -EINVAL);
    REQUIRE(f.pwrite_fill(a, std::byte{1}, 0, 4096) == 4096);
    fa.fsx_xflags = FS_XFLAG_EXTSIZE;
    fa.fsx_extsize = 2u << 20;
    CHECK(sys_ioctl_fssetxattr(f.k, f.t, a, fa) == -EINVAL);
    fa.fsx_xflags = 0;
    fa.fsx_extsize = 0; // unchanged (no hint): allowed
    CHECK(sys_ioctl_fssetxattr(f.k, f.t, a, fa) == 0);
}

TEST_CASE("mkfs with a 2 MiB stripe unit starts a file on a 2 MiB boundary and appends contiguously") {
    XfsFixture f({}, false);
    MkfsOptions force;
    force.force = true;
    xfs_mkfs_geometry bad;
    bad.stripe_unit = 6000; // not a multiple of the block size
    xfs_mkfs_geometry geo;
    geo.stripe_unit = 2u << 20;
    geo.stripe_width = 1;
    CHECK(xfs_mkfs(f.k, f.dev, force, bad) == -EINVAL);
    REQUIRE(xfs_mkfs(f.k, f.dev, force, geo) == 0);
    REQUIRE(do_mount(f.k, f.dev, "/mnt/pmem", "dax") == 0);
    const xfs_sb& sb = f.k.vfs().xfs_image("pmem0")->sb;
    CHECK(sb.sb_unit == 512);
    CHECK(sb.sb_width == 512);
    const int a = f.open("striped");
    for (int i = 0; i < 32; ++i)
        REQUIRE(f.pwrite_fill(a, std::byte{2}, i * 65536, 65536) == 65536);
    const auto ext = f.fiemap(a);
    REQUIRE(ext.size() == 1);
    CHECK(ext[0].fe_length == (2u << 20));
    CHECK(ext[0].fe_physical % (2u << 20) == 0);
}
