#include "guest_api/kernel/errno.h"

#include "guest_api/arch/copy_mc.h"
#include "tests/guest_api/xfs_fixture.h"

using namespace daxsim::kernel;
using namespace daxsim::kernel::test;

TEST_CASE("pwrite then pread returns the written bytes through DAX") {
    XfsFixture f;
    const int fd = f.open("data");
    std::vector<std::byte> buf(10000);
    for (std::size_t i = 0; i < buf.size(); ++i) buf[i] = std::byte(i * 7);
    REQUIRE(sys_pwrite(f.k, f.t, fd, buf, 123) == 10000);
    CHECK(sys_file_size(f.k, f.t, fd) == 10123);
    CHECK(f.pread(fd, 123, 10000) == buf);
    CHECK(all_equal(f.pread(fd, 0, 123), std::byte{0}));   // the head of a new block reads as zeros
    CHECK(f.pread(fd, 10123, 100).empty());                 // at EOF
    // The bytes are on the media at the SPA the file system reports.
    const auto spa = file_offset_to_spa(f.k, "/mnt/pmem/data", 123);
    REQUIRE(spa.has_value());
    std::vector<std::byte> media(16);
    REQUIRE(copy_mc_to_kernel(f.k, media, *spa) == 0);
    CHECK(media == std::vector<std::byte>(buf.begin(), buf.begin() + 16));
}

TEST_CASE("pread over a poisoned block returns EIO and the blocks before it still read") {
    XfsFixture f;
    const int fd = f.open("p");
    REQUIRE(f.pwrite_fill(fd, std::byte{0x33}, 0, 3 * 4096) == 3 * 4096);
    const auto spa = file_offset_to_spa(f.k, "/mnt/pmem/p", 4096);
    REQUIRE(spa.has_value());
    REQUIRE(f.machine.firmware().inject_error(*spa, 256));
    ssize_t ret = 0;
    // The first read consumes the poison: the #MC is recovered through the copy_mc fixup and the NFIT
    // MCE notifier records the line in badblocks.
    f.pread(fd, 4096, 4096, &ret);
    CHECK(ret == -EIO);
    // From then on pmem direct_access refuses any range that contains the bad sector (-EHWPOISON), so a
    // read spanning it fails as a whole, as v6.8 does, while a read that stops before it succeeds.
    f.pread(fd, 0, 3 * 4096, &ret);
    CHECK(ret == -EIO);
    const auto head = f.pread(fd, 0, 4096, &ret);
    CHECK(ret == 4096);
    CHECK(all_equal(head, std::byte{0x33}));
}

TEST_CASE("a whole-page pwrite over a known bad page clears the poison while a partial one fails with EIO") {
    XfsFixture f;
    const int fd = f.open("r");
    REQUIRE(f.pwrite_fill(fd, std::byte{0x44}, 0, 2 * 4096) == 2 * 4096);
    const auto spa = file_offset_to_spa(f.k, "/mnt/pmem/r", 4096);
    REQUIRE(spa.has_value());
    REQUIRE(f.machine.firmware().inject_error(*spa, 256));
    ssize_t ret = 0;
    f.pread(fd, 4096, 4096, &ret);   // consumes the poison: the line is now in badblocks
    REQUIRE(ret == -EIO);
    // pmem_recovery_write() only recovers a whole, page-aligned page.
    CHECK(f.pwrite_fill(fd, std::byte{0x55}, 4096, 2048) == -EIO);
    CHECK(f.pwrite_fill(fd, std::byte{0x55}, 4096, 4096) == 4096);
    const auto back = f.pread(fd, 4096, 4096, &ret);
    CHECK(ret == 4096);
    CHECK(all_equal(back, std::byte{0x55}));
    CHECK(all_equal(f.pread(fd, 0, 4096), std::byte{0x44}));
}

TEST_CASE("unaligned write into a shared extent copies only the unchanged head and tail") {
    XfsFixture f;
    const int a = f.open("a");
    const int b = f.open("b");
    REQUIRE(f.pwrite_fill(a, std::byte{0xaa}, 0, 65536) == 65536);
    REQUIRE(sys_ioctl_ficlonerange(f.k, f.t, b, a, 0, 0, 0) == 0);
    const auto copied_before = f.k.stats().cow_copy_bytes.value;
    REQUIRE(f.pwrite_fill(b, std::byte{0xbb}, 10, 100) == 100);
    CHECK(f.k.stats().cow_copy_bytes.value - copied_before == 4096 - 100);
    CHECK(f.k.stats().cow_events.value == 1);
    CHECK(f.k.stats().cow_latency_ns.value > 0);
    const auto data = f.pread(b, 0, 8192);
    CHECK(all_equal({data.begin(), data.begin() + 10}, std::byte{0xaa}));
    CHECK(all_equal({data.begin() + 10, data.begin() + 110}, std::byte{0xbb}));
    CHECK(all_equal({data.begin() + 110, data.end()}, std::byte{0xaa}));
    CHECK(all_equal(f.pread(a, 0, 65536), std::byte{0xaa}));   // the source keeps its data
    // b's first block moved; the rest is still shared.
    const auto eb = f.fiemap(b);
    REQUIRE(eb.size() == 2);
    CHECK(eb[0].fe_length == 4096);
    CHECK((eb[0].fe_flags & FIEMAP_EXTENT_SHARED) == 0);
    CHECK((eb[1].fe_flags & FIEMAP_EXTENT_SHARED) != 0);
}

