// `daxsim bench memory`: host memory footprint of a machine with six 512 GiB DIMMs (3 TiB of persistent
// memory configured) against the bytes of media actually touched. The media is sparse (models/
// pmem_media.h): only written XPLines hold host memory. Goal: RSS < 64 MiB + 1.2 x touched.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <vector>

namespace daxsim::scenarios {

struct BenchMemoryOptions {
    bool json = false;
    // Bytes of media to touch, one row each (default 0, 16 MiB, 64 MiB, 256 MiB, 1 GiB).
    std::vector<std::uint64_t> touch;
    std::optional<std::uint64_t> row; // hidden: measure one size in this process
};

[[nodiscard]] int bench_memory_main(const BenchMemoryOptions& options, const std::filesystem::path& self);

} // namespace daxsim::scenarios
