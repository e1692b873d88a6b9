// `daxsim calibrate` and `daxsim bench speed` as users run them (the built binary).
#include <doctest/doctest.h>

#include <cmath>
#include <string>

#include <nlohmann/json.hpp>

#include "tests/scenarios/daxsim_process.h"

using daxsim_test::run_daxsim;

namespace {

const nlohmann::json* find_row(const nlohmann::json& rows, const std::string& prefix) {
    for (const auto& row : rows)
        if (row.at("metric").get<std::string>().rfind(prefix, 0) == 0) return &row;
    return nullptr;
}

} // namespace

TEST_CASE("calibrate json has eight rows with every key and the latencies within ten percent") {
    const auto r = run_daxsim("calibrate --json");
    INFO(r.output);
    REQUIRE(r.status == 0);
    const auto j = nlohmann::json::parse(r.output);
    const auto& rows = j.at("rows");
    CHECK(rows.size() >= 8);
    for (const auto& row : rows) {
        for (const char* key : {"metric", "unit", "reference", "simulated", "error_pct", "source"})
            CHECK(row.contains(key));
        CHECK(row.at("reference").get<double>() > 0);
        CHECK(row.at("simulated").get<double>() > 0);
        CHECK_FALSE(row.at("source").get<std::string>().empty());
    }
    for (const char* metric : {"idle random 64 B load latency", "idle sequential 64 B load latency",
                               "store + clwb + sfence latency"}) {
        const auto* row = find_row(rows, metric);
        REQUIRE_MESSAGE(row != nullptr, metric);
        INFO(metric);
        CHECK(std::fabs(row->at("error_pct").get<double>()) <= 10.0);
        const double ref = row->at("reference").get<double>();
        CHECK(std::fabs(row->at("simulated").get<double>() - ref) <= ref * 0.1);
    }
    const auto* wa = find_row(rows, "write amplification");
    REQUIRE(wa != nullptr);
    CHECK(wa->at("simulated").get<double>() == doctest::Approx(4.0));
}

TEST_CASE("calibrate bandwidth rows from parallel threads are all within ten percent of the papers") {
    // One and six DIMMs, 17 reader and 4 writer threads: fill buffers, RPQ/WPQ, XPBuffer and media
    // occupancy bound them (measured 6.54, 2.32, 36.89 and 14.25 GB/s against 6.6, 2.3, 39.4 and 13.9).
    const auto r = run_daxsim("calibrate --json");
    REQUIRE(r.status == 0);
    const auto j = nlohmann::json::parse(r.output);
    int bandwidth_rows = 0;
    for (const auto& row : j.at("rows")) {
        if (row.at("unit") != "GB/s") continue;
        ++bandwidth_rows;
        INFO(row.at("metric").get<std::string>());
        CHECK(std::fabs(row.at("error_pct").get<double>()) <= 10.0);
        CHECK(row.at("within_target").get<bool>());
    }
    CHECK(bandwidth_rows == 4);
}

TEST_CASE("calibrate table is the same on every run") {
    const auto a = run_daxsim("calibrate");
    const auto b = run_daxsim("calibrate");
    INFO(a.output);
    CHECK(a.status == 0);
    CHECK(a.output.find("idle random 64 B load latency") != std::string::npos);
    CHECK(a.output == b.output);
}

TEST_CASE("calibrate rejects an unknown row") {
    const auto r = run_daxsim("calibrate --row no_such_row");
    CHECK(r.status == 2);
    CHECK(r.output.find("no row 'no_such_row'") != std::string::npos);
}

TEST_CASE("bench speed json has the three rates for lt at the top level") {
    const auto r = run_daxsim("bench speed --json --transactions 20000");
    INFO(r.output);
    REQUIRE(r.status == 0);
    const auto j = nlohmann::json::parse(r.output);
    CHECK(j.at("sim_txn_per_s").get<double>() > 0);
    CHECK(j.at("raw_txn_per_s").get<double>() > 0);
    CHECK(j.at("ratio").get<double>() > 0);
    CHECK(j.at("ratio").get<double>() ==
          doctest::Approx(j.at("sim_txn_per_s").get<double>() / j.at("raw_txn_per_s").get<double>()));
}

TEST_CASE("bench speed reports the at timing mode next to lt") {
    const auto r = run_daxsim("bench speed --json --transactions 20000");
    INFO(r.output);
    REQUIRE(r.status == 0);
    const auto j = nlohmann::json::parse(r.output);
    CHECK(j.at("timing") == "lt");
    const auto& at = j.at("at");
    CHECK(at.at("sim_txn_per_s").get<double>() > 0);
    CHECK(at.at("ratio").get<double>() ==
          doctest::Approx(at.at("sim_txn_per_s").get<double>() / at.at("raw_txn_per_s").get<double>()));
}
