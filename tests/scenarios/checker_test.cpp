#include <doctest/doctest.h>

#include "scenarios/commands.h"

using namespace daxsim::scenarios;

namespace {
std::vector<Diagnostic> errors_of(const char* yaml) {
    auto f = parse_scenario(yaml, "o.yaml");
    REQUIRE(f.ok());
    return parse_steps(f.value()).errors;
}
} // namespace

TEST_CASE("a well ordered scenario has no errors") {
    CHECK(errors_of("steps:\n"
                    "  - ndctl create-namespace --mode=fsdax\n"
                    "  - mkfs.xfs -f /dev/pmem0\n"
                    "  - mount -o dax /dev/pmem0 /mnt\n"
                    "  - xfs_io -f -c \"pwrite 0 4k\" /mnt/f\n"
                    "  - expect ok\n"
                    "  - xfs_io -c \"mmap -r 0 4k\" /dev/dax0.0\n")
              .empty());
}

TEST_CASE("mount before any mkfs on that device is an error at the device") {
    const auto e = errors_of("steps:\n  - mount -o dax /dev/pmem0 /mnt\n");
    REQUIRE(e.size() == 1);
    CHECK(e[0].format() == "o.yaml:2:18: error: mount of /dev/pmem0 before any mkfs.xfs on it\n"
                           "hint: add a step 'mkfs.xfs /dev/pmem0' before it");
}

TEST_CASE("xfs_io on a path not under a mount is an error") {
    const auto e = errors_of("steps:\n"
                             "  - mkfs.xfs /dev/pmem0\n"
                             "  - mount -o dax /dev/pmem0 /mnt/pmem\n"
                             "  - xfs_io -c \"pread 0 4k\" /mnt/other/f\n");
    REQUIRE(e.size() == 1);
    CHECK(e[0].where.line == 4);
    CHECK(e[0].where.column == 5 + 23);
    CHECK(e[0].message == "/mnt/other/f is not under a mounted file system");
    CHECK(e[0].hint == "mounted: /mnt/pmem");
}

TEST_CASE("a path after umount is no longer under a mount") {
    const auto e = errors_of("steps:\n"
                             "  - mkfs.xfs /dev/pmem0\n"
                             "  - mount -o dax /dev/pmem0 /mnt\n"
                             "  - umount /mnt\n"
                             "  - rm /mnt/f\n");
    REQUIRE(e.size() == 1);
    CHECK(e[0].where.line == 5);
}

TEST_CASE("an expectation with nothing before it is an error") {
    const auto e = errors_of("steps:\n  - expect ok\n  - sync\n");
    REQUIRE(e.size() == 1);
    CHECK(e[0].where.line == 2);
    CHECK(e[0].message == "an expectation with nothing before it");
}

TEST_CASE("expect data on a file outside every mount is an error") {
    const auto e = errors_of("steps:\n  - sync\n  - expect data /mnt/f 0 4k 0xcd\n");
    REQUIRE(e.size() == 1);
    CHECK(e[0].hint == "mount a file system first: mount -o dax DEV DIR");
}
