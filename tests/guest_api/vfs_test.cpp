#include "guest_api/kernel/errno.h"

#include "tests/guest_api/xfs_fixture.h"

using namespace daxsim::kernel;
using namespace daxsim::kernel::test;

TEST_CASE("mount prints the v6.8 XFS lines and umount the unmount line") {
    XfsFixture f;
    CHECK(fs_is_mounted(f.k, "/mnt/pmem"));
    CHECK(f.dmesg_contains("XFS (pmem0): Mounting V5 Filesystem "));
    CHECK(f.dmesg_has("XFS (pmem0): Ending clean mount"));
    CHECK_FALSE(f.dmesg_contains("EXPERIMENTAL"));
    CHECK(do_umount(f.k, "/mnt/pmem") == 0);
    CHECK(f.dmesg_contains("XFS (pmem0): Unmounting Filesystem "));
    CHECK_FALSE(fs_is_mounted(f.k, "/mnt/pmem"));
}

TEST_CASE("mount without dax is rejected with EINVAL") {
    XfsFixture f({}, false);
    CHECK(do_mount(f.k, f.dev, "/mnt/pmem", "") == -EINVAL);
    CHECK(do_mount(f.k, f.dev, "/mnt/pmem", "dax=always") == 0);
    CHECK(do_mount(f.k, f.dev, "/mnt/other", "dax") == -EBUSY);
}

TEST_CASE("umount is busy while a file is open and data survives a remount") {
    XfsFixture f;
    const int fd = f.open("a");
    REQUIRE(fd >= 3);
    REQUIRE(f.pwrite_fill(fd, std::byte{0x5a}, 0, 8192) == 8192);
    CHECK(do_umount(f.k, "/mnt/pmem") == -EBUSY);
    CHECK(sys_close(f.k, f.t, fd) == 0);
    CHECK(do_umount(f.k, "/mnt/pmem") == 0);
    REQUIRE(do_mount(f.k, f.dev, "/mnt/pmem", "dax") == 0);
    const int fd2 = f.open("a", O_RDONLY);
    REQUIRE(fd2 >= 3);
    CHECK(sys_file_size(f.k, f.t, fd2) == 8192);
    CHECK(all_equal(f.pread(fd2, 0, 8192), std::byte{0x5a}));
}

TEST_CASE("open without O_CREAT of a missing file fails with ENOENT") {
    XfsFixture f;
    CHECK(f.open("missing", O_RDONLY) == -ENOENT);
    CHECK(sys_open(f.k, f.t, "/nowhere/x", O_RDWR | O_CREAT) == -ENOENT);
    const int fd = f.open("x");
    CHECK(fd == 3);
    CHECK(f.open("y") == 4);
    CHECK(sys_close(f.k, f.t, 99) == -EBADF);
}

TEST_CASE("ftruncate shrinks the file and zeroes the tail of the last block") {
    XfsFixture f;
    const int fd = f.open("t");
    REQUIRE(f.pwrite_fill(fd, std::byte{0x11}, 0, 3 * 4096) == 3 * 4096);
    REQUIRE(sys_ftruncate(f.k, f.t, fd, 5000) == 0);
    CHECK(sys_file_size(f.k, f.t, fd) == 5000);
    REQUIRE(sys_ftruncate(f.k, f.t, fd, 3 * 4096) == 0);
    const auto data = f.pread(fd, 0, 3 * 4096);
    REQUIRE(data.size() == 3 * 4096);
    CHECK(all_equal({data.begin(), data.begin() + 5000}, std::byte{0x11}));
    CHECK(all_equal({data.begin() + 5000, data.end()}, std::byte{0}));
    // Only two blocks remain mapped.
    const auto ext = f.fiemap(fd);
    REQUIRE(ext.size() == 1);
    CHECK(ext[0].fe_length == 2 * 4096);
}

TEST_CASE("fallocate makes unwritten extents and punch hole frees blocks") {
    XfsFixture f;
    const int fd = f.open("u");
    REQUIRE(sys_fallocate(f.k, f.t, fd, 0, 0, 16384) == 0);
    CHECK(sys_file_size(f.k, f.t, fd) == 16384);
    auto ext = f.fiemap(fd);
    REQUIRE(ext.size() == 1);
    CHECK(ext[0].fe_flags == (FIEMAP_EXTENT_UNWRITTEN | FIEMAP_EXTENT_LAST));
    CHECK(all_equal(f.pread(fd, 0, 16384), std::byte{0}));
    REQUIRE(f.pwrite_fill(fd, std::byte{7}, 0, 16384) == 16384);
    CHECK(sys_fallocate(f.k, f.t, fd, FALLOC_FL_PUNCH_HOLE, 4096, 4096) == -EOPNOTSUPP);
    REQUIRE(sys_fallocate(f.k, f.t, fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 4096, 4096) == 0);
    ext = f.fiemap(fd);
    REQUIRE(ext.size() == 2);
    CHECK(ext[0].fe_length == 4096);
    CHECK(ext[1].fe_logical == 8192);
    const auto data = f.pread(fd, 0, 16384);
    CHECK(all_equal({data.begin() + 4096, data.begin() + 8192}, std::byte{0}));
    CHECK(all_equal({data.begin() + 8192, data.end()}, std::byte{7}));
}

TEST_CASE("unlink of an open file frees its blocks only at the last close") {
    XfsFixture f;
    const int fd = f.open("gone");
    REQUIRE(f.pwrite_fill(fd, std::byte{1}, 0, 65536) == 65536);
    const auto spa = file_offset_to_spa(f.k, "/mnt/pmem/gone", 0);
    REQUIRE(spa.has_value());
    CHECK(sys_unlink(f.k, f.t, "/mnt/pmem/gone") == 0);
    CHECK(f.open("gone", O_RDONLY) == -ENOENT);
    CHECK(all_equal(f.pread(fd, 0, 65536), std::byte{1}));   // still readable through the open fd
    CHECK(sys_close(f.k, f.t, fd) == 0);
    // A new file reuses the freed blocks.
    const int fd2 = f.open("new");
    REQUIRE(f.pwrite_fill(fd2, std::byte{2}, 0, 65536) == 65536);
    CHECK(file_offset_to_spa(f.k, "/mnt/pmem/new", 0) == spa);
}
