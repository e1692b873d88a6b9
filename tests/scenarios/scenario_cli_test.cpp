// Runs the built `daxsim` program (DAXSIM_BINARY) the way users and outside test suites do, and checks
// the contract of DESIGN.md "The daxsim command": exit status 2 and `FILE:LINE:COL: error:` for invalid
// input, printed before anything runs.
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <sys/wait.h>

#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

using namespace std::string_literals;

namespace {

struct Run {
    int status = -1;
    std::string output; // stdout and stderr
};

Run daxsim(const std::string& args) {
    Run r;
    const std::string cmd = "SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1 '" DAXSIM_BINARY "' " + args + " 2>&1";
    FILE* p = popen(cmd.c_str(), "r");
    REQUIRE(p != nullptr);
    std::array<char, 4096> buf{};
    while (const std::size_t n = fread(buf.data(), 1, buf.size(), p))
        r.output.append(buf.data(), n);
    const int raw = pclose(p);
    r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
    return r;
}

std::string invalid(const char* name) {
    return DAXSIM_SOURCE_DIR "/tests/scenarios/invalid/"s + name;
}

std::string minimal() {
    return DAXSIM_SOURCE_DIR "/tests/scenarios/minimal.yaml"s;
}

void check_rejected(const char* name, const std::string& expected) {
    const Run r = daxsim("run '" + invalid(name) + "' --quiet");
    CHECK(r.status == 2);
    CHECK_MESSAGE(r.output.find(expected) != std::string::npos, r.output);
}

} // namespace

TEST_CASE("cli version prints the version and exits 0") {
    const Run r = daxsim("--version");
    CHECK(r.status == 0);
    CHECK(r.output.find("daxsim 0.1.0") != std::string::npos);
}

TEST_CASE("cli help lists every command of the contract") {
    const Run r = daxsim("--help");
    CHECK(r.status == 0);
    for (const char* c : {"run", "sweep", "calibrate", "bench", "params"})
        CHECK(r.output.find(c) != std::string::npos);
}

TEST_CASE("cli params lists keys with defaults") {
    const Run r = daxsim("params");
    CHECK(r.status == 0);
    CHECK(r.output.find("dimm.capacity") != std::string::npos);
    CHECK(r.output.find("vm.memory_failure_early_kill") != std::string::npos);
}

TEST_CASE("cli misuse exits 2") {
    CHECK(daxsim("run").status == 2);
    CHECK(daxsim("frobnicate").status == 2);
    CHECK(daxsim("run x.yaml --no-such-flag").status == 2);
}

TEST_CASE("cli vcd without an output directory exits 2 and asks for --out") {
    const Run r = daxsim("run '" DAXSIM_SOURCE_DIR "/scenarios/quickstart.yaml' --vcd");
    CHECK(r.status == 2);
    CHECK(r.output.find("--vcd writes DIR/waves.vcd: give --out DIR") != std::string::npos);
}

TEST_CASE("cli missing scenario file exits 2") {
    const Run r = daxsim("run /nonexistent/x.yaml");
    CHECK(r.status == 2);
    CHECK(r.output.find("/nonexistent/x.yaml: error: cannot read the scenario file") != std::string::npos);
}

TEST_CASE("cli rejects an unknown command with line column and hint") {
    check_rejected(
        "unknown-command.yaml",
        "unknown-command.yaml:4:5: error: unknown command 'mkfs.xsf'\nhint: did you mean 'mkfs.xfs'?");
}

TEST_CASE("cli rejects an unquoted step beginning with at sign") {
    check_rejected("unquoted-at.yaml",
                   "unquoted-at.yaml:4:5: error: a step that begins with '@' must be quoted");
}

TEST_CASE("cli rejects an unquoted step containing colon space") {
    check_rejected("unquoted-colon.yaml",
                   "unquoted-colon.yaml:4:5: error: a step that contains ': ' must be quoted");
}

TEST_CASE("cli rejects an unknown parameter") {
    check_rejected("unknown-parameter.yaml", "unknown-parameter.yaml:3:3: error: unknown parameter "
                                             "'dimm.cuont'\nhint: did you mean 'dimm.count'?");
}

