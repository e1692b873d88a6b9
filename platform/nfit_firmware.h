// The ACPI NFIT root DSM and per-DIMM label methods over the DIMMs' media backdoors: ARS, error inject,
// clear uncorrectable error, translate SPA, _LSR/_LSW, and the Intel DSM health functions over one
// DimmHealth model per DIMM (platform/dimm_health.h). One implementation for both machines, so the
// SystemC Machine and the FunctionalMachine agree byte for byte; each machine adds what only it has
// through hooks (cache maintenance before the media changes, simulated time for a scrub, the DIMMs'
// media counters and the clock the health model reads).
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "models/interleave.h"
#include "models/pmem_media.h"
#include "platform/dimm_health.h"
#include "platform/firmware.h"

namespace daxsim::platform {

struct FirmwareHooks {
    // Before poison is injected or cleared over [spa, spa + len): write back and invalidate cached
    // copies, as EINJ does for its target line, so the next access reaches the media.
    std::function<void(std::uint64_t spa, std::uint64_t len)> flush_caches;
    // An ARS scanned `bytes` of media spread over `ways` DIMMs: charge its duration.
    std::function<void(std::uint64_t bytes, unsigned ways)> scrub_elapsed;
    // DIMM `dimm`'s cumulative media traffic, read when its health is queried (unset: none).
    std::function<MediaActivity(unsigned dimm)> media_activity;
    // Simulated time now, ns, read when health is queried (unset: time stands at zero).
    std::function<std::uint64_t()> now_ns;
};

class NfitFirmware final : public Firmware {
  public:
    // `media[i]` is DIMM i's media; pointers must outlive the firmware.
    NfitFirmware(std::vector<models::InterleaveSet> sets, std::vector<models::PmemMedia*> media,
                 FirmwareHooks hooks = {}, const DimmHealthParams& health = {});

    bool inject_error(std::uint64_t spa, std::uint64_t len) override;
    bool inject_error_dpa(DimmAddress at, std::uint64_t len) override;
    std::uint64_t clear_error(std::uint64_t spa, std::uint64_t len) override;
    std::vector<ArsRecord> address_range_scrub(std::uint64_t spa, std::uint64_t len) override;
    [[nodiscard]] std::optional<DimmAddress> translate_spa(std::uint64_t spa) const override;
    [[nodiscard]] std::optional<std::uint64_t> dpa_to_spa(DimmAddress at) const override;
    bool label_read(unsigned dimm, std::uint64_t offset, std::span<std::byte> out) override;
    bool label_write(unsigned dimm, std::uint64_t offset, std::span<const std::byte> in) override;
    [[nodiscard]] std::uint64_t media_line_bytes() const override;
    [[nodiscard]] std::optional<SmartHealth> smart_health(unsigned dimm) override;
    [[nodiscard]] std::optional<SmartThreshold> smart_threshold(unsigned dimm) const override;
    bool smart_set_threshold(unsigned dimm, const SmartThreshold& t) override;
    bool smart_inject(unsigned dimm, const SmartInject& inj) override;

    // Power cut and restored through the persistence domain (Ras::powerfail): every DIMM records a clean
    // shutdown. Health state stays (it lives on the DIMM).
    void power_cycle();

  private:
    struct Piece {
        unsigned dimm;
        std::uint64_t dpa;
        std::uint64_t spa;
        std::uint64_t len;
    };
    // [spa, spa + len) cut at interleave chunks; a gap (no DIMM decodes) ends the list early and
    // sets `complete` false.
    std::vector<Piece> pieces(std::uint64_t spa, std::uint64_t len, bool& complete) const;
    void flush(std::uint64_t spa, std::uint64_t len) const;

    std::vector<models::InterleaveSet> sets_;
    std::vector<models::PmemMedia*> media_;
    FirmwareHooks hooks_;
    std::vector<DimmHealth> health_; // one per DIMM
};

} // namespace daxsim::platform
