#include "models/patrol_scrubber.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace daxsim::models {

PatrolScrubber::PatrolScrubber(std::vector<const PmemMedia*> media, std::vector<InterleaveSet> sets,
                               PatrolScrubberParams params)
    : media_(std::move(media)), sets_(std::move(sets)), params_(params) {}

ScrubPass PatrolScrubber::pass() {
    ScrubPass out;
    for (unsigned dimm = 0; dimm < media_.size(); ++dimm) {
        const PmemMedia& md = *media_[dimm];
        out.bytes += md.capacity();
        // The media line is the poison granularity: the bank reports that many valid address bits.
        const auto lsb = static_cast<unsigned>(std::countr_zero(md.line_bytes()));
        for (const std::uint64_t dpa : md.poisoned_lines(0, md.capacity())) {
            std::optional<std::uint64_t> spa;
            for (const auto& set : sets_)
                if ((spa = encode(set, dimm, dpa))) break;
            if (!spa) continue;
            ScrubFinding f;
            f.dimm = dimm;
            f.dpa = dpa;
            f.spa = *spa;
            f.bank = mca::imc_bank(dimm);
            f.mcg_status = mca::srao_mcg_status;
            f.record = mca::srao_patrol_scrub(*spa, mca::imc_channel(dimm), lsb);
            out.found.push_back(f);
        }
    }
    // The scrubber walks the address space in order; report in SPA order whatever the DIMM order.
    std::sort(out.found.begin(), out.found.end(),
              [](const ScrubFinding& a, const ScrubFinding& b) { return a.spa < b.spa; });
    if (params_.rate_bytes_per_s != 0) {
        // Whole seconds first, so that terabytes times 1e9 cannot overflow; the rest rounded up to 1 ns.
        const std::uint64_t rate = params_.rate_bytes_per_s;
        const std::uint64_t rest = out.bytes % rate;
        out.duration_ns = out.bytes / rate * 1'000'000'000u +
                          static_cast<std::uint64_t>(
                              std::ceil(static_cast<double>(rest) * 1e9 / static_cast<double>(rate)));
    }
    stats_.passes += 1;
    stats_.bytes += out.bytes;
    stats_.errors += out.found.size();
    return out;
}

} // namespace daxsim::models
