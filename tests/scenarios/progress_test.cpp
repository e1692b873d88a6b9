// Progress lines: the `daxsim run` line is formatted without a terminal (steps done / total, simulated
// time, the current step's line and text, cut to the terminal width); the real program draws it only when
// stderr is a terminal (checked through `script`, which gives the program one), never in a pipe or file.
#include <doctest/doctest.h>

#include <regex>
#include <string>

#include "scenarios/progress.h"
#include "tests/scenarios/daxsim_process.h"

using namespace daxsim_test;
using namespace daxsim::scenarios;

namespace {

const std::string kScenario = DAXSIM_SOURCE_DIR "/scenarios/library/persistence/pwrite-durable.yaml";

} // namespace

TEST_CASE("simulated time in a progress line takes the largest unit below the value") {
    CHECK(format_sim_time(0) == "0 ns");
    CHECK(format_sim_time(999) == "999 ns");
    CHECK(format_sim_time(1000) == "1.000 us");
    CHECK(format_sim_time(12500) == "12.500 us");
    CHECK(format_sim_time(1234567) == "1.235 ms");
    CHECK(format_sim_time(2500000000ULL) == "2.500 s");
}

TEST_CASE("run progress line shows steps done of total then simulated time then the step line") {
    CHECK(format_run_progress(2, 12, 14, "mount -o dax /dev/pmem0 /mnt/pmem", 10260, 200) ==
          "[2/12 steps] sim 10.260 us | line 14: mount -o dax /dev/pmem0 /mnt/pmem");
    CHECK(format_run_progress(0, 3, 7, "expect output \"x\"", 0, 200) ==
          "[0/3 steps] sim 0 ns | line 7: expect output \"x\"");
}

TEST_CASE("run progress line turns control characters of the step into spaces") {
    CHECK(format_run_progress(1, 2, 5, "a\tb\nc\rd\x1b", 0, 200) ==
          "[1/2 steps] sim 0 ns | line 5: a b c d ");
}

TEST_CASE("run progress line is cut to the terminal width but keeps the counters") {
    const std::string text = "xfs_io -f -c \"pwrite -S 0xcd 0 64k\" /mnt/pmem/file";
    const std::string cut = format_run_progress(3, 10, 13, text, 10484, 50);
    CHECK(cut.size() == 50);
    CHECK(cut == "[3/10 steps] sim 10.484 us | line 13: xfs_io -f...");
    CHECK(format_run_progress(3, 10, 13, text, 10484, 10) == "[3/10 steps] sim 10.484 us...");
    // A UTF-8 character counts one column and is never split.
    const std::string wide =
        format_run_progress(0, 1, 1, "echo \xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 0, 36);
    CHECK(wide == "[0/1 steps] sim 0 ns | line 1: ec...");
    CHECK(format_run_progress(0, 1, 1, "echo \xc3\xa9\xc3\xa9", 0, 38) ==
          "[0/1 steps] sim 0 ns | line 1: echo \xc3\xa9\xc3\xa9");
}

TEST_CASE("run with stderr not a terminal prints no progress and nothing on stderr") {
    const auto dir = scratch_dir("progress-pipe");
    // stdout to a pipe, stderr to a file: neither is a terminal.
    const Run r = shell("{ SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1 '" DAXSIM_BINARY "' run '" + kScenario +
                        "' 2>'" + (dir / "stderr.txt").string() + "'; } </dev/null");
    REQUIRE_MESSAGE(r.status == 0, r.output);
    CHECK(slurp(dir / "stderr.txt").empty());
    CHECK(r.output.find('\r') == std::string::npos);
    CHECK(r.output.find('\x1b') == std::string::npos);
    CHECK(r.output.find("steps]") == std::string::npos);
    CHECK(r.output.find("$ mkfs.xfs -f /dev/pmem0\n") != std::string::npos);
    // The same bytes as a run whose stdout and stderr both go to the pipe.
    CHECK(run_daxsim("run '" + kScenario + "'").output == r.output);
}

TEST_CASE("run on a terminal draws the progress line between output lines and erases it at the end") {
    // `script` runs the program on a pseudo-terminal (stdout and stderr both on it).
    const Run r = shell("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1 script -qec \"'" DAXSIM_BINARY "' run '" +
                        kScenario + "'\" /dev/null </dev/null");
    REQUIRE_MESSAGE(r.status == 0, r.output);
    const std::string erase = "\r\x1b[K";
    CHECK(r.output.find(erase + "[0/10 steps] sim 0 ns | line 10: ndctl create-namespace") !=
          std::string::npos);
    // The line of a step is drawn before its echo, which erases it first (the time depends on the models).
    CHECK(
        std::regex_search(r.output, std::regex("\r\x1b\\[K\\[2/10 steps\\] sim [0-9.]+ [nu]s \\| line 12: "
                                               "mount -o dax /dev/pmem0 /mnt/pmem\r\x1b\\[K\\$ mount -o dax "
                                               "/dev/pmem0 /mnt/pmem\r\n")));
    // Erased before the summary: the summary starts a clean line.
    CHECK(r.output.find(erase + "PASS: pwrite-durable") != std::string::npos);
    const Run quiet = shell("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1 script -qec \"'" DAXSIM_BINARY "' run '" +
                            kScenario + "' --quiet\" /dev/null </dev/null");
    REQUIRE_MESSAGE(quiet.status == 0, quiet.output);
    CHECK(quiet.output.find("steps]") == std::string::npos);
    CHECK(quiet.output.find('\x1b') == std::string::npos);
}
