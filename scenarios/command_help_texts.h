// The parts of `daxsim help COMMAND` that the command specs (command_specs.cpp) do not carry: one complete
// example step per command and the meaning of each option. Everything else help prints (usage, summary,
// option names, value kinds and choices) comes from the specs themselves.
#pragma once

#include <string_view>

namespace daxsim::scenarios {

// A complete step using COMMAND (an xfs_io subcommand is shown inside its xfs_io step); empty if none.
[[nodiscard]] std::string_view command_example(std::string_view command);

// What OPTION (as named in the spec, "--mode") of COMMAND does; empty if nothing beyond its value kind.
[[nodiscard]] std::string_view option_meaning(std::string_view command, std::string_view option);

} // namespace daxsim::scenarios
