// `daxsim sweep`: the real program runs every grid point as its own process and writes sweep.csv in
// grid order; the file does not depend on how many points run at once; bad grids exit 2 before anything
// runs. The unit-level pieces (grid parsing, point order, CSV quoting) are checked without processes.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "scenarios/sweep.h"
#include "tests/scenarios/daxsim_process.h"

using namespace daxsim_test;
using namespace daxsim::scenarios;

namespace {

const std::string kQuickstart = DAXSIM_SOURCE_DIR "/scenarios/quickstart.yaml";

std::size_t column(const std::vector<std::string>& header, const std::string& name) {
    for (std::size_t i = 0; i < header.size(); ++i)
        if (header[i] == name) return i;
    FAIL("no column " << name);
    return 0;
}

} // namespace

TEST_CASE("grid points enumerate the cartesian product with the last key fastest") {
    const auto axes = parse_grids({"dimm.read_latency=100ns,200ns", "cost.mce_entry=1us,2us,3us"});
    REQUIRE(axes.ok());
    const auto points = grid_points(axes.value());
    REQUIRE(points.size() == 6);
    CHECK(points[0] == std::vector<std::string>{"100ns", "1us"});
    CHECK(points[2] == std::vector<std::string>{"100ns", "3us"});
    CHECK(points[3] == std::vector<std::string>{"200ns", "1us"});
    CHECK(points[5] == std::vector<std::string>{"200ns", "3us"});
}

TEST_CASE("grid parsing rejects unknown keys and bad values and duplicates") {
    const auto unknown = parse_grids({"dimm.read_latncy=1ns"});
    REQUIRE_FALSE(unknown.ok());
    CHECK(unknown.error().message.find("unknown parameter 'dimm.read_latncy'") != std::string::npos);
    CHECK(unknown.error().hint.find("dimm.read_latency") != std::string::npos);
    const auto bad = parse_grids({"dimm.read_latency=1ns,fast"});
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().message.find("bad value 'fast'") != std::string::npos);
    CHECK_FALSE(parse_grids({"dimm.count=2,2"}).ok());
    CHECK_FALSE(parse_grids({"dimm.count=2", "dimm.count=4"}).ok());
    CHECK_FALSE(parse_grids({"dimm.count=2,"}).ok());
    CHECK_FALSE(parse_grids({"dimm.count"}).ok());
    CHECK_FALSE(parse_grids({}).ok());
}

TEST_CASE("sweep csv has sorted metric columns and quotes only when needed") {
    const std::vector<GridAxis> axes{{"persistence", {"adr", "eadr"}}};
    std::vector<SweepPointResult> points(2);
    points[0] = {{"adr"}, 0, {{"z.m", "3"}, {"a.m", "1.5"}}};
    points[1] = {{"eadr"}, 1, {{"a.m", "2"}}};
    CHECK(format_sweep_csv(axes, points) ==
          "point,persistence,status,exit_code,a.m,z.m\n0,adr,pass,0,1.5,3\n1,eadr,fail,1,2,\n");
    const std::vector<GridAxis> odd{{"k", {"a,b"}}};
    CHECK(format_sweep_csv(odd, {{{"a,b"}, 2, {}}}) == "point,k,status,exit_code\n0,\"a,b\",error,2\n");
}

