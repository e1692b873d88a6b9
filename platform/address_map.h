// The SPA -> (DIMM, DPA) map a PlatformConfig describes: one interleave set per group of `ways` DIMMs,
// laid out consecutively from pmem_spa_base (the same layout build_nfit reports). Pure C++, shared by
// the SystemC machine (which hands the sets to its memory controller) and the functional memory.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "models/interleave.h"
#include "platform/platform_config.h"

namespace daxsim::platform {

[[nodiscard]] std::vector<models::InterleaveSet> interleave_sets(const PlatformConfig& config);

// Decode through whichever set contains spa.
[[nodiscard]] std::optional<models::DecodedAddress> decode_spa(std::span<const models::InterleaveSet> sets,
                                                               std::uint64_t spa);
// Encode through whichever set has `dimm` as a member and covers dpa.
[[nodiscard]] std::optional<std::uint64_t> encode_dpa(std::span<const models::InterleaveSet> sets,
                                                      unsigned dimm, std::uint64_t dpa);

} // namespace daxsim::platform