TEST_CASE("unaligned write across pages into a shared extent copies the first head and the last tail") {
    XfsFixture f;
    const int a = f.open("a");
    const int b = f.open("b");
    REQUIRE(f.pwrite_fill(a, std::byte{1}, 0, 65536) == 65536);
    REQUIRE(sys_ioctl_ficlonerange(f.k, f.t, b, a, 0, 0, 0) == 0);
    // [4000, 4000 + 5000) touches pages 0 and 1 and 2: head 4000 bytes, tail 12288 - 9000 bytes.
    REQUIRE(f.pwrite_fill(b, std::byte{2}, 4000, 5000) == 5000);
    CHECK(f.k.stats().cow_copy_bytes.value == 4000 + (12288 - 9000));
}

// v6.8 dax_iomap_copy_around: when the write covers whole pages (copy_all) it copies `length` bytes
// from the old blocks before the new data overwrites them.
TEST_CASE("aligned 4 KiB write into a shared extent copies nothing around it") {
    XfsFixture f;
    const int a = f.open("a");
    const int b = f.open("b");
    REQUIRE(f.pwrite_fill(a, std::byte{1}, 0, 65536) == 65536);
    REQUIRE(sys_ioctl_ficlonerange(f.k, f.t, b, a, 0, 0, 0) == 0);
    REQUIRE(f.pwrite_fill(b, std::byte{2}, 8192, 4096) == 4096);
    CHECK(f.k.stats().cow_copy_bytes.value == 0);
    CHECK(f.k.stats().cow_events.value == 1);
    CHECK(all_equal(f.pread(b, 8192, 4096), std::byte{2}));
    CHECK(all_equal(f.pread(a, 8192, 4096), std::byte{1}));
    CHECK(all_equal(f.pread(b, 4096, 4096), std::byte{1}));
}

TEST_CASE("aligned 4 KiB write into a shared extent copies the whole range with the v6.8 copy_all branch") {
    XfsFixture f;
    f.k.config().dax_cow_copy_all = true;
    const int a = f.open("a");
    const int b = f.open("b");
    REQUIRE(f.pwrite_fill(a, std::byte{1}, 0, 65536) == 65536);
    REQUIRE(sys_ioctl_ficlonerange(f.k, f.t, b, a, 0, 0, 0) == 0);
    REQUIRE(f.pwrite_fill(b, std::byte{2}, 8192, 4096) == 4096);
    CHECK(f.k.stats().cow_copy_bytes.value == 4096);
    CHECK(all_equal(f.pread(b, 8192, 4096), std::byte{2}));
    CHECK(all_equal(f.pread(a, 8192, 4096), std::byte{1}));
}

TEST_CASE("write into an unshared extent is an overwrite without CoW") {
    XfsFixture f;
    const int a = f.open("a");
    REQUIRE(f.pwrite_fill(a, std::byte{1}, 0, 8192) == 8192);
    const auto spa = file_offset_to_spa(f.k, "/mnt/pmem/a", 0);
    REQUIRE(f.pwrite_fill(a, std::byte{2}, 10, 100) == 100);
    CHECK(f.k.stats().cow_events.value == 0);
    CHECK(f.k.stats().cow_copy_bytes.value == 0);
    CHECK(file_offset_to_spa(f.k, "/mnt/pmem/a", 0) == spa);
}

TEST_CASE("funshare copies the shared blocks and leaves nothing shared") {
    XfsFixture f;
    const int a = f.open("a");
    const int b = f.open("b");
    REQUIRE(f.pwrite_fill(a, std::byte{9}, 0, 16384) == 16384);
    REQUIRE(sys_ioctl_ficlonerange(f.k, f.t, b, a, 0, 0, 0) == 0);
    REQUIRE(sys_fallocate(f.k, f.t, b, FALLOC_FL_UNSHARE_RANGE, 0, 16384) == 0);
    CHECK(f.k.stats().cow_copy_bytes.value == 16384);
    for (const auto& e : f.fiemap(b)) CHECK((e.fe_flags & FIEMAP_EXTENT_SHARED) == 0);
    CHECK(file_offset_to_spa(f.k, "/mnt/pmem/a", 0) != file_offset_to_spa(f.k, "/mnt/pmem/b", 0));
    CHECK(all_equal(f.pread(b, 0, 16384), std::byte{9}));
}

TEST_CASE("mmap store to a reflinked page CoWs the whole page through page_mkwrite") {
    XfsFixture f;
    const int a = f.open("a");
    const int b = f.open("b");
    REQUIRE(f.pwrite_fill(a, std::byte{1}, 0, 8192) == 8192);
    REQUIRE(sys_ioctl_ficlonerange(f.k, f.t, b, a, 0, 0, 0) == 0);
    const long addr = sys_mmap(f.k, f.t, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, b, 0);
    REQUIRE(addr > 0);
    const std::vector<std::byte> v(1, std::byte{9});
    REQUIRE(user_store(f.k, f.t, static_cast<u64>(addr) + 100, v) == 0);
    CHECK(f.k.stats().cow_copy_bytes.value == 4096);
    CHECK(f.k.stats().cow_events.value == 1);
    const auto data = f.pread(b, 0, 4096);
    CHECK(data[100] == std::byte{9});
    CHECK(data[0] == std::byte{1});
    CHECK(all_equal(f.pread(a, 0, 8192), std::byte{1}));
    CHECK(file_offset_to_spa(f.k, "/mnt/pmem/a", 0) != file_offset_to_spa(f.k, "/mnt/pmem/b", 0));
    CHECK(file_offset_to_spa(f.k, "/mnt/pmem/a", 4096) == file_offset_to_spa(f.k, "/mnt/pmem/b", 4096));
}
