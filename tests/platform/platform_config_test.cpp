#include "platform/platform_config.h"

#include <doctest/doctest.h>

using daxsim::platform::PlatformConfig;

TEST_CASE("default platform config validates") {
    const PlatformConfig c;
    CHECK_FALSE(c.validate());
    CHECK(c.dimm_count == 6);
    CHECK(c.interleave.ways == 6);
    CHECK(c.quantum_ns == 1000);
}

TEST_CASE("validate rejects interleave ways that do not divide the DIMM count") {
    PlatformConfig c;
    c.interleave.ways = 4;
    const auto err = c.validate();
    REQUIRE(err);
    CHECK(*err == "interleave.ways: 4 does not divide dimm.count 6");
}

TEST_CASE("validate rejects a granularity smaller than the media line") {
    PlatformConfig c;
    c.interleave.granularity_bytes = 128;
    const auto err = c.validate();
    REQUIRE(err);
    CHECK(err->rfind("interleave.granularity: 128", 0) == 0);
}

TEST_CASE("validate rejects a zero quantum") {
    PlatformConfig c;
    c.quantum_ns = 0;
    const auto err = c.validate();
    REQUIRE(err);
    CHECK(err->rfind("sim.quantum", 0) == 0);
}

TEST_CASE("validate rejects a DIMM without media partitions") {
    PlatformConfig c;
    c.dimm.media_partitions = 0;
    const auto err = c.validate();
    REQUIRE(err);
    CHECK(*err == "dimm.media_partitions: 0 is not between 1 and 1024");
}

TEST_CASE("validate rejects a cache with more ways than its LRU lists can number") {
    PlatformConfig c;
    c.cpu.cache_bytes = 8ull << 20; // 131072 lines
    c.cpu.cache_ways = 131072;      // fully associative: would fit, but not in 16-bit way numbers
    const auto err = c.validate();
    REQUIRE(err);
    CHECK(*err == "cpu.cache_ways: 131072 is more than 65536");
    c.cpu.cache_ways = 65536;
    CHECK_FALSE(c.validate());
}
