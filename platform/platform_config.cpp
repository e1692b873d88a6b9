#include "platform/platform_config.h"

#include <fmt/format.h>

namespace daxsim::platform {

std::optional<std::string> PlatformConfig::validate() const {
    auto is_pow2 = [](std::uint64_t v) { return v != 0 && (v & (v - 1)) == 0; };
    if (dimm_count == 0 || dimm_count > 64)
        return fmt::format("dimm.count: {} is not between 1 and 64", dimm_count);
    if (dimm.capacity_bytes < (16ull << 20) || dimm.capacity_bytes > (512ull << 30))
        return fmt::format("dimm.capacity: {} bytes is not between 16 MiB and 512 GiB", dimm.capacity_bytes);
    if (!is_pow2(dimm.line_bytes) || dimm.line_bytes < 64)
        return fmt::format("dimm.line_size: {} is not a power of two >= 64", dimm.line_bytes);
    if (dimm.buffer_bytes % dimm.line_bytes != 0 || dimm.buffer_bytes > (1ull << 20))
        return fmt::format("dimm.buffer: {} bytes is not a multiple of dimm.line_size {} up to 1 MiB",
                           dimm.buffer_bytes, dimm.line_bytes);
    if (dimm.media_partitions == 0 || dimm.media_partitions > 1024)
        return fmt::format("dimm.media_partitions: {} is not between 1 and 1024", dimm.media_partitions);
    if (dimm.spare_bytes < dimm.line_bytes || dimm.spare_bytes % dimm.line_bytes != 0)
        return fmt::format("dimm.spare_capacity: {} bytes is not a positive multiple of dimm.line_size {}",
                           dimm.spare_bytes, dimm.line_bytes);
    if (!(dimm.ambient_celsius >= -40 && dimm.ambient_celsius <= 125))
        return fmt::format("dimm.ambient_temperature: {} C is not between -40 and 125", dimm.ambient_celsius);
    if (!(dimm.media_thermal_resistance_c_per_w >= 0 && dimm.media_thermal_resistance_c_per_w <= 100))
        return fmt::format("dimm.media_thermal_resistance: {} C/W is not between 0 and 100",
                           dimm.media_thermal_resistance_c_per_w);
    if (!(dimm.controller_thermal_resistance_c_per_w >= 0 &&
          dimm.controller_thermal_resistance_c_per_w <= 100))
        return fmt::format("dimm.controller_thermal_resistance: {} C/W is not between 0 and 100",
                           dimm.controller_thermal_resistance_c_per_w);
    if (dimm.thermal_time_constant_ns == 0)
        return fmt::format("dimm.thermal_time_constant: {} ns is not positive",
                           dimm.thermal_time_constant_ns);
    if (interleave.ways == 0 || dimm_count % interleave.ways != 0)
        return fmt::format("interleave.ways: {} does not divide dimm.count {}", interleave.ways, dimm_count);
    if (!is_pow2(interleave.granularity_bytes) || interleave.granularity_bytes < dimm.line_bytes)
        return fmt::format("interleave.granularity: {} is not a power of two >= the media line ({} B)",
                           interleave.granularity_bytes, dimm.line_bytes);
    if (dimm.capacity_bytes % interleave.granularity_bytes != 0)
        return fmt::format("dimm.capacity: {} is not a multiple of interleave.granularity {}",
                           dimm.capacity_bytes, interleave.granularity_bytes);
    if (cpu.count == 0 || cpu.count > 64)
        return fmt::format("cpu.count: {} is not between 1 and 64", cpu.count);
    if (cpu.cache_bytes < 4096 || !is_pow2(cpu.cache_bytes))
        return fmt::format("cpu.cache_size: {} is not a power of two >= 4 KiB", cpu.cache_bytes);
    if (cpu.cache_ways > 65536) // the cache keeps its LRU lists as 16-bit way numbers
        return fmt::format("cpu.cache_ways: {} is more than 65536", cpu.cache_ways);
    if (cpu.cache_ways == 0 || cpu.cache_bytes / 64 < cpu.cache_ways)
        return fmt::format("cpu.cache_ways: {} does not fit cpu.cache_size {}", cpu.cache_ways,
                           cpu.cache_bytes);
    if (cpu.fill_buffers > 64) return fmt::format("cpu.fill_buffers: {} is more than 64", cpu.fill_buffers);
    if (quantum_ns == 0) return fmt::format("sim.quantum: {} ns is not positive", quantum_ns);
    if (pmem_spa_base % (1ull << 30) != 0)
        return fmt::format("platform.pmem_base: {:#x} is not 1 GiB aligned", pmem_spa_base);
    return std::nullopt;
}

} // namespace daxsim::platform
