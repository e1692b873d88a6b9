// Numbers with units as the real tools take them: sizes as xfs_io's cvtnum does (plain, 0x hex, k m g t
// suffixes in either case, KiB MiB GiB TiB, B, s = 512-byte sector, b = 4 KiB file system block) and
// durations (ns us ms s; a bare number is ns). Errors come back as a Diagnostic without location: the
// caller knows where the word is.
#pragma once

#include <cstdint>
#include <string_view>

#include "scenarios/diagnostics.h"

namespace daxsim::scenarios {

[[nodiscard]] Result<std::uint64_t> parse_size(std::string_view text);
[[nodiscard]] Result<std::uint64_t> parse_duration_ns(std::string_view text);
// A plain unsigned integer: decimal or 0x hex, no unit.
[[nodiscard]] Result<std::uint64_t> parse_uint(std::string_view text);
// A value with either unit family (for `expect metric`): bytes for sizes, ns for durations.
[[nodiscard]] Result<double> parse_metric_value(std::string_view text);

} // namespace daxsim::scenarios
