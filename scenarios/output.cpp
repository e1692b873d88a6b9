#include "scenarios/output.h"

#include <array>
#include <cmath>

#include <fmt/format.h>

#include "scenarios/atomic_file.h"

namespace daxsim::scenarios {
namespace {

// Counters are integers: print them as such, so that results.json reads "61440", not "61440.0".
nlohmann::ordered_json metric_value(double v) {
    if (v >= 0 && v < 9.0e15 && std::floor(v) == v) return static_cast<std::uint64_t>(v);
    return v;
}

// The layers of the failure path in the order a failure crosses them (DESIGN.md Flow 1).
constexpr std::array<std::string_view, 7> kLayers{"hardware",   "mce",      "memory_failure", "pmem",
                                                  "dax_holder", "xfs_rmap", "signal"};

} // namespace

nlohmann::ordered_json results_json(const RunRecord& run) {
    nlohmann::ordered_json j;
    j["scenario"] = {{"name", run.name}, {"description", run.description}, {"file", run.file}};
    j["daxsim_version"] = DAXSIM_VERSION;
    j["seed"] = run.seed;
    j["parameters"] = nlohmann::ordered_json::object();
    for (const auto& [k, v] : run.parameters)
        j["parameters"][k] = v;
    j["status"] = run.passed() ? "pass" : "fail";
    if (!run.error.empty()) j["error"] = run.error;
    j["steps"] = nlohmann::ordered_json::array();
    for (const auto& s : run.steps) {
        nlohmann::ordered_json step;
        step["line"] = s.line;
        step["text"] = s.text;
        step["task"] = s.task;
        step["outcome"] = s.outcome;
        step["errno"] = s.error;
        step["output"] = s.output;
        step["detail"] = s.detail;
        step["sim_start_ns"] = s.sim_start_ns;
        step["sim_end_ns"] = s.sim_end_ns;
        j["steps"].push_back(std::move(step));
    }
    j["expectations"] = nlohmann::ordered_json::array();
    for (const auto& e : run.expectations)
        j["expectations"].push_back({{"line", e.line},
                                     {"text", e.text},
                                     {"outcome", e.pass ? "pass" : "fail"},
                                     {"detail", e.detail}});
    j["metrics"] = nlohmann::ordered_json::object();
    for (const auto& [k, v] : run.metrics)
        j["metrics"][k] = metric_value(v); // std::map: sorted
    j["layers"] = nlohmann::ordered_json::object();
    for (const auto& [k, v] : run.layers)
        j["layers"][k] = v;
    if (!run.fsck.empty()) {
        j["fsck"] = nlohmann::ordered_json::object();
        for (const auto& [dir, problems] : run.fsck)
            j["fsck"][dir] = problems;
    }
    j["dmesg"] = run.dmesg;
    return j;
}

std::string format_summary(const RunRecord& run) {
    std::string out = fmt::format("{}: {}\n", run.passed() ? "PASS" : "FAIL", run.name);
    if (!run.error.empty()) out += fmt::format("{}: simulation error: {}\n", run.file, run.error);
    for (const auto& s : run.steps)
        if (s.outcome != "ok" && !s.failure_expected)
            out += fmt::format("{}:{}: step failed: {}: {}\n", run.file, s.line, s.text,
                               s.detail.empty() ? s.error : s.detail);
    for (const auto& e : run.expectations)
        if (!e.pass)
            out += fmt::format("{}:{}: expectation failed: {}: {}\n", run.file, e.line, e.text, e.detail);
    for (const auto& [dir, problems] : run.fsck)
        for (const auto& p : problems)
            out += fmt::format("{}: fsck {}: {}\n", run.file, dir, p);
    std::uint64_t total = 0;
    for (const auto& [k, v] : run.layers)
        total += v;
    if (total > 0) {
        out += "failure path (simulated time per layer):\n";
        for (const auto layer : kLayers) {
            const auto it = run.layers.find(std::string(layer));
            out += fmt::format("  {:<16} {:>12} ns\n", layer, it == run.layers.end() ? 0 : it->second);
        }
        for (const auto& [k, v] : run.layers) // layers the kernel reports beyond the known seven
            if (std::find(kLayers.begin(), kLayers.end(), k) == kLayers.end())
                out += fmt::format("  {:<16} {:>12} ns\n", k, v);
    }
    return out;
}

void write_results(const std::filesystem::path& dir, const RunRecord& run) {
    const std::string text = results_json(run).dump(2) + "\n";
    write_file_atomically(dir / "results.json", [&](std::ostream& out) { out << text; });
}

} // namespace daxsim::scenarios
