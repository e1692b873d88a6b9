// The media array of a persistent-memory DIMM (3D XPoint on Optane DC PMM): bytes grouped into media
// lines (XPLine, 256 B) with one poison bit each, plus a separate label storage area. Sparse: only
// lines that were ever written hold host memory, untouched lines read as zeros, so a 512 GiB DIMM
// costs nothing until used. Untimed and SystemC-free: PmemDimm adds the timing and the TLM socket,
// and the platform's functional memory uses it directly, so both agree on poison semantics.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <vector>

#include "models/line_index.h"
#include "models/slab_source.h"

namespace daxsim::models {

class PmemMedia {
  public:
    PmemMedia(std::uint64_t capacity_bytes, std::uint64_t line_bytes, std::uint64_t label_bytes);

    [[nodiscard]] std::uint64_t capacity() const { return capacity_; }
    [[nodiscard]] std::uint64_t line_bytes() const { return line_bytes_; }
    [[nodiscard]] std::uint64_t label_bytes() const { return labels_.size(); }
    // True when [dpa, dpa + len) lies inside the media (no wrap-around).
    [[nodiscard]] bool contains(std::uint64_t dpa, std::uint64_t len) const {
        return dpa <= capacity_ && len <= capacity_ - dpa;
    }
    // The line a DPA falls in, and its offset there. Asked several times on every access: a shift and a
    // mask (the line size is a power of two), where a 64-bit division would cost tens of cycles.
    [[nodiscard]] std::uint64_t line_of(std::uint64_t dpa) const { return dpa >> line_shift_; }
    [[nodiscard]] std::uint64_t offset_in_line(std::uint64_t dpa) const { return dpa & (line_bytes_ - 1); }
    // Media lines [dpa, dpa + len) touches (len > 0).
    [[nodiscard]] std::uint64_t lines_touched(std::uint64_t dpa, std::uint64_t len) const {
        return line_of(dpa + len - 1) - line_of(dpa) + 1;
    }

    // Stored bytes, poison ignored (the caller checks first_poisoned): zeros where never written.
    // Inline for the usual request, a CPU cache line within one media line: one lookup at most.
    void read(std::uint64_t dpa, std::span<std::byte> out) const {
        const std::uint64_t within = offset_in_line(dpa);
        if (out.empty() || within + out.size() > line_bytes_) {
            read_lines(dpa, out);
            return;
        }
        const std::uint64_t line = line_of(dpa);
        const std::uint64_t slot = region_written(line) ? lines_.find(line) : LineIndex::npos;
        if (slot == LineIndex::npos)
            std::memset(out.data(), 0, out.size());
        else
            std::memcpy(out.data(), slot_data(slot) + within, out.size());
    }
    // DPA of the first poisoned media line overlapping [dpa, dpa + len), if any.
    [[nodiscard]] std::optional<std::uint64_t> first_poisoned(std::uint64_t dpa, std::uint64_t len) const {
        if (poison_.empty()) return std::nullopt; // the usual media: asked on every access
        return first_poisoned_in(dpa, len);
    }

    struct WriteResult {
        std::uint64_t lines_written = 0; // media lines written (each a full line on the media)
        std::uint64_t rmw_lines = 0;     // of those, partial lines that needed a read first
        std::uint64_t failed_lines = 0;  // partial writes into poisoned lines: RMW failed, nothing written
        std::optional<std::uint64_t> first_failed; // DPA of the first failed line
    };
    // Writes line by line: a full-line write replaces the line and clears its poison; a partial write
    // reads, modifies and writes the line, and fails on a poisoned line (its data cannot be read), which
    // stays poisoned and unchanged.
    WriteResult write(std::uint64_t dpa, std::span<const std::byte> in);
    // Backdoor write (debug transport, and the DIMM's buffered writes): stores bytes, leaves poison bits
    // alone. Inline for a piece within one media line, as read().
    void write_raw(std::uint64_t dpa, std::span<const std::byte> in) {
        const std::uint64_t within = offset_in_line(dpa);
        if (in.empty() || within + in.size() > line_bytes_) {
            write_raw_lines(dpa, in);
            return;
        }
        const std::uint64_t line = line_of(dpa);
        std::byte* data = line == last_written_line_ ? last_written_data_ : line_for_write(line);
        std::memcpy(data + within, in.data(), in.size());
    }

