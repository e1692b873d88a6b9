// Firmware services the guest (and the scenario's `inject` step) reach through the platform: the ACPI
// NFIT root DSM functions (ARS, error inject, clear uncorrectable error, translate SPA), per-DIMM
// label access and the per-DIMM health functions of the Intel NVDIMM DSM family (Get SMART Health Info,
// Get / Set SMART Thresholds, Inject SMART). Pure C++; the SystemC machine and the functional test
// memory both implement it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace daxsim::platform {

struct DimmAddress {
    unsigned dimm = 0;         // NfitDimm::index
    std::uint64_t dpa = 0;     // DIMM physical address
};

// One ARS error record (ACPI 6.x, ARS Query Status output): an SPA range with an uncorrectable error.
struct ArsRecord {
    std::uint64_t spa = 0;
    std::uint64_t length = 0;
};

// Intel NVDIMM DSM family (NVDIMM_FAMILY_INTEL), per-DIMM health functions. Field names, widths and bit
// values follow the payloads the kernel and ndctl exchange with the firmware (struct nd_intel_smart,
// nd_intel_smart_threshold, nd_intel_smart_inject in ndctl/lib/intel.h; ND_INTEL_SMART_* there and in the
// kernel's drivers/acpi/nfit/intel.h). Temperatures are in the DSM's unit: 1/16 degree Celsius in bits
// 14:0, bit 15 the sign (ndctl_encode_smart_temperature / ndctl_decode_smart_temperature).
namespace smart {
// nd_intel_smart.flags: which fields are valid.
inline constexpr std::uint32_t health_valid = 1u << 0;
inline constexpr std::uint32_t spares_valid = 1u << 1;
inline constexpr std::uint32_t used_valid = 1u << 2;
inline constexpr std::uint32_t mtemp_valid = 1u << 3;
inline constexpr std::uint32_t ctemp_valid = 1u << 4;
inline constexpr std::uint32_t shutdown_count_valid = 1u << 5;
inline constexpr std::uint32_t alarm_valid = 1u << 9;
inline constexpr std::uint32_t shutdown_valid = 1u << 10;
// nd_intel_smart.health: one bit per state, none set is "ok".
inline constexpr std::uint8_t non_critical_health = 1u << 0;
inline constexpr std::uint8_t critical_health = 1u << 1;
inline constexpr std::uint8_t fatal_health = 1u << 2;
// nd_intel_smart.alarm_flags (a threshold crossed) and nd_intel_smart_threshold.alarm_control (alarm on).
inline constexpr std::uint8_t spare_trip = 1u << 0;
inline constexpr std::uint8_t temp_trip = 1u << 1;  // media temperature
inline constexpr std::uint8_t ctemp_trip = 1u << 2; // controller temperature
// nd_intel_smart_inject.flags: which injections the call carries.
inline constexpr std::uint64_t inject_mtemp = 1u << 0;
inline constexpr std::uint64_t inject_spare = 1u << 1;
inline constexpr std::uint64_t inject_fatal = 1u << 2;
inline constexpr std::uint64_t inject_shutdown = 1u << 3;
// Not in Intel's inject payload: ndctl offers --ctrl-temperature (ND_SMART_INJECT_CTRL_TEMPERATURE) but
// the Intel family has no field for it. This firmware accepts it so a scenario can drive the alarm.
inline constexpr std::uint64_t inject_ctemp = 1u << 8;

// Degrees Celsius <-> the DSM's 1/16 degree sign-magnitude encoding (rounded to the nearest 1/16).
[[nodiscard]] std::uint16_t encode_temperature(double celsius);
[[nodiscard]] double decode_temperature(std::uint16_t value);
} // namespace smart

