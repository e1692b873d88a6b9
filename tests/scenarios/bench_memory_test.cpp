// `daxsim bench memory` as users run it: rows in child processes, JSON keys, the sparse-media goal.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "daxsim_process.h"

using namespace daxsim_test;

TEST_CASE("bench memory with six 512 GiB DIMMs stays under 64 MiB plus 1.2 times the bytes touched") {
    const auto r = run_daxsim("bench memory --json --touch 0 --touch 8MiB");
    INFO(r.output);
    REQUIRE(r.status == 0);
    const auto j = nlohmann::json::parse(r.output);
    REQUIRE(j.at("rows").size() == 2);
    for (const auto& row : j.at("rows"))
        CHECK(row.at("configured_bytes").get<std::uint64_t>() == 6 * (512ull << 30));
    CHECK(j.at("rows")[1].at("touched_bytes").get<std::uint64_t>() == 8ull << 20);
#if defined(__SANITIZE_ADDRESS__)
    // AddressSanitizer's shadow memory and quarantine inflate RSS: the goal is a release-build figure.
    MESSAGE("RSS goal not checked under AddressSanitizer");
#else
    for (const auto& row : j.at("rows")) {
        CHECK(row.at("rss_bytes").get<std::uint64_t>() < row.at("goal_bytes").get<std::uint64_t>());
        CHECK(row.at("within_goal").get<bool>());
    }
    // Touching 8 MiB of media costs host memory of that order, not of the 3 TiB configured.
    const auto grew = j.at("rows")[1].at("rss_bytes").get<std::int64_t>() -
                      j.at("rows")[0].at("rss_bytes").get<std::int64_t>();
    CHECK(grew > 4 << 20);
    CHECK(grew < 32 << 20);
#endif
}

TEST_CASE("bench memory rejects a touch size without a number") {
    const auto r = run_daxsim("bench memory --touch MiB");
    CHECK(r.status == 2);
    CHECK(r.output.find("bench memory --touch MiB") != std::string::npos);
}
