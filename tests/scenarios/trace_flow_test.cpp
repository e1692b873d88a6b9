// Flow arrows and CoW spans in trace.json (scenarios/chrome_trace.cpp, guest_api/mm/mf_flow.cpp,
// guest_api/fs/dax.cpp): the real program writes the trace of a scenario and python3's json module reads
// it back, so the file must parse; the summary it prints is checked here.
#include <doctest/doctest.h>

#include <fstream>
#include <string>

#include "tests/scenarios/daxsim_process.h"

using daxsim_test::Run;
using daxsim_test::run_daxsim;
using daxsim_test::scratch_dir;
using daxsim_test::shell;

namespace {

// Prints one line per fact: "flow ID PH TRACK" in time order per id, "unbound PH TRACK TS" for a flow
// point no span on its track encloses (Perfetto would drop its arrow), "span TRACK NAME START END".
constexpr const char* kSummary = R"PY(
import json, sys
doc = json.load(open(sys.argv[1]))
ev = doc["traceEvents"]
names = {e["tid"]: e["args"]["name"] for e in ev if e["ph"] == "M" and e["name"] == "thread_name"}
spans = []
for e in ev:
    if e["ph"] == "X":
        spans.append((e["tid"], e["name"], e["ts"], e["ts"] + e["dur"]))
flows = {}
for e in ev:
    if e["ph"] in ("s", "t", "f"):
        assert e["cat"] == "flow" and e["name"] == "flow"
        flows.setdefault(e["id"], []).append(e)
for fid in sorted(flows):
    pts = sorted(flows[fid], key=lambda e: e["ts"])
    for e in pts:
        print("flow", fid, e["ph"], names[e["tid"]], "bp=" + e.get("bp", "-"))
        if not any(t == e["tid"] and s < e["ts"] < end for (t, _, s, end) in spans):
            print("unbound", e["ph"], names[e["tid"]], e["ts"])
for (t, n, s, end) in spans:
    if names[t] == "kernel.fsdax":
        print("span", names[t], n.replace(" ", "_"), round(s * 1000), round(end * 1000))
outer = [(s, end) for (t, n, s, end) in spans if n in ("dax CoW write", "dax CoW fault")]
for (t, n, s, end) in spans:
    if n.startswith("cow ") and not (end > s and any(o <= s and end <= oe + 1e-9 for (o, oe) in outer)):
        print("outside", n, s, end)
)PY";

Run summarize(const std::filesystem::path& dir) {
    const auto script = dir / "summary.py";
    std::ofstream(script) << kSummary;
    return shell("python3 '" + script.string() + "' '" + (dir / "trace.json").string() + "'");
}

int count(const std::string& text, const std::string& what) {
    int n = 0;
    for (auto pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + 1))
        ++n;
    return n;
}

} // namespace

TEST_CASE("quickstart trace has one flow from the machine check through every layer to each signal") {
    const auto dir = scratch_dir("trace-flow-quickstart");
    const Run r =
        run_daxsim("run '" DAXSIM_SOURCE_DIR "/scenarios/quickstart.yaml' --out '" + dir.string() + "'");
    REQUIRE(r.status == 0);
    const Run s = summarize(dir);
    INFO(s.output);
    REQUIRE(s.status == 0);
    // One failure event, one id: it starts at the CPU that took the #MC and crosses each layer in order.
    CHECK(count(s.output, "flow ") == 8);
    CHECK(count(s.output, "flow 1 ") == 8);
    CHECK(s.output.find("flow 1 s cpu0 bp=-\n"
                        "flow 1 t kernel.mce bp=-\n"
                        "flow 1 t kernel.memory_failure bp=-\n"
                        "flow 1 t kernel.pmem bp=-\n"
                        "flow 1 t kernel.dax_holder bp=-\n"
                        "flow 1 t kernel.xfs_rmap bp=-\n"
                        "flow 1 t kernel.signal bp=-\n"
                        "flow 1 f kernel.signal bp=e\n") == 0);
    // Two signals (mf.signals == 2 in the scenario): the first a step, the last the end.
    CHECK(count(s.output, "kernel.signal") == 2);
}

TEST_CASE("every flow point of the quickstart trace lies strictly inside a span on its track") {
    const auto dir = scratch_dir("trace-flow-bound");
    REQUIRE(run_daxsim("run '" DAXSIM_SOURCE_DIR "/scenarios/quickstart.yaml' --out '" + dir.string() + "'")
                .status == 0);
    const Run s = summarize(dir);
    INFO(s.output);
    REQUIRE(s.status == 0);
    CHECK(count(s.output, "flow 1 ") == 8);
    CHECK(s.output.find("unbound") == std::string::npos);
}

TEST_CASE(
    "an unaligned cow write traces its head and tail copies and its write and remap inside the cow span") {
    const auto dir = scratch_dir("trace-flow-cow");
    REQUIRE(run_daxsim("run '" DAXSIM_SOURCE_DIR "/scenarios/library/cow/unaligned-write.yaml' --out '" +
                       dir.string() + "'")
                .status == 0);
    const Run s = summarize(dir);
    INFO(s.output);
    REQUIRE(s.status == 0);
    CHECK(count(s.output, "span kernel.fsdax dax_CoW_write ") == 1);
    CHECK(count(s.output, "span kernel.fsdax cow_copy_head ") >= 1);
    CHECK(count(s.output, "span kernel.fsdax cow_copy_tail ") >= 1);
    CHECK(count(s.output, "span kernel.fsdax cow_write ") >= 1);
    CHECK(count(s.output, "span kernel.fsdax cow_remap ") >= 1);
    // No failure in this scenario: no flow.
    CHECK(s.output.find("flow ") == std::string::npos);
    // Every step lies within the whole write's span and takes time.
    CHECK(s.output.find("outside") == std::string::npos);
}