// Get SMART Health Info (Intel DSM function 1): struct nd_intel_smart without padding.
struct SmartHealth {
    std::uint32_t flags = 0;             // smart::*_valid
    std::uint8_t health = 0;             // smart::*_health, 0: ok
    std::uint8_t spares = 0;             // spare capacity remaining, percent
    std::uint8_t life_used = 0;          // rated endurance used, percent (may exceed 100)
    std::uint8_t alarm_flags = 0;        // smart::*_trip: enabled alarms whose threshold is crossed
    std::uint16_t media_temperature = 0; // 1/16 degree Celsius
    std::uint16_t ctrl_temperature = 0;  // 1/16 degree Celsius
    std::uint32_t shutdown_count = 0;    // dirty (unsafe) shutdowns over the DIMM's life
    std::uint8_t shutdown_state = 0;     // last shutdown: 0 clean, 1 dirty
};

// Get SMART Thresholds (function 2) and Set SMART Thresholds (function 17): nd_intel_smart_threshold.
struct SmartThreshold {
    std::uint16_t alarm_control = 0;     // smart::*_trip: which alarms are enabled
    std::uint8_t spares = 0;             // alarm when spares (percent) fall to this or below
    std::uint16_t media_temperature = 0; // alarm at or above, 1/16 degree Celsius
    std::uint16_t ctrl_temperature = 0;  // alarm at or above, 1/16 degree Celsius
};

// Inject SMART (function 18): nd_intel_smart_inject. For each kind in `flags`, `*_enable` true injects
// the value (it replaces the modelled one until uninjected), false uninjects it.
struct SmartInject {
    std::uint64_t flags = 0; // smart::inject_*
    bool mtemp_enable = false;
    std::uint16_t media_temperature = 0; // 1/16 degree Celsius
    bool ctemp_enable = false;
    std::uint16_t ctrl_temperature = 0; // 1/16 degree Celsius
    bool spare_enable = false;
    std::uint8_t spares = 0; // percent
    bool fatal_enable = false;
    bool unsafe_shutdown_enable = false; // true: a dirty shutdown is recorded now (count + 1)
};

class Firmware {
  public:
    virtual ~Firmware() = default;

    // ARS Error Inject: mark the media lines overlapping [spa, spa+len) poisoned, silently (no
    // notification, like `ndctl inject-error --no-notify`). Returns false where no DIMM decodes spa.
    virtual bool inject_error(std::uint64_t spa, std::uint64_t len) = 0;
    virtual bool inject_error_dpa(DimmAddress at, std::uint64_t len) = 0;
    // Clear Uncorrectable Error: clears poison (and zeroes the line, as the media does) over whole
    // media lines inside [spa, spa+len); returns the number of bytes cleared.
    virtual std::uint64_t clear_error(std::uint64_t spa, std::uint64_t len) = 0;
    // Address Range Scrub over [spa, spa+len): takes simulated time, returns what it found.
    virtual std::vector<ArsRecord> address_range_scrub(std::uint64_t spa, std::uint64_t len) = 0;
    // Translate SPA (ACPI 6.2 root DSM function 10): which DIMM and DPA back an SPA.
    [[nodiscard]] virtual std::optional<DimmAddress> translate_spa(std::uint64_t spa) const = 0;
    [[nodiscard]] virtual std::optional<std::uint64_t> dpa_to_spa(DimmAddress at) const = 0;
    // Label storage area (_LSR / _LSW): false when [offset, offset+len) leaves the area.
    virtual bool label_read(unsigned dimm, std::uint64_t offset, std::span<std::byte> out) = 0;
    virtual bool label_write(unsigned dimm, std::uint64_t offset, std::span<const std::byte> in) = 0;
    // Media line size the poison granularity follows (256 B XPLine).
    [[nodiscard]] virtual std::uint64_t media_line_bytes() const = 0;

    // Intel DSM health functions of DIMM `dimm` (NfitDimm::index); nothing / false for no such DIMM.
    // smart_health evaluates the DIMM's health model at the current simulated time.
    [[nodiscard]] virtual std::optional<SmartHealth> smart_health(unsigned dimm) = 0;
    [[nodiscard]] virtual std::optional<SmartThreshold> smart_threshold(unsigned dimm) const = 0;
    virtual bool smart_set_threshold(unsigned dimm, const SmartThreshold& t) = 0;
    virtual bool smart_inject(unsigned dimm, const SmartInject& inj) = 0;
};

} // namespace daxsim::platform
