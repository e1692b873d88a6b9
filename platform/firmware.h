// Firmware services the guest (and the scenario's `inject` step) reach through the platform: the ACPI
// NFIT root DSM functions (ARS, error inject, clear uncorrectable error, translate SPA) and per-DIMM
// label access. Pure C++; the SystemC machine and the functional test memory both implement it.
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
};

} // namespace daxsim::platform
