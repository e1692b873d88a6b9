// Runs a checked scenario on a freshly built machine and kernel: boot, then every step in order in
// simulated time, expectations evaluated as they come. Writes results.json and trace.json to the
// output directory when one is given.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>

#include "scenarios/commands.h"
#include "scenarios/params.h"
#include "scenarios/run_record.h"
#include "scenarios/scenario_file.h"

namespace daxsim::scenarios {

struct RunOptions {
    std::optional<std::filesystem::path> out_dir; // results.json + trace.json; none: no trace is recorded
    bool quiet = false;                           // no live dmesg, no step echo
    bool vcd = false;                             // also write out_dir/waves.vcd (scenarios/vcd_writer.h)
    std::uint64_t seed = 0;
    // Called before each step (commands and expectations alike) with its 0-based index, the number of
    // steps and the simulated time so far; `daxsim run` draws its progress line from it.
    std::function<void(std::size_t index, std::size_t total, const Step& step, std::uint64_t sim_ns)> on_step;
};

// Never throws for a failure inside the simulation: RunRecord::error says what happened.
[[nodiscard]] RunRecord run_scenario(const ScenarioFile& file, std::span<const Step> steps,
                                     const MachineConfig& config, const RunOptions& options);

} // namespace daxsim::scenarios
