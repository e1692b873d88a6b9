// `daxsim fsx` and `daxsim bench failure` as users run them (the built binary).
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include <regex>

#include "scenarios/fsx.h"
#include "tests/scenarios/daxsim_process.h"

using daxsim_test::run_daxsim;

TEST_CASE("fsx runs 300 ops with seed 1 and finds no mismatch") {
    const auto dir = daxsim_test::scratch_dir("fsx-300");
    const auto r = run_daxsim("fsx --ops 300 --seed 1 --out '" + dir.string() + "'");
    INFO(r.output);
    CHECK(r.status == 0);
    CHECK(r.output.find("fsx: 300 ops, 0 mismatches\n") != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(dir / "fsx-repro.yaml"));
}

TEST_CASE("fsx output is the same for the same seed") {
    const auto a = run_daxsim("fsx --ops 60 --seed 7");
    const auto b = run_daxsim("fsx --ops 60 --seed 7");
    CHECK(a.status == 0);
    CHECK(a.output == b.output);
}

// The oracle mis-records one pwrite (hidden --inject-bug): the kernel is right and the oracle wrong, so
// the true minimum is that pwrite plus one read of its bytes (and a falloc or write that makes the file
// long enough for the pwrite to keep sizes page multiples); everything else must be shrunk away.
TEST_CASE("fsx shrinks an injected oracle bug to a 1-minimal repro that daxsim run fails") {
    const auto dir = daxsim_test::scratch_dir("fsx-inject");
    const auto r = run_daxsim("fsx --ops 400 --seed 1 --inject-bug 40 --out '" + dir.string() + "'");
    INFO(r.output);
    CHECK(r.status == 1);
    std::smatch m;
    REQUIRE(
        std::regex_search(r.output, m, std::regex(R"(fsx: (\d+) ops, 1 mismatch; repro: (\d+) ops in )")));
    const long prefix = std::stol(m[1].str());
    const long repro_ops = std::stol(m[2].str());
    CHECK(prefix >= 40);
    CHECK(repro_ops >= 2); // the pwrite and the read; a falloc when the pwrite needs a larger file
    CHECK(repro_ops <= 3);
    CHECK(repro_ops * 10 <= prefix);
    const auto yaml = daxsim_test::slurp(dir / "fsx-repro.yaml");
    INFO(yaml);
    CHECK(yaml.find("shrunk by delta debugging") != std::string::npos);
    CHECK(yaml.find("- 'expect data /mnt/pmem/f") != std::string::npos);
    const auto run = run_daxsim("run '" + (dir / "fsx-repro.yaml").string() + "'");
    INFO(run.output);
    CHECK(run.status == 1);
}

TEST_CASE("bench failure smoke run prints rows of the documented JSON shape") {
    const auto r = run_daxsim("bench failure --json --max-records 1000");
    INFO(r.output);
    REQUIRE(r.status == 0);
    const auto j = nlohmann::json::parse(r.output);
    REQUIRE(j.at("rows").size() == 1);
    const auto& row = j["rows"][0];
    // 1000 bulk records plus the owners of the poisoned block and the static metadata of AG 0.
    CHECK(row.at("records").template get<long>() > 1000);
    CHECK(row.at("owners").template get<int>() == 4);
    CHECK(row.at("host_us_per_event").template get<double>() > 0.0);
    CHECK(row.at("sim_ns_per_layer").at("xfs_rmap").template get<long>() > 0);
}

// The oracle records one reflink as a copy (a layout bug, not a data one): the kernel shares the blocks
// where the oracle has none shared, so the repro must end with an `expect unshared` that fails on it.
TEST_CASE("fsx ends a layout mismatch repro with a sharing expectation that daxsim run fails") {
    const auto dir = daxsim_test::scratch_dir("fsx-layout");
    daxsim::scenarios::FsxOptions o;
    o.ops = 400;
    o.seed = 1;
    o.inject_bug = 1;
    o.inject_bug_kind = daxsim::scenarios::FsxOptions::InjectBug::layout;
    o.out_dir = dir;
    CHECK(daxsim::scenarios::fsx_main(o) == 1);
    const auto yaml = daxsim_test::slurp(dir / "fsx-repro.yaml");
    INFO(yaml);
    std::smatch m;
    REQUIRE(std::regex_search(yaml, m, std::regex(R"(- '(expect [a-z]+ [^']*)'\n$)")));
    CHECK(m[1].str().starts_with("expect unshared /mnt/pmem/f"));
    const auto run = run_daxsim("run '" + (dir / "fsx-repro.yaml").string() + "'");
    INFO(run.output);
    CHECK(run.status == 1);
    CHECK(run.output.find("is shared") != std::string::npos);
}
