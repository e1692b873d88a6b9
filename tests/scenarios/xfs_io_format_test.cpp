#include <doctest/doctest.h>

#include "scenarios/session.h"

using namespace daxsim::scenarios;

TEST_CASE("cvtstr prints whole numbers without decimals as xfs_io does") {
    CHECK(xfs_io_cvtstr(4096) == "4 KiB");
    CHECK(xfs_io_cvtstr(512) == "512 bytes");
    CHECK(xfs_io_cvtstr(1536.5) == "1.500 KiB");
    CHECK(xfs_io_cvtstr(2097152) == "2 MiB");
}

TEST_CASE("the io report line has bytes ops time and rates") {
    CHECK(xfs_io_report(4096, 1, 1'000'000) == "4 KiB, 1 ops; 0.0010 sec (4 MiB/sec and 1000.0000 ops/sec)");
    CHECK(xfs_io_report(4096, 1, 3'000'000) ==
          "4 KiB, 1 ops; 0.0030 sec (1.302 MiB/sec and 333.3333 ops/sec)");
}

TEST_CASE("pread -v dumps sixteen bytes a line with offsets and characters") {
    std::vector<std::byte> data(20, std::byte{0xcd});
    data[1] = std::byte{'A'};
    const auto lines = xfs_io_hexdump(0x1000, data);
    REQUIRE(lines.size() == 2);
    CHECK(lines[0] == "00001000:  cd 41 cd cd cd cd cd cd cd cd cd cd cd cd cd cd  .A..............");
    CHECK(lines[1] == "00001010:  cd cd cd cd  ....");
}

TEST_CASE("errno names and texts come from the kernel table") {
    CHECK(errno_string(5) == "EIO");
    CHECK(errno_string(-38) == "ENOSYS");
    CHECK(strerror_text(5) == "Input/output error");
}
