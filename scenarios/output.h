// results.json and the terminal summary, both from a RunRecord.
#pragma once

#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "scenarios/run_record.h"

namespace daxsim::scenarios {

// The results.json document (key order fixed: scenario, seed, parameters, status, steps,
// expectations, metrics, layers, dmesg).
[[nodiscard]] nlohmann::ordered_json results_json(const RunRecord& run);

// PASS/FAIL, each failure as FILE:LINE: what, then the failure-path time per layer.
[[nodiscard]] std::string format_summary(const RunRecord& run);

// Writes DIR/results.json atomically.
void write_results(const std::filesystem::path& dir, const RunRecord& run);

} // namespace daxsim::scenarios
