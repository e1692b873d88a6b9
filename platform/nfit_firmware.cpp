#include "platform/nfit_firmware.h"

#include <algorithm>
#include <set>

#include "platform/address_map.h"

namespace daxsim::platform {

NfitFirmware::NfitFirmware(std::vector<models::InterleaveSet> sets, std::vector<models::PmemMedia*> media,
                           FirmwareHooks hooks, const DimmHealthParams& health)
    : sets_(std::move(sets)), media_(std::move(media)), hooks_(std::move(hooks)),
      health_(media_.size(), DimmHealth(health)) {}

std::vector<NfitFirmware::Piece> NfitFirmware::pieces(std::uint64_t spa, std::uint64_t len,
                                                      bool& complete) const {
    std::vector<Piece> out;
    complete = true;
    std::uint64_t done = 0;
    while (done < len) {
        const auto d = decode_spa(sets_, spa + done);
        if (!d) {
            complete = false;
            break;
        }
        const std::uint64_t n = std::min(len - done, d->bytes_left_in_chunk);
        out.push_back(Piece{d->dimm, d->dpa, spa + done, n});
        done += n;
    }
    return out;
}

void NfitFirmware::flush(std::uint64_t spa, std::uint64_t len) const {
    if (hooks_.flush_caches) hooks_.flush_caches(spa, len);
}

bool NfitFirmware::inject_error(std::uint64_t spa, std::uint64_t len) {
    bool complete = false;
    const auto ps = pieces(spa, len, complete);
    // All or nothing: a range that leaves persistent memory injects nothing.
    if (len == 0 || !complete) return false;
    const std::uint64_t line = media_line_bytes();
    flush(spa / line * line, (spa + len + line - 1) / line * line - spa / line * line);
    for (const auto& p : ps)
        media_[p.dimm]->inject_poison(p.dpa, p.len);
    return true;
}

bool NfitFirmware::inject_error_dpa(DimmAddress at, std::uint64_t len) {
    if (at.dimm >= media_.size() || len == 0 || !media_[at.dimm]->contains(at.dpa, len)) return false;
    auto& m = *media_[at.dimm];
    // Flush each affected line where it appears in SPA (lines of one DIMM are scattered by interleave).
    for (std::uint64_t l = m.line_of(at.dpa); l <= m.line_of(at.dpa + len - 1); ++l)
        if (auto spa = encode_dpa(sets_, at.dimm, l * m.line_bytes())) flush(*spa, m.line_bytes());
    m.inject_poison(at.dpa, len);
    return true;
}

std::uint64_t NfitFirmware::clear_error(std::uint64_t spa, std::uint64_t len) {
    bool complete = false;
    const auto ps = pieces(spa, len, complete);
    flush(spa, len);
    std::uint64_t cleared = 0;
    // Chunks are whole media lines (validate() requires granularity >= line), so clearing the whole
    // lines inside each piece clears exactly the whole lines inside [spa, spa + len).
    for (const auto& p : ps) {
        auto& m = *media_[p.dimm];
        // Each poisoned line cleared is retired and remapped to a spare (platform/dimm_health.h); with
        // the pool empty the rest cannot be remapped and stay poisoned.
        std::vector<std::uint64_t> bad;
        for (std::uint64_t dpa : m.poisoned_lines(p.dpa, p.len))
            if (dpa >= p.dpa && dpa + m.line_bytes() <= p.dpa + p.len) bad.push_back(dpa);
        const std::uint64_t remapped = health_[p.dimm].retire_lines(bad.size());
        cleared += m.clear_poison(p.dpa, p.len);
        for (std::size_t i = remapped; i < bad.size(); ++i) {
            (void)m.inject_poison(bad[i], m.line_bytes());
            cleared -= m.line_bytes();
        }
    }
    return cleared;
}

std::vector<ArsRecord> NfitFirmware::address_range_scrub(std::uint64_t spa, std::uint64_t len) {
    std::set<std::uint64_t> found; // SPA of each poisoned line overlapping the range, ascending
    const std::uint64_t end = spa + len;
    const std::uint64_t line = media_line_bytes();
    std::uint64_t scanned = 0;
    unsigned ways = 1;
    for (const auto& set : sets_) {
        const std::uint64_t lo = std::max(spa, set.spa_base);
        const std::uint64_t hi = std::min(end, set.spa_base + set.size);
        if (lo >= hi) continue;
        scanned += hi - lo;
        ways = std::max(ways, set.ways());
        // Walk the (few) poisoned lines of each member rather than every chunk of the range.
        const std::uint64_t per_dimm = set.size / set.ways();
        for (unsigned dimm : set.dimms)
            for (std::uint64_t dpa : media_[dimm]->poisoned_lines(set.dpa_base, per_dimm))
                if (auto s = models::encode(set, dimm, dpa); s && *s<hi&& * s + line> lo) found.insert(*s);
    }
    if (hooks_.scrub_elapsed && scanned > 0) hooks_.scrub_elapsed(scanned, ways);
    std::vector<ArsRecord> records;
    for (std::uint64_t s : found) {
        if (!records.empty() && records.back().spa + records.back().length == s)
            records.back().length += line;
        else
            records.push_back(ArsRecord{s, line});
    }
    return records;
}

std::optional<DimmAddress> NfitFirmware::translate_spa(std::uint64_t spa) const {
    const auto d = decode_spa(sets_, spa);
    if (!d) return std::nullopt;
    return DimmAddress{d->dimm, d->dpa};
}

std::optional<std::uint64_t> NfitFirmware::dpa_to_spa(DimmAddress at) const {
    return encode_dpa(sets_, at.dimm, at.dpa);
}

bool NfitFirmware::label_read(unsigned dimm, std::uint64_t offset, std::span<std::byte> out) {
    return dimm < media_.size() && media_[dimm]->label_read(offset, out);
}

bool NfitFirmware::label_write(unsigned dimm, std::uint64_t offset, std::span<const std::byte> in) {
    return dimm < media_.size() && media_[dimm]->label_write(offset, in);
}

std::uint64_t NfitFirmware::media_line_bytes() const {
    return media_.empty() ? 256 : media_.front()->line_bytes();
}

std::optional<SmartHealth> NfitFirmware::smart_health(unsigned dimm) {
    if (dimm >= health_.size()) return std::nullopt;
    const MediaActivity traffic = hooks_.media_activity ? hooks_.media_activity(dimm) : MediaActivity{};
    const std::uint64_t now = hooks_.now_ns ? hooks_.now_ns() : 0;
    return health_[dimm].evaluate(traffic, now);
}

std::optional<SmartThreshold> NfitFirmware::smart_threshold(unsigned dimm) const {
    if (dimm >= health_.size()) return std::nullopt;
    return health_[dimm].threshold();
}

bool NfitFirmware::smart_set_threshold(unsigned dimm, const SmartThreshold& t) {
    if (dimm >= health_.size()) return false;
    health_[dimm].set_threshold(t);
    return true;
}

bool NfitFirmware::smart_inject(unsigned dimm, const SmartInject& inj) {
    if (dimm >= health_.size()) return false;
    health_[dimm].inject(inj);
    return true;
}

void NfitFirmware::power_cycle() {
    for (auto& h : health_)
        h.clean_shutdown();
}

} // namespace daxsim::platform
