// Shared last-level cache: write-back, write-allocate, set-associative with LRU, 64 B lines, between
// the CPU cores and the memory controller. Shared by every core, so coherence is trivial.
//
// Datasheet view:
//  - core side: one target socket every core binds to, addressed by SPA
//  - memory side: one initiator socket to the controller
//  - requests are within one 64 B line (cores split larger accesses); the operation comes from
//    MemoryOpExtension:
//      read                 load: hit, or fill the line (a fill answered with poison is not allocated;
//                           the error and its MemoryErrorExtension go back to the core)
//      write                store: write-allocate (fill = RFO, whose error propagates), then modify
//      write + nt_store     non-temporal: write back and invalidate any cached copy, then write through
//      ignore + writeback   clwb: write back a dirty line, keep it (clean)
//      ignore + flush       clflushopt: write back if dirty, invalidate
//  - dirty victims are written back on eviction (posted through a write-back buffer: not charged to
//    the access that evicted them)
//  - timing: `hit_latency` for every lookup; misses add the controller's time
#pragma once

#include <cstdint>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>

#include "models/blocking_target.h"
#include "models/stats.h"
#include "models/tlm_extensions.h"

namespace daxsim::models {

struct CacheParams {
    std::uint64_t capacity_bytes = 1ull << 20;
    unsigned ways = 16;
    sc_core::sc_time hit_latency{10, sc_core::SC_NS};
};

struct CacheStats {
    Counter hits{"cache.hits", "events", "cache lookups that hit"};
    Counter misses{"cache.misses", "events", "cache lookups that missed (loads and stores)"};
    Counter writebacks{"cache.writeback_lines", "lines", "dirty lines written back (clwb, flush, eviction)"};
    Counter poisoned_fills{"cache.poisoned_fills", "events",
                           "line fills answered with poison (not allocated)"};

    void collect(MetricMap& out) const {
        for (const Counter* c : {&hits, &misses, &writebacks, &poisoned_fills})
            add_metric(out, *c);
    }
};

class Cache final : public sc_core::sc_module, public BlockingTarget {
  public:
    static constexpr std::uint64_t line_bytes = 64;

    // From the cores: any number of them bind to it (the cache does not need to know which one asks).
    tlm::tlm_target_socket<32, tlm::tlm_base_protocol_types, 0, sc_core::SC_ZERO_OR_MORE_BOUND> socket;
    tlm_utils::simple_initiator_socket<Cache> mem; // to the memory controller

    Cache(sc_core::sc_module_name name, const CacheParams& params);

    // --- untimed whole-cache helpers (power fail, firmware) ---------------------------------------
    // ADR power loss: dirty lines never reach the media; every line is invalidated. Returns lines lost.
    std::uint64_t drop_dirty();
    // eADR power loss: the caches are in the persistence domain and are flushed. Returns lines written.
    std::uint64_t writeback_all();
    // Write back and invalidate every line overlapping [spa, spa + len).
    void flush_range(std::uint64_t spa, std::uint64_t len);

    [[nodiscard]] bool contains(std::uint64_t spa) const {
        return find(spa / line_bytes * line_bytes) != npos;
    }
    [[nodiscard]] bool is_dirty(std::uint64_t spa) const;
    [[nodiscard]] const CacheStats& stats() const { return stats_; }

  private:
    static constexpr std::size_t npos = ~std::size_t{0};

    void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) override;
    unsigned int transport_dbg(tlm::tlm_generic_payload& trans) override;

