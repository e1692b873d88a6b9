#include "scenarios/vcd_writer.h"

#include <doctest/doctest.h>

#include <filesystem>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "daxsim_process.h"

using daxsim::scenarios::VcdWriter;
using namespace daxsim_test;

namespace {

std::string written(const VcdWriter& w) {
    std::ostringstream out;
    w.write(out);
    return out.str();
}

// The value-change section after $enddefinitions, one line each.
std::vector<std::string> changes(const std::string& vcd) {
    const auto at = vcd.find("$enddefinitions $end\n");
    REQUIRE(at != std::string::npos);
    return lines(vcd.substr(at + 21));
}

// Signal name -> identifier code, from the $var lines of a VCD (as fst2vcd or we print them).
std::map<std::string, std::string> var_ids(const std::string& vcd) {
    std::map<std::string, std::string> out;
    std::vector<std::string> scope;
    for (const auto& l : lines(vcd)) {
        std::istringstream in(l);
        std::string kw;
        in >> kw;
        if (kw == "$scope") {
            std::string kind, name;
            in >> kind >> name;
            scope.push_back(name);
        } else if (kw == "$upscope") {
            scope.pop_back();
        } else if (kw == "$var") {
            std::string type, width, id, name;
            in >> type >> width >> id >> name;
            out[scope.back() + "." + name] = id;
        }
    }
    return out;
}

} // namespace

TEST_CASE("vcd level is the running sum of deltas reported out of time order") {
    VcdWriter w;
    w.level("mc0.wpq0", 50, -1); // reported before the +1 that precedes it in time
    w.level("mc0.wpq0", 10, +1);
    w.level("mc0.wpq0", 20, +1);
    w.level("mc0.wpq0", 60, -1);
    const std::string vcd = written(w);
    CHECK(vcd.find("$timescale 1ns $end") != std::string::npos);
    CHECK(vcd.find("$var reg 32 ! wpq0 [31:0] $end") != std::string::npos);
    const std::vector<std::string> expected{"#0", "$dumpvars", "b0 !", "$end", "#10", "b1 !", "#20", "b10 !",
                                            "#50", "b1 !", "#60", "b0 !"};
    CHECK(changes(vcd) == expected);
}

TEST_CASE("vcd pulses are one nanosecond high and back to back pulses stay high") {
    VcdWriter w;
    w.pulse("nmem0.buffer_hit", 100);
    w.pulse("nmem0.buffer_hit", 101);
    w.pulse("nmem0.buffer_hit", 200);
    const std::vector<std::string> expected{"#0", "$dumpvars", "0!", "$end", "#100", "1!", "#102",
                                            "0!", "#200", "1!", "#201", "0!"};
    CHECK(changes(written(w)) == expected);
}

TEST_CASE("vcd groups signals by module scope in name order") {
    VcdWriter w;
    w.value("cpu1.mc1_status", 5, 0xbd80000000000134ull, 64);
    w.pulse("cpu1.machine_check", 5);
    w.level("mc0.wpq3", 1, 1);
    const std::string vcd = written(w);
    const auto cpu = vcd.find("$scope module cpu1 $end");
    const auto mc = vcd.find("$scope module mc0 $end");
    REQUIRE(cpu != std::string::npos);
    REQUIRE(mc != std::string::npos);
    CHECK(cpu < mc);
    CHECK(vcd.find("b1011110110000000000000000000000000000000000000000000000100110100 ") != std::string::npos);
    const auto ids = var_ids(vcd);
    CHECK(ids.size() == 3);
    CHECK(ids.count("cpu1.machine_check") == 1);
}

TEST_CASE("run with vcd writes waves that gtkwave reads back with queue buffer poison and mc bank signals") {
    const auto dir = scratch_dir("vcd-quickstart");
    const Run r = run_daxsim("run '" DAXSIM_SOURCE_DIR "/scenarios/quickstart.yaml' --quiet --vcd --out '" +
                             dir.string() + "'");
    REQUIRE(r.status == 0);
    const std::string ours = slurp(dir / "waves.vcd");
    REQUIRE(!ours.empty());
    // GTKWave's own parser: VCD -> FST -> VCD. A malformed file fails the conversion.
    const Run tools = shell("command -v vcd2fst && command -v fst2vcd");
    REQUIRE_MESSAGE(tools.status == 0, "vcd2fst/fst2vcd missing: install gtkwave (third_party/install-deps.sh)");
    const Run to_fst = shell("vcd2fst '" + (dir / "waves.vcd").string() + "' '" + (dir / "waves.fst").string() + "'");
    REQUIRE_MESSAGE(to_fst.status == 0, to_fst.output);
    const Run back = shell("fst2vcd '" + (dir / "waves.fst").string() + "'");
    REQUIRE(back.status == 0);
    const auto ids = var_ids(back.output);
    for (const char* name : {"mc0.wpq0", "nmem0.buffer_hit", "cpu0.mc1_status", "cpu0.mcg_status",
                             "cpu0.machine_check", "cpu0.fill_buffers", "mc0.poison_response"})
        CHECK_MESSAGE(ids.count(name) == 1, name);
    // The poison read went to the media of the DIMM holding the line.
    bool media = false;
    bool poison = false;
    for (const auto& [name, id] : ids) {
        media = media || name.ends_with(".media_busy");
        poison = poison || name.ends_with(".poison_read");
    }
    CHECK(media);
    CHECK(poison);
    // The consumed poison: MCi_STATUS VAL UC EN MISCV ADDRV S AR, MCACOD 0x0134, as GTKWave reads it.
    const std::string status = "b1011110110000000000000000000000000000000000000000000000100110100 ";
    REQUIRE(ids.count("cpu0.mc1_status") == 1);
    CHECK(back.output.find(status + ids.at("cpu0.mc1_status") + "\n") != std::string::npos);
    // Same run, same bytes.
    const auto dir2 = scratch_dir("vcd-quickstart-2");
    REQUIRE(run_daxsim("run '" DAXSIM_SOURCE_DIR "/scenarios/quickstart.yaml' --quiet --vcd --out '" +
                       dir2.string() + "'")
                .status == 0);
    CHECK(slurp(dir2 / "waves.vcd") == ours);
}
