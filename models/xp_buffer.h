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

#include <algorithm>
#include <bit>
#include <cstdint>
#include <optional>
#include <vector>

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
    // Calls f(word index, mask) for the bits [offset, offset + len) of a bit-per-byte mask.
    template <typename F> static void for_each_word(std::uint64_t offset, std::uint64_t len, F f) {
        if (offset % 64 + len <= 64) { // the usual access, a cache line or less: one word
            const std::uint64_t bits = len == 64 ? ~std::uint64_t{0} : ((std::uint64_t{1} << len) - 1);
            f(offset / 64, bits << (offset % 64));
            return;
        }
        for (std::uint64_t b = offset; b < offset + len;) {
            const std::uint64_t bit = b % 64;
            const std::uint64_t n = std::min<std::uint64_t>(64 - bit, offset + len - b);
            const std::uint64_t mask = (n == 64 ? ~std::uint64_t{0} : ((std::uint64_t{1} << n) - 1)) << bit;
            f(b / 64, mask);
            b += n;
        }
    }
    // Entry i (i < used_) is spread over flat arrays indexed by i.
    static constexpr std::size_t npos = ~std::size_t{0};
    [[nodiscard]] std::size_t find(std::uint64_t line) const;
    // A new entry for `line`, which is not buffered: a free one, or the least recently used one evicted.
    std::size_t allocate(std::uint64_t line, std::optional<Eviction>& evicted);
    [[nodiscard]] bool covers(std::size_t e, std::uint64_t offset, std::uint64_t len) const;
    [[nodiscard]] bool dirty(std::size_t e) const { return written_bytes_[e] != 0; }
    // Every byte of the line was written (a whole-line write-back needs no read of the media).
    [[nodiscard]] bool written_whole(std::size_t e) const { return written_bytes_[e] == line_bytes_; }
    [[nodiscard]] std::uint64_t* written(std::size_t e) { return written_.data() + e * words_; }
    [[nodiscard]] const std::uint64_t* written(std::size_t e) const { return written_.data() + e * words_; }
    void remove(std::size_t e); // moves the last entry into e
    // line -> entry: a chained hash over the entries (bucket heads, and a next link per entry). A lookup
    // walks a chain of about half an entry; an entry leaves its chain in a few stores. The flat
    // open-addressing LineIndex it replaced spent ~55 instructions per eviction on the backward-shift
    // erase and the re-insert (callgrind, `daxsim bench speed`).
    [[nodiscard]] std::size_t bucket_of(std::uint64_t line) const {
        return static_cast<std::size_t>((line * 0x9E3779B97F4A7C15ull) >> bucket_shift_);
    }
    void chain_insert(std::size_t e) {
        std::size_t& head = buckets_[bucket_of(lines_[e])];
        chain_next_[e] = head;
        head = e;
    }
    void chain_remove(std::size_t e) {
        std::size_t* link = &buckets_[bucket_of(lines_[e])];
        while (*link != e)
            link = &chain_next_[*link];
        *link = chain_next_[e];
    }
    // LRU order as a doubly linked list over entry indices: most recent at head_, victim at tail_.
    void unlink(std::size_t e);
    void push_front(std::size_t e);
    void touch(std::size_t e) {
        if (head_ == e) return;
        unlink(e);
        push_front(e);
    }

    std::uint64_t capacity_;
    std::uint64_t line_bytes_;
    std::size_t words_; // mask words per line: one bit per byte
    std::size_t used_ = 0;
    std::size_t head_ = npos;
    std::size_t tail_ = npos;
    std::vector<std::uint64_t> lines_;   // line number of each entry
    std::vector<std::size_t> prev_;      // towards head_ (more recent)
    std::vector<std::size_t> next_;      // towards tail_ (less recent)
    std::vector<char> filled_;           // holds the media's copy of the whole line
    std::vector<std::uint64_t> written_; // bytes written since it entered the buffer, words_ per entry
    // How many bytes of the line written_ marks: dirty and whole-line tests without a pass over the mask.
    std::vector<std::uint64_t> written_bytes_;
    // Every access looks a line up (a scan of 64 entries was once the model's hottest loop).
    unsigned bucket_shift_;               // 64 - log2(buckets_.size())
    std::vector<std::size_t> buckets_;    // first entry of each chain, npos when empty; 2x the entries
    std::vector<std::size_t> chain_next_; // next entry in the same chain, npos at the end
};

// The per-access operations are defined here, inline: PmemDimm calls several of them on every request,
// and as calls into another translation unit they cost more instructions than their bodies.

inline std::size_t XpBuffer::find(std::uint64_t line) const {
    std::size_t e = buckets_[bucket_of(line)];
    while (e != npos && lines_[e] != line)
        e = chain_next_[e];
    return e;
}

inline bool XpBuffer::covers(std::size_t e, std::uint64_t offset, std::uint64_t len) const {
    if (filled_[e] != 0) return true;
    const std::uint64_t* w = written(e);
    bool all = true;
    for_each_word(offset, len,
                  [&](std::uint64_t i, std::uint64_t mask) { all = all && (w[i] & mask) == mask; });
    return all;
}

inline void XpBuffer::unlink(std::size_t e) {
    (prev_[e] == npos ? head_ : next_[prev_[e]]) = next_[e];
    (next_[e] == npos ? tail_ : prev_[next_[e]]) = prev_[e];
    prev_[e] = next_[e] = npos;
}

inline void XpBuffer::push_front(std::size_t e) {
    prev_[e] = npos;
    next_[e] = head_;
    (head_ == npos ? tail_ : prev_[head_]) = e;
    head_ = e;
}

inline std::size_t XpBuffer::allocate(std::uint64_t line, std::optional<Eviction>& evicted) {
    std::size_t e = used_;
    if (used_ < capacity_) {
        ++used_;
        push_front(e);
    } else {
        e = tail_; // least recently used
        if (dirty(e)) evicted = Eviction{lines_[e], filled_[e] == 0 && !written_whole(e)};
        chain_remove(e);
    }
    lines_[e] = line;
    chain_insert(e);
    filled_[e] = 0;
    std::fill_n(written(e), words_, 0);
    written_bytes_[e] = 0;
    return e;
}

inline bool XpBuffer::read_hit(std::uint64_t line, std::uint64_t offset, std::uint64_t len) {
    const std::size_t e = find(line);
    if (e == npos) return false;
    touch(e);
    return covers(e, offset, len);
}

inline std::optional<XpBuffer::Eviction> XpBuffer::fill(std::uint64_t line) {
    std::optional<Eviction> evicted;
    if (!enabled()) return evicted;
    std::size_t e = find(line);
    if (e == npos) e = allocate(line, evicted);
    filled_[e] = 1;
    touch(e);
    return evicted;
}

inline XpBuffer::WriteResult XpBuffer::write(std::uint64_t line, std::uint64_t offset, std::uint64_t len) {
    WriteResult r;
    if (!enabled()) return r;
    std::size_t e = find(line);
    r.hit = e != npos;
    if (!r.hit) e = allocate(line, r.evicted);
    std::uint64_t* w = written(e);
    for_each_word(offset, len, [&](std::uint64_t i, std::uint64_t mask) {
        written_bytes_[e] += static_cast<std::uint64_t>(std::popcount(mask & ~w[i]));
        w[i] |= mask;
    });
    touch(e);
    return r;
}

} // namespace daxsim::models
