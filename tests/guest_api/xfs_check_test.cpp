#include "guest_api/kernel/errno.h"

#include <fmt/format.h>

#include "guest_api/fs/vfs.h"
#include "guest_api/fs/xattr.h"
#include "guest_api/fs/xfs/xfs_check.h"
#include "guest_api/fs/xfs/xfs_mount.h"
#include "tests/guest_api/xfs_fixture.h"

using namespace daxsim::kernel;
using namespace daxsim::kernel::test;

namespace {

xfs_disk& image(XfsFixture& f) {
    return *f.k.vfs().xfs_image("pmem0");
}

bool has_problem(const std::vector<std::string>& problems, const std::string& part) {
    for (const auto& p : problems)
        if (p.find(part) != std::string::npos) return true;
    return false;
}

std::string joined(const std::vector<std::string>& problems) {
    std::string out;
    for (const auto& p : problems)
        out += p + "\n";
    return out;
}

// The first rmap record of AG `agno` owned by inode `ino`.
const xfs_rmap_irec* rmap_of(xfs_disk& d, u64 ino, xfs_agnumber_t* agno_out) {
    for (xfs_agnumber_t agno = 0; agno < d.ags.size(); ++agno)
        for (const auto& [key, r] : d.ags[agno].rmap)
            if (r.rm_owner == ino) {
                *agno_out = agno;
                return &r;
            }
    return nullptr;
}

u64 ino_of(XfsFixture& f, const std::string& name) {
    return image(f).root_dir.at(name);
}

} // namespace

TEST_CASE("xfs_check finds a freshly made filesystem clean") {
    XfsFixture f;
    const auto problems = xfs_check_disk(image(f));
    INFO(joined(problems));
    CHECK(problems.empty());
    const auto mounts = xfs_check_mounts(f.k);
    REQUIRE(mounts.size() == 1);
    CHECK(mounts.begin()->first == "/mnt/pmem");
    CHECK(mounts.begin()->second.empty());
}

TEST_CASE("xfs_check finds no problem after reflink and CoW and dedupe and unlink and punch and truncate") {
    XfsFixture f;
    const int a = f.open("a");
    const int b = f.open("b");
    const int c = f.open("c");
    REQUIRE(f.pwrite_fill(a, std::byte{1}, 0, 256 * 1024) == 256 * 1024);
    REQUIRE(sys_ioctl_ficlonerange(f.k, f.t, b, a, 0, 0, 0) == 0);
    REQUIRE(f.pwrite_fill(b, std::byte{2}, 8192, 100) == 100); // CoW of one block of b
    REQUIRE(f.pwrite_fill(c, std::byte{1}, 0, 128 * 1024) == 128 * 1024);
    int status = -1;
    u64 deduped = 0;
    REQUIRE(sys_ioctl_fideduperange(f.k, f.t, a, 0, 65536, c, 0, &status, &deduped) == 0);
    CHECK(status == FILE_DEDUPE_RANGE_SAME);
    CHECK(deduped == 65536);
    REQUIRE(sys_fallocate(f.k, f.t, a, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 16384, 16384) == 0);
    REQUIRE(sys_fallocate(f.k, f.t, c, 0, 131072, 65536) == 0); // unwritten extent
    REQUIRE(sys_ftruncate(f.k, f.t, b, 100 * 1024) == 0);
    REQUIRE(sys_fallocate(f.k, f.t, c, FALLOC_FL_UNSHARE_RANGE, 0, 32768) == 0);
    const auto mid = xfs_check_disk(image(f));
    INFO(joined(mid));
    CHECK(mid.empty());
    // A shared block has a refcount record: the image really has sharing to check.
    bool shared = false;
    for (const auto& ag : image(f).ags)
        shared = shared || !ag.refc.empty();
    CHECK(shared);
    REQUIRE(sys_close(f.k, f.t, a) == 0);
    REQUIRE(sys_unlink(f.k, f.t, "/mnt/pmem/a") == 0);
    const auto after = xfs_check_disk(image(f));
    INFO(joined(after));
    CHECK(after.empty());
}

