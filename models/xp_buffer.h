// The on-DIMM XPBuffer of an Optane-class PMEM DIMM: a small buffer of whole XPLines in the DIMM's
// controller, in front of the 3D XPoint media (Yang et al. FAST'20, arXiv 1908.03583, sec. 3.2: about
// 16 KiB, i.e. 64 XPLines of 256 B, shared by reads and writes).
//  - read combining: an XPLine read from the media stays buffered, so the next 64 B reads of the same
//    line are served without a media access (sequential loads are cheaper than random ones)
//  - write combining: a partial write is merged into the buffered line instead of going to the media;
//    the line reaches the media only when it is evicted (least recently used), as one full XPLine write.
//    An evicted line that was neither read from the media nor completely written needs the media read of
//    a read-modify-write first, which is where the write amplification of small random writes comes from
//  - the buffer is inside the DIMM's power-fail domain (ADR), so buffered writes are persistent
// Bookkeeping only, SystemC-free: PmemDimm keeps the bytes in PmemMedia and charges the time.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "models/line_index.h"

namespace daxsim::models {

class XpBuffer {
  public:
    // `lines` entries of `line_bytes` each; 0 lines is no buffer (every access goes to the media).
    XpBuffer(std::uint64_t lines, std::uint64_t line_bytes);

    [[nodiscard]] bool enabled() const { return capacity_ != 0; }
    [[nodiscard]] std::uint64_t capacity() const { return capacity_; }

    // A line leaving the buffer with data the media does not have yet.
    struct Eviction {
        std::uint64_t line = 0;
        bool needs_read = false; // partial and never read: the media write is a read-modify-write
    };

    // True when bytes [offset, offset + len) of `line` can be served from the buffer: the line was read
    // from the media, or those bytes were all written into it. A present line becomes most recent.
    bool read_hit(std::uint64_t line, std::uint64_t offset, std::uint64_t len);
    // `line` was just read from the media: it is now buffered whole (allocated if absent).
    std::optional<Eviction> fill(std::uint64_t line);
    struct WriteResult {
        bool hit = false;                // the line was already buffered (the write combined into it)
        std::optional<Eviction> evicted; // what making room for it pushed out
    };
    // Bytes [offset, offset + len) of `line` were written into the buffer (allocated if absent).
    WriteResult write(std::uint64_t line, std::uint64_t offset, std::uint64_t len);
    // Removes every line, returning those with data the media does not have yet, ascending.
    std::vector<Eviction> drain();
    // Forgets `line` without writing it back (its write went to the media directly).
    void drop(std::uint64_t line);

    [[nodiscard]] bool contains(std::uint64_t line) const;
    [[nodiscard]] std::uint64_t dirty_lines() const;

  private:
    // Entry i (i < used_) is spread over flat arrays, so that a lookup scans 64 packed line numbers.
    static constexpr std::size_t npos = ~std::size_t{0};
    [[nodiscard]] std::size_t find(std::uint64_t line) const;
    // A new entry for `line`, which is not buffered: a free one, or the least recently used one evicted.
    std::size_t allocate(std::uint64_t line, std::optional<Eviction>& evicted);
    [[nodiscard]] bool covers(std::size_t e, std::uint64_t offset, std::uint64_t len) const;
    [[nodiscard]] bool dirty(std::size_t e) const;
    // Every byte of the line was written (a whole-line write-back needs no read of the media).
    [[nodiscard]] bool written_whole(std::size_t e) const;
    [[nodiscard]] std::uint64_t* written(std::size_t e) { return written_.data() + e * words_; }
    [[nodiscard]] const std::uint64_t* written(std::size_t e) const { return written_.data() + e * words_; }
    void remove(std::size_t e); // moves the last entry into e
    // LRU order as a doubly linked list over entry indices: most recent at head_, victim at tail_.
    void unlink(std::size_t e);
    void push_front(std::size_t e);
    void touch(std::size_t e) {
        if (head_ == e) return;
        unlink(e);
        push_front(e);
    }

    std::uint64_t capacity_;
    std::size_t words_;            // mask words per line: one bit per byte
    std::uint64_t last_word_mask_; // the bits of the last word that stand for bytes of the line
    std::size_t used_ = 0;
    std::size_t head_ = npos;
    std::size_t tail_ = npos;
    std::vector<std::uint64_t> lines_;   // line number of each entry
    std::vector<std::size_t> prev_;      // towards head_ (more recent)
    std::vector<std::size_t> next_;      // towards tail_ (less recent)
    std::vector<char> filled_;           // holds the media's copy of the whole line
    std::vector<std::uint64_t> written_; // bytes written since it entered the buffer, words_ per entry

    // line -> entry (every access looks a line up: a scan of 64 entries was the model's hottest loop).
    LineIndex index_;
};

} // namespace daxsim::models