TEST_CASE("sweep over two grid keys writes one row per point in grid order") {
    const auto dir = scratch_dir("sweep-rows");
    const Run r =
        run_daxsim("sweep '" + kQuickstart +
                   "' --grid dimm.read_latency=150ns,600ns --grid cost.mce_entry=1us,4us -j 2 --out '" +
                   dir.string() + "'");
    REQUIRE_MESSAGE(r.status == 0, r.output);
    CHECK(r.output.find("4 points, 4 passed, 0 failed") != std::string::npos);
    CHECK(r.output.find('\r') == std::string::npos); // no progress line: stderr is not a terminal
    const auto rows = lines(slurp(dir / "sweep.csv"));
    REQUIRE(rows.size() == 5);
    const auto header = fields(rows[0]);
    REQUIRE(header.size() > 6);
    CHECK(header[0] == "point");
    CHECK(header[1] == "dimm.read_latency");
    CHECK(header[2] == "cost.mce_entry");
    CHECK(header[3] == "status");
    CHECK(header[4] == "exit_code");
    CHECK(std::is_sorted(header.begin() + 5, header.end()));
    const std::size_t mf = column(header, "mf.latency_ns");
    const std::size_t signals = column(header, "mf.signals");
    const std::vector<std::vector<std::string>> expected{
        {"0", "150ns", "1us"}, {"1", "150ns", "4us"}, {"2", "600ns", "1us"}, {"3", "600ns", "4us"}};
    const std::size_t time = column(header, "sim.time_ns");
    std::vector<long> latency;
    std::vector<long> sim_time;
    for (std::size_t i = 0; i < 4; ++i) {
        const auto f = fields(rows[i + 1]);
        REQUIRE(f.size() == header.size());
        CHECK(std::vector<std::string>(f.begin(), f.begin() + 3) == expected[i]);
        CHECK(f[3] == "pass");
        CHECK(f[4] == "0");
        CHECK(f[signals] == "2");
        latency.push_back(std::stol(f[mf]));
        sim_time.push_back(std::stol(f[time]));
        CHECK(
            std::filesystem::exists(dir / "points" / (std::string("000") + char('0' + i)) / "results.json"));
    }
    // A slower #MC entry costs exactly its difference (3 us) on the failure path, which starts at the
    // machine check, so the media latency does not reach it; slower media lengthens the whole run.
    CHECK(latency[1] - latency[0] == 3000);
    CHECK(latency[3] - latency[2] == 3000);
    CHECK(latency[2] == latency[0]);
    CHECK(sim_time[2] > sim_time[0]);
    CHECK(sim_time[1] - sim_time[0] == 3000);
}

TEST_CASE("sweep csv is byte identical with one job and with two jobs") {
    const auto one = scratch_dir("sweep-j1");
    const auto two = scratch_dir("sweep-j2");
    const std::string grid = "--grid persistence=adr,eadr --grid cost.kill_proc=100ns,800ns,2us";
    const Run a = run_daxsim("sweep '" + kQuickstart + "' " + grid + " -j 1 --out '" + one.string() + "'");
    const Run b = run_daxsim("sweep '" + kQuickstart + "' " + grid + " -j 2 --out '" + two.string() + "'");
    REQUIRE_MESSAGE(a.status == 0, a.output);
    REQUIRE_MESSAGE(b.status == 0, b.output);
    const std::string csv = slurp(one / "sweep.csv");
    CHECK(lines(csv).size() == 7);
    CHECK(csv == slurp(two / "sweep.csv"));
}

TEST_CASE("sweep with a bad grid key exits 2 before running anything") {
    const auto dir = scratch_dir("sweep-bad");
    const Run r = run_daxsim("sweep '" + kQuickstart + "' --grid dimm.read_latncy=1ns,2ns --out '" +
                             dir.string() + "'");
    CHECK(r.status == 2);
    CHECK(r.output.find("unknown parameter 'dimm.read_latncy'") != std::string::npos);
    CHECK(r.output.find("did you mean 'dimm.read_latency'") != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(dir / "points"));
    CHECK_FALSE(std::filesystem::exists(dir / "sweep.csv"));
}

TEST_CASE("sweep with an impossible machine at one point exits 2 before running anything") {
    const auto dir = scratch_dir("sweep-impossible");
    const Run r =
        run_daxsim("sweep '" + kQuickstart + "' --grid interleave.ways=6,7 --out '" + dir.string() + "'");
    CHECK(r.status == 2);
    CHECK_FALSE(std::filesystem::exists(dir / "points"));
}

TEST_CASE("sweep exits 1 when a point fails and marks it in the csv") {
    const auto dir = scratch_dir("sweep-fail");
    // A scenario whose expectation fails fails at every point.
    const Run r =
        run_daxsim("sweep '" DAXSIM_SOURCE_DIR "/tests/scenarios/failing/expectation-fails.yaml' --grid "
                   "cpu.count=1,2 --out '" +
                   dir.string() + "'");
    CHECK(r.status == 1);
    const auto rows = lines(slurp(dir / "sweep.csv"));
    REQUIRE(rows.size() == 3);
    CHECK(fields(rows[1])[2] == "fail");
    CHECK(fields(rows[1])[3] == "1");
    CHECK(fields(rows[2])[2] == "fail");
}