TEST_CASE("cli rejects an impossible machine naming the key") {
    check_rejected("impossible-machine.yaml", "impossible-machine.yaml:3:3: error: impossible machine: "
                                              "interleave.ways: 4 does not divide dimm.count 6");
}

TEST_CASE("cli rejects an impossible machine from set") {
    const Run r = daxsim("run '" + minimal() + "' --set cpu.count=0");
    CHECK(r.status == 2);
    CHECK(r.output.find(
              "daxsim: error: --set cpu.count=0: impossible machine: cpu.count: 0 is not between 1 and 64") !=
          std::string::npos);
}

TEST_CASE("cli rejects an unknown set key with a suggestion") {
    const Run r = daxsim("run '" + minimal() + "' --set persistance=eadr");
    CHECK(r.status == 2);
    CHECK(r.output.find(
              "--set persistance=eadr: unknown parameter 'persistance'\nhint: did you mean 'persistence'?") !=
          std::string::npos);
}

TEST_CASE("cli rejects a bad regex") {
    check_rejected("bad-regex.yaml", "bad-regex.yaml:4:18: error: bad regular expression \"([a-z\"");
}

TEST_CASE("cli rejects a mount before mkfs") {
    check_rejected("mount-before-mkfs.yaml",
                   "mount-before-mkfs.yaml:4:18: error: mount of /dev/pmem0 before any mkfs.xfs on it");
}

TEST_CASE("cli rejects an unknown top level key") {
    check_rejected("unknown-key.yaml",
                   "unknown-key.yaml:2:1: error: unknown key 'step'\nhint: did you mean 'steps'?");
}

TEST_CASE("cli rejects a size without a number inside an xfs_io command") {
    check_rejected("size-without-number.yaml",
                   "size-without-number.yaml:6:28: error: LEN: 'k' is not a size: it has no number");
}

TEST_CASE("cli rejects malformed yaml") {
    check_rejected("malformed.yaml", "malformed.yaml:3:1: error:");
}

