// Measurements that need a fresh process each (one SystemC elaboration per process, a fresh heap for an
// RSS figure) run this same executable again with a hidden option and read what it prints.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace daxsim::scenarios {

// Runs `self ARGS </dev/null` and returns its standard output, or nothing when it could not be started
// or did not exit 0. `args` is passed to the shell as written: quote what needs quoting.
[[nodiscard]] std::optional<std::string> run_self(const std::filesystem::path& self, const std::string& args);

// run_self, then the output parsed as one JSON document (nothing when it is not one).
[[nodiscard]] std::optional<nlohmann::ordered_json> run_self_json(const std::filesystem::path& self,
                                                                  const std::string& args);

} // namespace daxsim::scenarios
