#include "guest_api/kernel/errno.h"

#include "tests/guest_api/xfs_fixture.h"

using namespace daxsim::kernel;
using namespace daxsim::kernel::test;

TEST_CASE("reflinked files share physical blocks in fiemap with the shared flag") {
    XfsFixture f;
    const int a = f.open("a");
    const int b = f.open("b");
    REQUIRE(f.pwrite_fill(a, std::byte{4}, 0, 65536) == 65536);
    REQUIRE(sys_ioctl_ficlonerange(f.k, f.t, b, a, 0, 0, 0) == 0);
    CHECK(sys_file_size(f.k, f.t, b) == 65536);
    const auto ea = f.fiemap(a);
    const auto eb = f.fiemap(b);
    REQUIRE(ea.size() == 1);
    REQUIRE(eb.size() == 1);
    CHECK(ea[0].fe_physical == eb[0].fe_physical);
    CHECK(eb[0].fe_length == 65536);
    CHECK(ea[0].fe_flags == (FIEMAP_EXTENT_SHARED | FIEMAP_EXTENT_LAST));
    CHECK(eb[0].fe_flags == (FIEMAP_EXTENT_SHARED | FIEMAP_EXTENT_LAST));
    CHECK(all_equal(f.pread(b, 0, 65536), std::byte{4}));
}

TEST_CASE("FICLONERANGE shares only the given range and checks alignment") {
    XfsFixture f;
    const int a = f.open("a");
    const int b = f.open("b");
    REQUIRE(f.pwrite_fill(a, std::byte{4}, 0, 65536) == 65536);
    REQUIRE(f.pwrite_fill(b, std::byte{5}, 0, 65536) == 65536);
    CHECK(sys_ioctl_ficlonerange(f.k, f.t, b, a, 100, 4096, 0) == -EINVAL);
    REQUIRE(sys_ioctl_ficlonerange(f.k, f.t, b, a, 8192, 8192, 16384) == 0);
    const auto data = f.pread(b, 0, 65536);
    CHECK(all_equal({data.begin(), data.begin() + 16384}, std::byte{5}));
    CHECK(all_equal({data.begin() + 16384, data.begin() + 24576}, std::byte{4}));
    CHECK(all_equal({data.begin() + 24576, data.end()}, std::byte{5}));
    CHECK(file_offset_to_spa(f.k, "/mnt/pmem/b", 16384) == file_offset_to_spa(f.k, "/mnt/pmem/a", 8192));
}

TEST_CASE("dedupe of differing ranges reports FILE_DEDUPE_RANGE_DIFFERS and shares nothing") {
    XfsFixture f;
    const int a = f.open("a");
    const int b = f.open("b");
    REQUIRE(f.pwrite_fill(a, std::byte{1}, 0, 16384) == 16384);
    REQUIRE(f.pwrite_fill(b, std::byte{1}, 0, 16384) == 16384);
    REQUIRE(f.pwrite_fill(b, std::byte{2}, 8192, 1) == 1);
    int status = -1;
    u64 deduped = 99;
    CHECK(sys_ioctl_fideduperange(f.k, f.t, a, 0, 16384, b, 0, &status, &deduped) == 0);
    CHECK(status == FILE_DEDUPE_RANGE_DIFFERS);
    CHECK(deduped == 0);
    CHECK(f.k.stats().dedupe_compare_bytes.value == 3 * 4096);   // stops at the differing page
    for (const auto& e : f.fiemap(b)) CHECK((e.fe_flags & FIEMAP_EXTENT_SHARED) == 0);
}

TEST_CASE("dedupe of identical ranges shares the blocks") {
    XfsFixture f;
    const int a = f.open("a");
    const int b = f.open("b");
    REQUIRE(f.pwrite_fill(a, std::byte{1}, 0, 16384) == 16384);
    REQUIRE(f.pwrite_fill(b, std::byte{1}, 0, 16384) == 16384);
    int status = -1;
    u64 deduped = 0;
    CHECK(sys_ioctl_fideduperange(f.k, f.t, a, 0, 16384, b, 0, &status, &deduped) == 0);
    CHECK(status == FILE_DEDUPE_RANGE_SAME);
    CHECK(deduped == 16384);
    CHECK(f.k.stats().dedupe_compare_bytes.value == 16384);
    CHECK(file_offset_to_spa(f.k, "/mnt/pmem/a", 0) == file_offset_to_spa(f.k, "/mnt/pmem/b", 0));
    CHECK((f.fiemap(b).at(0).fe_flags & FIEMAP_EXTENT_SHARED) != 0);
}

TEST_CASE("unlink of one reflinked file keeps the other file's data") {
    XfsFixture f;
    const int a = f.open("a");
    const int b = f.open("b");
    REQUIRE(f.pwrite_fill(a, std::byte{6}, 0, 32768) == 32768);
    REQUIRE(sys_ioctl_ficlonerange(f.k, f.t, b, a, 0, 0, 0) == 0);
    REQUIRE(sys_close(f.k, f.t, a) == 0);
    REQUIRE(sys_unlink(f.k, f.t, "/mnt/pmem/a") == 0);
    CHECK(all_equal(f.pread(b, 0, 32768), std::byte{6}));
    const auto eb = f.fiemap(b);
    REQUIRE(eb.size() == 1);
    CHECK((eb[0].fe_flags & FIEMAP_EXTENT_SHARED) == 0);   // refcount back to one
    // Writing now is a plain overwrite.
    REQUIRE(f.pwrite_fill(b, std::byte{7}, 5, 5) == 5);
    CHECK(f.k.stats().cow_events.value == 0);
}

TEST_CASE("reflink on a file system without reflink fails with EOPNOTSUPP") {
    MkfsOptions opts;
    opts.reflink = false;
    XfsFixture f(opts);
    const int a = f.open("a");
    const int b = f.open("b");
    REQUIRE(f.pwrite_fill(a, std::byte{1}, 0, 4096) == 4096);
    CHECK(sys_ioctl_ficlonerange(f.k, f.t, b, a, 0, 0, 0) == -EOPNOTSUPP);
}