    [[nodiscard]] std::size_t set_of(std::uint64_t line_addr) const {
        const std::uint64_t line = line_addr / line_bytes;
        return sets_mask_ != 0 ? line & sets_mask_ : line % sets_; // a mask for the usual power-of-two sets
    }
    // The way (index into the arrays below) holding line_addr, or npos; `set` is set_of(line_addr).
    [[nodiscard]] std::size_t find(std::uint64_t line_addr, std::size_t set) const;
    [[nodiscard]] std::size_t find(std::uint64_t line_addr) const {
        return find(line_addr, set_of(line_addr));
    }
    std::byte* data_of(std::size_t way) { return data_.data() + way * line_bytes; }
    // Reads the line from memory into a newly allocated way of `set` for `up` (whose operation is `op`);
    // on error nothing is allocated and the error is copied to `up`. Returns the way or npos.
    // Inlined into b_transport, its one caller (gnu::always_inline), as write_back is into its callers:
    // a call per access otherwise.
    [[gnu::always_inline]] inline std::size_t fill(std::uint64_t line_addr, std::size_t set, MemOp op,
                                                   tlm::tlm_generic_payload& up, sc_core::sc_time& delay);
    // Writes a dirty line to memory (posted), leaving it valid and clean.
    [[gnu::always_inline]] inline void write_back(std::size_t way, sc_core::sc_time& delay);
    // Makes `way` the most recently used of `set` (head of the set's LRU list). The caller passes the set
    // it already knows: recomputing it from the way is a 64-bit division on every access.
    void touch(std::size_t set, std::size_t way) {
        if (lru_head_[set] == way) return;
        const std::size_t first = set * params_.ways;
        Link* links = links_.data() + first;
        const auto w = static_cast<std::uint16_t>(way - first);
        const auto head = static_cast<std::uint16_t>(lru_head_[set] - first);
        // Unlink (w is not the head, so it has a more recent neighbour).
        links[links[w].prev].next = links[w].next;
        if (lru_tail_[set] == way)
            lru_tail_[set] = static_cast<std::uint32_t>(first + links[w].prev);
        else
            links[links[w].next].prev = links[w].prev;
        links[w].next = head;
        links[head].prev = w;
        lru_head_[set] = static_cast<std::uint32_t>(way);
    }
    // One byte per way that is part of its line address: a lookup compares 8 of them at once and checks
    // the full key only where one matches (the key of an invalid way never matches).
    [[nodiscard]] static std::uint64_t fingerprint(std::uint64_t line_addr) {
        return (line_addr * 0x9E3779B97F4A7C15ull) >> 56;
    }
    void set_fingerprint(std::size_t set, std::size_t way, std::uint64_t line_addr) {
        const std::size_t i = way - set * params_.ways;
        std::uint64_t& word = fps_[set * fp_words_ + i / 8];
        const unsigned shift = static_cast<unsigned>(i % 8) * 8;
        word = (word & ~(std::uint64_t{0xff} << shift)) | (fingerprint(line_addr) << shift);
    }
    void invalidate(std::size_t way) {
        if (keys_[way] != 0) ++invalid_ways_[way / params_.ways];
        keys_[way] = 0;
    }
    [[nodiscard]] std::uint64_t tag_of(std::size_t way) const { return keys_[way] & ~(kValid | kDirty); }
    [[nodiscard]] bool valid(std::size_t way) const { return keys_[way] != 0; }
    [[nodiscard]] bool dirty(std::size_t way) const { return (keys_[way] & kDirty) != 0; }

    CacheParams params_;
    // Reused for every fill and write-back (models/tlm_extensions.h).
    ReusablePayload rd_;
    ReusablePayload wb_;
    std::size_t sets_;
    std::size_t sets_mask_ = 0; // sets_ - 1 when sets_ is a power of two
    // Per way, sets_ * ways of them, set-major. Kept as separate arrays so that a lookup reads only the
    // fingerprints of one set (16 bytes for 16 ways) and the keys they point at, not whole line records.
    // Line address | kValid, | kDirty once modified since filled or written back (lines are 64 B aligned,
    // so the low bits are free); 0 when invalid. The dirty bit lives in the key because a fill reads the
    // victim's key anyway: a separate array cost a host cache miss of its own.
    static constexpr std::uint64_t kValid = 1;
    static constexpr std::uint64_t kDirty = 2;
    std::vector<std::uint64_t> keys_;
    std::vector<std::uint64_t> fps_; // fingerprints, fp_words_ words of 8 per set
    std::size_t fp_words_;
    // LRU order per set: a doubly linked list over the set's ways, most recent at the head. Every way is
    // on its set's list (an invalid way too: victims are chosen among invalid ways first).
    // The links are ways within the set, side by side: one host cache line holds a 16-way set's list
    // (two separate arrays of 32-bit global indices took twice the room, in two host lines).
    struct Link {
        std::uint16_t prev; // towards the head (more recent)
        std::uint16_t next; // towards the tail (less recent)
    };
    std::vector<Link> links_;
    std::vector<std::uint32_t> lru_head_; // ways (global indices)
    std::vector<std::uint32_t> lru_tail_;
    std::vector<std::uint32_t> invalid_ways_; // per set: how many of its ways are invalid (victim search)
    std::vector<std::byte> data_;             // line data, same order
    CacheStats stats_;
};

} // namespace daxsim::models