TEST_CASE("xfs_check reports a missing reverse mapping for a file extent") {
    XfsFixture f;
    const int a = f.open("a");
    REQUIRE(f.pwrite_fill(a, std::byte{1}, 0, 8192) == 8192);
    xfs_disk& d = image(f);
    xfs_agnumber_t agno = 0;
    const xfs_rmap_irec* r = rmap_of(d, ino_of(f, "a"), &agno);
    REQUIRE(r != nullptr);
    const xfs_rmap_irec copy = *r;
    d.ags[agno].rmap.erase(xfs_rmap_key{copy.rm_startblock, copy.rm_owner, copy.rm_offset, copy.rm_flags});
    const auto problems = xfs_check_disk(d);
    CHECK(has_problem(problems, fmt::format("Missing reverse-mapping record for ({}/{}) len 2 owner {} off 0",
                                            agno, copy.rm_startblock, copy.rm_owner)));
    CHECK(has_problem(problems, "is neither free nor in use"));
}

TEST_CASE("xfs_check reports a reverse mapping whose owner inode does not exist") {
    XfsFixture f;
    const int a = f.open("a");
    REQUIRE(f.pwrite_fill(a, std::byte{1}, 0, 4096) == 4096);
    xfs_disk& d = image(f);
    xfs_agnumber_t agno = 0;
    const xfs_rmap_irec r = *rmap_of(d, ino_of(f, "a"), &agno);
    xfs_rmap_irec bogus = r;
    bogus.rm_owner = 999999;
    d.ags[agno].rmap.emplace(
        xfs_rmap_key{bogus.rm_startblock, bogus.rm_owner, bogus.rm_offset, bogus.rm_flags}, bogus);
    const auto problems = xfs_check_disk(d);
    REQUIRE(problems.size() == 1);
    CHECK(problems[0] ==
          fmt::format("Unknown owner in reverse-mapping record ({}/{}) len 1 owner 999999 off 0: "
                      "inode 999999 is not in use",
                      agno, r.rm_startblock));
}

TEST_CASE("xfs_check reports a wrong reference count and a block both free and in use") {
    XfsFixture f;
    const int a = f.open("a");
    const int b = f.open("b");
    REQUIRE(f.pwrite_fill(a, std::byte{1}, 0, 4096) == 4096);
    REQUIRE(sys_ioctl_ficlonerange(f.k, f.t, b, a, 0, 0, 0) == 0);
    xfs_disk& d = image(f);
    xfs_agnumber_t agno = 0;
    const xfs_rmap_irec r = *rmap_of(d, ino_of(f, "a"), &agno);
    REQUIRE(d.ags[agno].refc.at(r.rm_startblock).rc_refcount == 2);
    d.ags[agno].refc.at(r.rm_startblock).rc_refcount = 3;
    d.ags[agno].bno[r.rm_startblock] = 1; // the shared block also "free"
    const auto problems = xfs_check_disk(d);
    CHECK(has_problem(problems, fmt::format("Missing reference count record for ({}/{}) len 1 count 2", agno,
                                            r.rm_startblock)));
    CHECK(has_problem(problems, fmt::format("Incorrect reference count: saw ({}/{}) len 1 nlinks 3", agno,
                                            r.rm_startblock)));
    CHECK(has_problem(problems,
                      fmt::format("block ({}/{}) len 1 is both free and in use", agno, r.rm_startblock)));
}

TEST_CASE("xfs_check accounts attr fork blocks and reports a missing attr fork reverse mapping") {
    XfsFixture f;
    REQUIRE(f.open("a") >= 0);
    const std::string value(9000, 'v');
    REQUIRE(sys_setxattr(f.k, f.t, "/mnt/pmem/a", "user.big",
                         std::span(reinterpret_cast<const std::byte*>(value.data()), value.size()), 0) == 0);
    xfs_disk& d = image(f);
    CHECK(joined(xfs_check_disk(d)).empty());
    // The leaf block's record: attr fork block 0 of the inode, with XFS_RMAP_ATTR_FORK.
    const u64 ino = ino_of(f, "a");
    xfs_agnumber_t agno = 0;
    const xfs_rmap_irec* r = rmap_of(d, ino, &agno);
    REQUIRE(r != nullptr);
    CHECK((r->rm_flags & XFS_RMAP_ATTR_FORK) != 0);
    const xfs_rmap_irec copy = *r;
    d.ags[agno].rmap.erase(xfs_rmap_key{copy.rm_startblock, copy.rm_owner, copy.rm_offset, copy.rm_flags});
    const auto problems = xfs_check_disk(d);
    CHECK(has_problem(problems,
                      fmt::format("Missing reverse-mapping record for ({}/{}) len {} owner {} attr off 0",
                                  agno, copy.rm_startblock, copy.rm_blockcount, ino)));
    CHECK(has_problem(problems, "is neither free nor in use"));
}
