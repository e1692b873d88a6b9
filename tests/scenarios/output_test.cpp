#include <doctest/doctest.h>

#include "scenarios/output.h"

using namespace daxsim::scenarios;

namespace {
RunRecord sample() {
    RunRecord r;
    r.name = "demo";
    r.file = "demo.yaml";
    r.seed = 3;
    r.parameters = {{"dimm.count", "6"}, {"cpu.count", "2"}};
    StepRecord s;
    s.line = 5;
    s.text = "xfs_io -c \"pread 0 4k\" /mnt/f";
    s.outcome = "failed";
    s.error = "EIO";
    s.output = {"pread: Input/output error"};
    s.detail = "pread: Input/output error";
    s.sim_start_ns = 100;
    s.sim_end_ns = 900;
    s.failure_expected = true;
    r.steps.push_back(s);
    r.expectations.push_back({6, "expect errno EIO", true, "line 5 failed with EIO"});
    r.metrics = {{"sim.time_ns", 900.0}, {"cow.copy_bytes", 61440.0}, {"ratio", 0.5}};
    r.layers = {{"mce", 2000}, {"signal", 800}};
    r.dmesg = {"[    0.000001] boot"};
    return r;
}
} // namespace

TEST_CASE("results json has the documented keys in order") {
    const auto j = results_json(sample());
    std::vector<std::string> keys;
    for (auto it = j.begin(); it != j.end(); ++it)
        keys.push_back(it.key());
    CHECK(keys == std::vector<std::string>{"scenario", "daxsim_version", "seed", "parameters", "status",
                                           "steps", "expectations", "metrics", "layers", "dmesg"});
    CHECK(j["status"] == "pass");
    CHECK(j["steps"][0]["outcome"] == "failed");
    CHECK(j["steps"][0]["errno"] == "EIO");
    CHECK(j["steps"][0]["sim_end_ns"] == 900);
    CHECK(j["expectations"][0]["outcome"] == "pass");
    CHECK(j["metrics"]["cow.copy_bytes"].is_number_unsigned());
    CHECK(j["metrics"]["ratio"] == 0.5);
    CHECK(j["metrics"].begin().key() == "cow.copy_bytes"); // sorted
}

TEST_CASE("an unexpected step failure fails the run and the summary names its line") {
    RunRecord r = sample();
    r.steps[0].failure_expected = false;
    CHECK_FALSE(r.passed());
    CHECK(results_json(r)["status"] == "fail");
    const std::string summary = format_summary(r);
    CHECK(summary.starts_with("FAIL: demo\n"));
    CHECK(summary.find(
              "demo.yaml:5: step failed: xfs_io -c \"pread 0 4k\" /mnt/f: pread: Input/output error") !=
          std::string::npos);
}

TEST_CASE("a failed expectation is listed with file and line") {
    RunRecord r = sample();
    r.expectations[0].pass = false;
    r.expectations[0].detail = "line 5 succeeded";
    const std::string summary = format_summary(r);
    CHECK(summary.find("demo.yaml:6: expectation failed: expect errno EIO: line 5 succeeded") !=
          std::string::npos);
}

TEST_CASE("the summary lists the failure path layers in path order") {
    const std::string summary = format_summary(sample());
    const auto hw = summary.find("hardware");
    const auto mce = summary.find("mce");
    const auto signal = summary.find("signal");
    REQUIRE(hw != std::string::npos);
    CHECK(hw < mce);
    CHECK(mce < signal);
    CHECK(summary.find("2000 ns") != std::string::npos);
}
