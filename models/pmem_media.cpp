#include "models/pmem_media.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <stdexcept>

namespace daxsim::models {

PmemMedia::PmemMedia(std::uint64_t capacity_bytes, std::uint64_t line_bytes, std::uint64_t label_bytes)
    : capacity_(capacity_bytes), line_bytes_(line_bytes),
      line_shift_(static_cast<unsigned>(std::countr_zero(line_bytes))),
      written_regions_(((capacity_bytes >> kRegionShift) + 64) / 64), labels_(label_bytes) {
    if (line_bytes == 0 || (line_bytes & (line_bytes - 1)) != 0)
        throw std::invalid_argument("PmemMedia: line size must be a power of two");
    if (capacity_bytes == 0 || capacity_bytes % line_bytes != 0)
        throw std::invalid_argument("PmemMedia: capacity must be a non-zero multiple of the line size");
}

void PmemMedia::read_lines(std::uint64_t dpa, std::span<std::byte> out) const {
    std::size_t done = 0;
    while (done < out.size()) {
        const std::uint64_t at = dpa + done;
        const std::uint64_t within = offset_in_line(at);
        const std::size_t n =
            static_cast<std::size_t>(std::min<std::uint64_t>(line_bytes_ - within, out.size() - done));
        const std::uint64_t line = line_of(at);
        const std::uint64_t slot = region_written(line) ? lines_.find(line) : LineIndex::npos;
        if (slot == LineIndex::npos)
            std::fill_n(out.begin() + static_cast<std::ptrdiff_t>(done), n, std::byte{0});
        else
            std::memcpy(out.data() + done, slot_data(slot) + within, n);
        done += n;
    }
}

std::optional<std::uint64_t> PmemMedia::first_poisoned_in(std::uint64_t dpa, std::uint64_t len) const {
    if (len == 0) return std::nullopt;
    const auto it = poison_.lower_bound(line_of(dpa));
    if (it == poison_.end() || *it > line_of(dpa + len - 1)) return std::nullopt;
    return *it * line_bytes_;
}

std::byte* PmemMedia::line_for_write(std::uint64_t line) {
    const std::uint64_t region = region_of_line(line);
    written_regions_[region / 64] |= std::uint64_t{1} << (region % 64);
    bool added = false;
    bool reused = false;
    const std::uint64_t slot = lines_.find_or_insert(
        line,
        [&] {
            if (free_slots_.empty()) {
                // The index keeps 30-bit slot numbers (models/line_index.h): 256 GiB of 256 B lines
                // written on one DIMM, more than a host running the model has.
                if (next_slot_ > LineIndex::max_value)
                    throw std::length_error(
                        "sparse media: more than 2^30 distinct lines written on one DIMM");
                const std::uint64_t fresh = next_slot_++;
                if (fresh / kSlabLines == slabs_.size()) slabs_.push_back(new_slab());
                return fresh; // a fresh slab is zero
            }
            const std::uint64_t given_back = free_slots_.back();
            free_slots_.pop_back();
            reused = true;
            return given_back;
        },
        added);
    std::byte* data = slot_data(slot);
    if (reused) std::memset(data, 0, line_bytes_); // a line never written reads as zeros
    last_written_line_ = line;
    last_written_data_ = data;
    return data;
}

Slab PmemMedia::new_slab() {
    // Populating a whole slab costs at most one partly used slab (256 KiB for 256 B lines) of resident
    // memory per DIMM, plus the source's slabs made ahead.
    if (!slab_source_) slab_source_ = std::make_unique<SlabSource>(kSlabLines * line_bytes_);
    return slab_source_->take();
}

PmemMedia::WriteResult PmemMedia::write(std::uint64_t dpa, std::span<const std::byte> in) {
    WriteResult r;
    std::size_t done = 0;
    while (done < in.size()) {
        const std::uint64_t at = dpa + done;
        const std::uint64_t line = line_of(at);
        const std::uint64_t within = offset_in_line(at);
        const std::size_t n =
            static_cast<std::size_t>(std::min<std::uint64_t>(line_bytes_ - within, in.size() - done));
        const bool full = (n == line_bytes_);
        if (!full && poison_.contains(line)) {
            ++r.failed_lines;
            if (!r.first_failed) r.first_failed = line * line_bytes_;
        } else {
            std::memcpy(line_for_write(line) + within, in.data() + done, n);
            if (full) poison_.erase(line);
            ++r.lines_written;
            if (!full) ++r.rmw_lines;
        }
        done += n;
    }
    return r;
}

void PmemMedia::write_raw_lines(std::uint64_t dpa, std::span<const std::byte> in) {
    std::size_t done = 0;
    while (done < in.size()) {
        const std::uint64_t at = dpa + done;
        const std::uint64_t within = offset_in_line(at);
        const std::size_t n =
            static_cast<std::size_t>(std::min<std::uint64_t>(line_bytes_ - within, in.size() - done));
        std::memcpy(line_for_write(line_of(at)) + within, in.data() + done, n);
        done += n;
    }
}

std::uint64_t PmemMedia::inject_poison(std::uint64_t dpa, std::uint64_t len) {
    if (len == 0) return 0;
    std::uint64_t marked = 0;
    for (std::uint64_t line = line_of(dpa); line <= line_of(dpa + len - 1); ++line)
        if (poison_.insert(line).second) ++marked;
    return marked;
}

std::uint64_t PmemMedia::clear_poison(std::uint64_t dpa, std::uint64_t len) {
    // Whole lines inside [dpa, dpa + len): round the start up and the end down.
    const std::uint64_t first = (dpa + line_bytes_ - 1) / line_bytes_;
    const std::uint64_t end = (dpa + len) / line_bytes_;
    if (end <= first) return 0;
    last_written_line_ = ~std::uint64_t{0}; // its slot may be freed below
    for (auto it = poison_.lower_bound(first); it != poison_.end() && *it < end;) {
        // The cleared line reads as zeros again; its slot is reused by the next line written.
        if (const std::uint64_t slot = lines_.find(*it); slot != LineIndex::npos) {
            free_slots_.push_back(slot);
            lines_.erase(*it);
        }
        it = poison_.erase(it);
    }
    return (end - first) * line_bytes_;
}

std::vector<std::uint64_t> PmemMedia::poisoned_lines(std::uint64_t dpa, std::uint64_t len) const {
    std::vector<std::uint64_t> out;
    if (len == 0) return out;
    const std::uint64_t last = line_of(dpa + len - 1);
    for (auto it = poison_.lower_bound(line_of(dpa)); it != poison_.end() && *it <= last; ++it)
        out.push_back(*it * line_bytes_);
    return out;
}

bool PmemMedia::label_read(std::uint64_t offset, std::span<std::byte> out) const {
    if (offset > labels_.size() || out.size() > labels_.size() - offset) return false;
    std::copy_n(labels_.begin() + static_cast<std::ptrdiff_t>(offset), out.size(), out.begin());
    return true;
}

bool PmemMedia::label_write(std::uint64_t offset, std::span<const std::byte> in) {
    if (offset > labels_.size() || in.size() > labels_.size() - offset) return false;
    std::copy(in.begin(), in.end(), labels_.begin() + static_cast<std::ptrdiff_t>(offset));
    return true;
}

} // namespace daxsim::models