namespace {
std::string slurp(const std::filesystem::path& p) {
    std::ifstream in(p);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::filesystem::path out_dir(const std::string& name) {
    const auto dir =
        std::filesystem::temp_directory_path() / ("daxsim-cli-" + name + "-" + std::to_string(getpid()));
    std::filesystem::remove_all(dir);
    return dir;
}
} // namespace

TEST_CASE("cli set before and after the file both apply and reach results json") {
    const auto dir = out_dir("set");
    const Run r = daxsim("run --set cpu.count=4 '" + minimal() + "' --set persistence=eadr --quiet --out '" +
                         dir.string() + "'");
    CHECK(r.status == 0);
    const std::string results = slurp(dir / "results.json");
    CHECK(results.find("\"cpu.count\": \"4\"") != std::string::npos);
    CHECK(results.find("\"persistence\": \"eadr\"") != std::string::npos);
    CHECK(results.find("\"status\": \"pass\"") != std::string::npos);
    std::filesystem::remove_all(dir);
}

TEST_CASE("cli runs are deterministic to the byte") {
    const auto a = out_dir("det-a");
    const auto b = out_dir("det-b");
    REQUIRE(daxsim("run '" + minimal() + "' --quiet --seed 5 --out '" + a.string() + "'").status == 0);
    REQUIRE(daxsim("run '" + minimal() + "' --quiet --seed 5 --out '" + b.string() + "'").status == 0);
    CHECK(slurp(a / "results.json") == slurp(b / "results.json"));
    CHECK(slurp(a / "trace.json") == slurp(b / "trace.json"));
    CHECK(slurp(a / "trace.json").find("\"thread_name\"") != std::string::npos);
    std::filesystem::remove_all(a);
    std::filesystem::remove_all(b);
}

TEST_CASE("one guest thread gives the same results under at timing as under lt") {
    // With one core issuing, decoupling changes nothing about the order requests reach the queues: every
    // figure, signal and dmesg line must be the same; only the recorded parameter differs.
    const auto lt = out_dir("timing-lt");
    const auto at = out_dir("timing-at");
    const std::string quickstart = DAXSIM_SOURCE_DIR "/scenarios/quickstart.yaml";
    REQUIRE(daxsim("run '" + quickstart + "' --quiet --out '" + lt.string() + "'").status == 0);
    REQUIRE(daxsim("run '" + quickstart + "' --quiet --set timing=at --out '" + at.string() + "'").status ==
            0);
    std::string a = slurp(lt / "results.json");
    std::string b = slurp(at / "results.json");
    const auto lt_param = a.find("\"timing\": \"lt\"");
    REQUIRE(lt_param != std::string::npos);
    REQUIRE(b.find("\"timing\": \"at\"") == lt_param);
    a.replace(lt_param, 14, "\"timing\": \"at\"");
    CHECK(a == b);
    std::filesystem::remove_all(lt);
    std::filesystem::remove_all(at);
}

TEST_CASE("cli invalid input writes no output files") {
    const auto dir = out_dir("invalid");
    CHECK(daxsim("run '" + invalid("unknown-command.yaml") + "' --out '" + dir.string() + "'").status == 2);
    CHECK_FALSE(std::filesystem::exists(dir / "results.json"));
}

namespace {
std::string failing(const char* name) {
    return DAXSIM_SOURCE_DIR "/tests/scenarios/failing/"s + name;
}
} // namespace

TEST_CASE("cli failed expectation exits 1 and names file and line") {
    const Run r = daxsim("run '" + failing("expectation-fails.yaml") + "' --quiet");
    CHECK(r.status == 1);
    CHECK(r.output.find("FAIL: expectation fails") != std::string::npos);
    CHECK(r.output.find("expectation-fails.yaml:5: expectation failed: expect errno EIO") !=
          std::string::npos);
    CHECK(r.output.find("expectation-fails.yaml:6:") == std::string::npos); // expect ok held
}

TEST_CASE("cli failing step without an expectation fails the run with file and line") {
    const Run r = daxsim("run '" + failing("step-fails.yaml") + "' --quiet");
    CHECK(r.status == 1);
    CHECK(
        r.output.find("step-fails.yaml:4: step failed: mkfs.xfs -f /dev/pmem7: mkfs.xfs: /dev/pmem7: No such "
                      "file or directory") != std::string::npos);
}

TEST_CASE("cli step failure followed by an expectation about it passes") {
    const Run r = daxsim("run '" + failing("expected-failure.yaml") + "' --quiet");
    CHECK(r.status == 0);
    CHECK(r.output.find("PASS: expected failure") != std::string::npos);
}

TEST_CASE("cli echoes steps and expectation results unless quiet") {
    const Run r = daxsim("run '" + failing("expected-failure.yaml") + "'");
    CHECK(r.status == 0);
    CHECK(r.output.find("$ mkfs.xfs -f /dev/pmem7") != std::string::npos);
    CHECK(r.output.find("pass: expect errno ENOENT") != std::string::npos);
}

TEST_CASE("cli steps never end before they start nor start before the previous step ended") {
    // A task's stores leave its core's clock ahead of SystemC time; the step ends after the task exits,
    // and the power failure's cache write-backs happen then. Both used to read the lagging clock: the
    // powerfail step ended before it began (a duration of 2^64 ns in trace.json) and the next step began
    // 248 ns before it.
    const auto dir = out_dir("step-times");
    const Run r = daxsim("run '" DAXSIM_SOURCE_DIR "/scenarios/library/persistence/eadr-mwrite-kept.yaml' "
                         "--quiet --out '" +
                         dir.string() + "'");
    REQUIRE(r.status == 0);
    const auto results = nlohmann::json::parse(slurp(dir / "results.json"));
    std::uint64_t previous_end = 0;
    for (const auto& step : results.at("steps")) {
        INFO(step.at("text").get<std::string>());
        const auto start = step.at("sim_start_ns").get<std::uint64_t>();
        const auto end = step.at("sim_end_ns").get<std::uint64_t>();
        CHECK(start <= end);
        CHECK(start >= previous_end);
        previous_end = end;
    }
    const auto trace = nlohmann::json::parse(slurp(dir / "trace.json"));
    for (const auto& e : trace.at("traceEvents"))
        if (e.value("ph", "") == "X") CHECK(e.at("dur").get<double>() < 1e12);
    std::filesystem::remove_all(dir);
}