    // Marks every line overlapping [dpa, dpa + len) poisoned; returns the number of lines marked.
    std::uint64_t inject_poison(std::uint64_t dpa, std::uint64_t len);
    // Clears poison over the whole lines inside [dpa, dpa + len); a line that was poisoned reads as
    // zeros afterwards (the firmware rewrites it). Returns the bytes of whole lines inside the range.
    std::uint64_t clear_poison(std::uint64_t dpa, std::uint64_t len);
    [[nodiscard]] bool is_poisoned(std::uint64_t dpa) const {
        return !poison_.empty() && poison_.contains(line_of(dpa));
    }
    // DPA of every poisoned line overlapping [dpa, dpa + len), ascending.
    [[nodiscard]] std::vector<std::uint64_t> poisoned_lines(std::uint64_t dpa, std::uint64_t len) const;
    [[nodiscard]] std::size_t poisoned_line_count() const { return poison_.size(); }

    // Label storage area (separate from the media): false, and nothing done, outside the area.
    [[nodiscard]] bool label_read(std::uint64_t offset, std::span<std::byte> out) const;
    [[nodiscard]] bool label_write(std::uint64_t offset, std::span<const std::byte> in);

    // Lines holding host memory (touched by a write).
    [[nodiscard]] std::size_t resident_lines() const { return lines_.size(); }

  private:
    // read() and write_raw() line by line, for any range.
    void read_lines(std::uint64_t dpa, std::span<std::byte> out) const;
    void write_raw_lines(std::uint64_t dpa, std::span<const std::byte> in);
    [[nodiscard]] std::optional<std::uint64_t> first_poisoned_in(std::uint64_t dpa, std::uint64_t len) const;
    // The host bytes of `line`, given a slot (zeros) when it has none; remembered as the last line written.
    std::byte* line_for_write(std::uint64_t line);
    [[nodiscard]] std::byte* slot_data(std::uint64_t slot) const {
        return slabs_[slot / kSlabLines].get() + (slot % kSlabLines) * line_bytes_;
    }

    // Host memory comes in slabs of this many lines, handed out one line at a time: one allocation per
    // 1024 touched lines instead of one per line (fewer mallocs, no per-line allocator overhead). The
    // slabs come from a SlabSource (models/slab_source.h), made on the first write.
    static constexpr std::uint64_t kSlabLines = 1024;
    [[nodiscard]] Slab new_slab();

    std::uint64_t capacity_;
    std::uint64_t line_bytes_;
    unsigned line_shift_; // log2(line_bytes_)
    // Line -> slot holding its bytes. Looked up only, never iterated, so the hash order cannot reach any
    // output.
    LineIndex lines_;
    std::vector<Slab> slabs_;
    std::unique_ptr<SlabSource> slab_source_; // null until the first slab
    // One bit per 64 KiB region of the media: set once a line in it has been written (and never cleared).
    // A read in a region never written is zeros without a look at the line index: streams through fresh
    // media (a mkfs'd device, a bandwidth run) missed the host caches on the index for every line group.
    // 1 MiB for a 512 GiB DIMM.
    static constexpr unsigned kRegionShift = 16;
    // Regions are those of the lines' first bytes, so that a line larger than a region (dimm.line_size
    // allows up to 1 MiB) is marked and tested in one place.
    [[nodiscard]] std::uint64_t region_of_line(std::uint64_t line) const {
        return (line << line_shift_) >> kRegionShift;
    }
    [[nodiscard]] bool region_written(std::uint64_t line) const {
        const std::uint64_t region = region_of_line(line);
        return (written_regions_[region / 64] >> (region % 64) & 1) != 0;
    }
    std::vector<std::uint64_t> written_regions_;
    std::vector<std::uint64_t> free_slots_; // of lines given back by clear_poison
    // The line line_for_write returned last and its bytes: a cache's write-backs come in pairs and runs
    // inside one media line (four 64 B lines to a 256 B XPLine), and this skips the index for all but the
    // first. A slot never moves; clear_poison, which frees slots, forgets it (no line is ~0).
    std::uint64_t last_written_line_ = ~std::uint64_t{0};
    std::byte* last_written_data_ = nullptr;
    std::uint64_t next_slot_ = 0;
    std::set<std::uint64_t> poison_; // line indices; ordered for range queries
    std::vector<std::byte> labels_;
};

} // namespace daxsim::models
