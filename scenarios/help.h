// `daxsim help [COMMAND]`: the scenario language's commands and expectations, generated from the command
// specs (command_specs.cpp) so that help never disagrees with the parser.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "scenarios/diagnostics.h"

namespace daxsim::scenarios {

// Every command, xfs_io -c subcommand and expectation with its one-line summary.
[[nodiscard]] std::string format_help_index();

// Usage, summary, options with their meaning, arguments and an example of one command ("xfs_io",
// "ndctl create-namespace", "pwrite", "expect signal"). Unknown name: a diagnostic with a did-you-mean.
[[nodiscard]] Result<std::string> format_command_help(std::string_view name);

// The `help` subcommand: words are joined with spaces ("inject poison"). Returns the exit status.
[[nodiscard]] int help_command(const std::vector<std::string>& words);

} // namespace daxsim::scenarios
