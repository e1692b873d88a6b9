// `daxsim sweep --slurm`, `--point I DIR` and `--collect DIR`: the real program writes a job-array
// script and the points file, runs single points as array tasks would, and collects a sweep.csv that is
// byte-identical to the local sweep's. No Slurm cluster is needed: the tests run the tasks themselves
// (slurm_cluster_test.sh submits to a real one-node cluster). Paths with spaces and quotes are quoted
// for the shell in the script's command and for sbatch in its #SBATCH --output line.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "tests/scenarios/daxsim_process.h"

using namespace daxsim_test;

namespace {

const std::string kQuickstart = DAXSIM_SOURCE_DIR "/scenarios/quickstart.yaml";

// A word for the POSIX shell, whatever the path holds.
std::string quoted(const std::filesystem::path& p) {
    std::string out = "'";
    for (const char c : p.string())
        out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

} // namespace

TEST_CASE("sweep slurm writes a job array script and the points file without running") {
    const auto dir = scratch_dir("slurm-script");
    const Run r =
        run_daxsim("sweep '" + kQuickstart +
                   "' --grid dimm.read_latency=150ns,600ns --grid cost.mce_entry=1us,2us,4us --out " +
                   quoted(dir) + " --slurm");
    REQUIRE_MESSAGE(r.status == 0, r.output);
    CHECK(r.output.find("sbatch '" + (dir / "sweep.sbatch").string() + "'") != std::string::npos);
    CHECK(r.output.find("sweep --collect '" + dir.string() + "'") != std::string::npos);
    const std::string script = slurp(dir / "sweep.sbatch");
    CHECK(script.rfind("#!/bin/sh\n", 0) == 0);
    CHECK(script.find("#SBATCH --array=0-5\n") != std::string::npos);
    CHECK(script.find("#SBATCH --job-name=daxsim-sweep\n") != std::string::npos);
    CHECK(script.find("#SBATCH --cpus-per-task=1\n") != std::string::npos);
    CHECK(script.find("#SBATCH --output=\"" + (dir / "points" / "%a.log").string() + "\"\n") !=
          std::string::npos);
    CHECK(script.find("exec '" DAXSIM_BINARY "' sweep --point \"$SLURM_ARRAY_TASK_ID\" '" + dir.string() +
                      "'\n") != std::string::npos);
    const auto tsv = lines(slurp(dir / "points.tsv"));
    REQUIRE(tsv.size() == 8); // comment, scenario, six points
    CHECK(tsv[1] == "scenario\t" + kQuickstart);
    CHECK(tsv[2] == "0\tdimm.read_latency=150ns\tcost.mce_entry=1us");
    CHECK(tsv[4] == "2\tdimm.read_latency=150ns\tcost.mce_entry=4us");
    CHECK(tsv[7] == "5\tdimm.read_latency=600ns\tcost.mce_entry=4us");
    CHECK(std::filesystem::is_directory(dir / "points")); // Slurm does not create the --output directory
    CHECK(std::filesystem::is_empty(dir / "points"));     // nothing ran
    CHECK_FALSE(std::filesystem::exists(dir / "sweep.csv"));
}

TEST_CASE("sweep slurm with a bad grid value exits 2 and writes nothing") {
    const auto dir = scratch_dir("slurm-bad");
    const Run r = run_daxsim("sweep '" + kQuickstart + "' --grid dimm.read_latency=100ns,fast --out " +
                             quoted(dir / "out") + " --slurm");
    CHECK(r.status == 2);
    CHECK(r.output.find("bad value 'fast'") != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(dir / "out"));
}

TEST_CASE("slurm points run one by one and collected match the local sweep byte for byte") {
    const auto local = scratch_dir("slurm-local");
    const auto cluster = scratch_dir("slurm-cluster");
    const std::string grid = "--grid persistence=adr,eadr --grid cost.kill_proc=100ns,2us";
    const Run a = run_daxsim("sweep '" + kQuickstart + "' " + grid + " -j 2 --out " + quoted(local));
    REQUIRE_MESSAGE(a.status == 0, a.output);
    const Run s =
        run_daxsim("sweep '" + kQuickstart + "' " + grid + " --out " + quoted(cluster) + " --slurm");
    REQUIRE_MESSAGE(s.status == 0, s.output);
    // Array tasks finish in any order.
    for (const int i : {3, 0, 2, 1}) {
        const Run p = run_daxsim("sweep --point " + std::to_string(i) + " " + quoted(cluster));
        REQUIRE_MESSAGE(p.status == 0, p.output);
        CHECK(p.output.find("point " + std::to_string(i) + ": pass (exit 0)") != std::string::npos);
        CHECK(std::filesystem::exists(cluster / "points" / ("000" + std::to_string(i)) / "results.json"));
    }
    const Run c = run_daxsim("sweep --collect " + quoted(cluster));
    REQUIRE_MESSAGE(c.status == 0, c.output);
    CHECK(c.output.find("4 points, 4 passed, 0 failed, 0 missing") != std::string::npos);
    const std::string csv = slurp(cluster / "sweep.csv");
    CHECK(lines(csv).size() == 5);
    CHECK(csv.find("mf.latency_ns") != std::string::npos);
    CHECK(csv == slurp(local / "sweep.csv"));
}

TEST_CASE("collect marks a point that never ran as missing and exits 1") {
    const auto dir = scratch_dir("slurm-missing");
    const Run s = run_daxsim("sweep '" + kQuickstart + "' --grid cost.kill_proc=100ns,800ns,2us --out " +
                             quoted(dir) + " --slurm");
    REQUIRE_MESSAGE(s.status == 0, s.output);
    REQUIRE(run_daxsim("sweep --point 0 " + quoted(dir)).status == 0);
    REQUIRE(run_daxsim("sweep --point 2 " + quoted(dir)).status == 0);
    const Run c = run_daxsim("sweep --collect " + quoted(dir));
    CHECK(c.status == 1);
    CHECK(c.output.find("3 points, 2 passed, 0 failed, 1 missing") != std::string::npos);
    const auto rows = lines(slurp(dir / "sweep.csv"));
    REQUIRE(rows.size() == 4);
    const auto header = fields(rows[0]);
    const auto missing = fields(rows[2]);
    REQUIRE(missing.size() == header.size());
    CHECK(missing[0] == "1");
    CHECK(missing[1] == "800ns");
    CHECK(missing[2] == "missing");
    CHECK(missing[3].empty());
    CHECK(missing.back().empty()); // no metrics
    CHECK(fields(rows[1])[2] == "pass");
    CHECK(fields(rows[3])[2] == "pass");
}

TEST_CASE("sweep point exits with the status of its run and out of range points exit 2") {
    const auto dir = scratch_dir("slurm-fail");
    const Run s = run_daxsim("sweep '" DAXSIM_SOURCE_DIR
                             "/tests/scenarios/failing/expectation-fails.yaml' --grid cpu.count=1,2 --out " +
                             quoted(dir) + " --slurm");
    REQUIRE_MESSAGE(s.status == 0, s.output);
    const Run p = run_daxsim("sweep --point 1 " + quoted(dir));
    CHECK(p.status == 1);
    CHECK(p.output.find("point 1: fail (exit 1)") != std::string::npos);
    CHECK(slurp(dir / "points" / "0001" / "exit_status") == "1\n");
    const Run out_of_range = run_daxsim("sweep --point 2 " + quoted(dir));
    CHECK(out_of_range.status == 2);
    CHECK(out_of_range.output.find("the sweep has points 0 to 1") != std::string::npos);
    REQUIRE(run_daxsim("sweep --point 0 " + quoted(dir)).status == 1);
    const Run c = run_daxsim("sweep --collect " + quoted(dir));
    CHECK(c.status == 1);
    const auto rows = lines(slurp(dir / "sweep.csv"));
    REQUIRE(rows.size() == 3);
    CHECK(fields(rows[1])[2] == "fail");
    CHECK(fields(rows[2])[3] == "1");
}

TEST_CASE("collect of a directory without points tsv exits 2") {
    const auto dir = scratch_dir("slurm-nodir");
    const Run c = run_daxsim("sweep --collect " + quoted(dir));
    CHECK(c.status == 2);
    CHECK(c.output.find("points.tsv: error: cannot read the points of the sweep") != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(dir / "sweep.csv"));
}

TEST_CASE("slurm script quotes a sweep dir with spaces and quotes and its tasks run from the script") {
    // sbatch reads #SBATCH lines itself: double quotes group, a backslash escapes, %% is a percent sign.
    const auto dir = scratch_dir("slurm-odd-dir") / "sweep dir it's 50% \"q\"";
    const Run s = run_daxsim("sweep '" + kQuickstart + "' --grid cost.kill_proc=100ns,2us --out " +
                             quoted(dir) + " --slurm");
    REQUIRE_MESSAGE(s.status == 0, s.output);
    CHECK(s.output.find("sbatch " + quoted(dir / "sweep.sbatch") + "\n") != std::string::npos);
    const std::string script = slurp(dir / "sweep.sbatch");
    const std::string base = dir.parent_path().string();
    CHECK(script.find("#SBATCH --output=\"" + base + "/sweep dir it's 50%% \\\"q\\\"/points/%a.log\"\n") !=
          std::string::npos);
    CHECK(script.find("sweep --point \"$SLURM_ARRAY_TASK_ID\" " + quoted(dir) + "\n") != std::string::npos);
    // Each array task runs the script's command in the shell, with its index in the environment.
    for (const int i : {1, 0}) {
        const Run task =
            shell("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1 SLURM_ARRAY_TASK_ID=" + std::to_string(i) + " sh " +
                  quoted(dir / "sweep.sbatch") + " </dev/null");
        REQUIRE_MESSAGE(task.status == 0, task.output);
        CHECK(task.output == "point " + std::to_string(i) + ": pass (exit 0): " +
                                 (dir / "points" / ("000" + std::to_string(i))).string() + "\n");
    }
    const Run c = run_daxsim("sweep --collect " + quoted(dir));
    REQUIRE_MESSAGE(c.status == 0, c.output);
    CHECK(c.output.find("2 points, 2 passed, 0 failed, 0 missing") != std::string::npos);
}

TEST_CASE("slurm sweep into a dir with a backslash exits 2 and writes nothing") {
    const auto dir = scratch_dir("slurm-backslash") / "a\\b";
    const Run s = run_daxsim("sweep '" + kQuickstart + "' --grid cost.kill_proc=100ns,2us --out " +
                             quoted(dir) + " --slurm");
    CHECK(s.status == 2);
    CHECK(s.output.find("a --slurm sweep directory cannot hold a backslash or a line break") !=
          std::string::npos);
    CHECK_FALSE(std::filesystem::exists(dir));
}
