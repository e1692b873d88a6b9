// Every parameter key a scenario's `platform:` or `--set KEY=VALUE` accepts, in one registry: default,
// unit, meaning and where it lands in platform::PlatformConfig or kernel::KernelConfig. `daxsim params`
// prints the registry; results.json records the effective value of every key.
#pragma once

#include <functional>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "guest_api/kernel/kernel.h"
#include "platform/platform_config.h"
#include "scenarios/diagnostics.h"
#include "scenarios/scenario_file.h"

namespace daxsim::scenarios {

// Everything a run is built from besides the steps.
struct MachineConfig {
    platform::PlatformConfig platform;
    kernel::KernelConfig kernel;
};

struct ParamSpec {
    std::string_view key;
    std::string_view unit; // "B", "ns", "count", "" for choices
    std::string_view meaning;
    // Parses `value` into the config; returns an error message (without the key) or empty.
    std::function<std::string(MachineConfig&, std::string_view value)> set;
    // The current value, written the way a user would (e.g. "128GiB", "150ns", "adr").
    std::function<std::string(const MachineConfig&)> get;
};

[[nodiscard]] std::span<const ParamSpec> param_registry();
[[nodiscard]] const ParamSpec* find_param(std::string_view key);

// Applies the file's `platform:` entries, then the `--set KEY=VALUE` strings (which win), then
// PlatformConfig::validate(). Errors point at the platform entry or name the --set.
[[nodiscard]] Result<MachineConfig> build_config(std::span<const PlatformEntry> file_entries,
                                                 std::span<const std::string> cli_sets);

// key -> effective value, every key (sorted: results.json is deterministic).
[[nodiscard]] std::map<std::string, std::string> effective_params(const MachineConfig& config);

// The `daxsim params` listing: one line per key with default, unit and meaning.
[[nodiscard]] std::string format_params_table();

} // namespace daxsim::scenarios
