#include <doctest/doctest.h>

#include "scenarios/units.h"

using namespace daxsim::scenarios;

TEST_CASE("sizes take plain hex and xfs_io units") {
    CHECK(parse_size("4096").value() == 4096);
    CHECK(parse_size("0x1000").value() == 4096);
    CHECK(parse_size("4k").value() == 4096);
    CHECK(parse_size("4K").value() == 4096);
    CHECK(parse_size("2m").value() == 2u << 20);
    CHECK(parse_size("2MiB").value() == 2u << 20);
    CHECK(parse_size("1g").value() == 1u << 30);
    CHECK(parse_size("128GiB").value() == 128ull << 30);
    CHECK(parse_size("256B").value() == 256);
    CHECK(parse_size("1s").value() == 512);
    CHECK(parse_size("2b").value() == 8192);
}

TEST_CASE("a size without a number is an error that says so") {
    auto r = parse_size("k");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message == "'k' is not a size: it has no number");
}

TEST_CASE("a size with an unknown unit names the unit") {
    auto r = parse_size("4kb");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message == "'4kb' has an unknown unit 'kb'");
}

TEST_CASE("a size that overflows is rejected") {
    CHECK_FALSE(parse_size("99999999999999999999").ok());
    CHECK_FALSE(parse_size("20000000000TiB").ok());
}

TEST_CASE("durations take ns us ms s and bare nanoseconds") {
    CHECK(parse_duration_ns("150").value() == 150);
    CHECK(parse_duration_ns("150ns").value() == 150);
    CHECK(parse_duration_ns("10us").value() == 10'000);
    CHECK(parse_duration_ns("3ms").value() == 3'000'000);
    CHECK(parse_duration_ns("2s").value() == 2'000'000'000);
    CHECK_FALSE(parse_duration_ns("2h").ok());
}

TEST_CASE("metric values read sizes durations and decimals") {
    CHECK(parse_metric_value("61440").value() == 61440.0);
    CHECK(parse_metric_value("60KiB").value() == 61440.0);
    CHECK(parse_metric_value("10us").value() == 10000.0);
    CHECK(parse_metric_value("1s").value() == 1e9);
    CHECK(parse_metric_value("0.5").value() == 0.5);
    CHECK_FALSE(parse_metric_value("fast").ok());
}
