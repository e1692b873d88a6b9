// The model behind `daxsim fsx` (fsx.h): the operations, the oracle of file contents and block sharing,
// and the seeded generator that only proposes operations the oracle can predict exactly.
//
// The oracle models each file as bytes plus, per 4 KiB page, the identity of the block behind it (0: a
// hole), so that it knows which pages share a block after clones and dedupes, which writes must copy on
// write, and which pages a poisoned block reaches in every file.
//
// Simplifications, chosen so that the oracle stays exact rather than guessing the kernel's corner cases:
// file sizes stay page multiples (extending writes end on a page boundary; truncate, falloc, punch,
// clone, dedupe and unshare work on whole pages); poison goes only into written data pages; an operation
// that would read a poisoned page (CoW copy, dedupe compare, unshare, a partial overwrite) or free a block
// that was ever poisoned is not generated. A clear is what an administrator does: ndctl start-scrub,
// ndctl clear-errors, then a whole-page pwrite over every page holding a poisoned block.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <map>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace daxsim::scenarios::fsx {

using u64 = std::uint64_t;

constexpr u64 kPage = 4096;
constexpr u64 kLine = 256;    // media line: the unit of poison
constexpr u64 kMaxPages = 48; // largest file: 192 KiB
constexpr unsigned kFiles = 3;
constexpr unsigned kMaxPoisonedBlocks = 3;

enum class OpKind {
    pwrite,
    mwrite,
    pread,
    reflink,
    dedupe,
    punch,
    falloc,
    truncate,
    funshare,
    poison,
    clear
};

struct Op {
    OpKind kind = OpKind::pread;
    unsigned file = 0; // destination (or the only file)
    unsigned src = 0;  // reflink / dedupe source
    u64 off = 0;
    u64 soff = 0;
    u64 len = 0;
    unsigned fill = 0;
    // Test-only (fsx --inject-bug): the oracle records a pwrite with fill ^ 0xff, or a reflink as a copy
    // into fresh blocks (nothing shared).
    bool misrecord = false;
};

[[nodiscard]] std::string path_of(unsigned f);
// The op as one scenario step (a clear is expanded by the runner, which knows the pages).
[[nodiscard]] std::string render(const Op& o);

// --- the oracle -------------------------------------------------------------------------------------
struct OFile {
    std::vector<unsigned char> data; // size is a page multiple
    std::vector<u64> ids;            // block identity per page, 0 = hole
};

struct Oracle {
    std::array<OFile, kFiles> files;
    u64 next_id = 1;
    std::map<u64, std::set<unsigned>> poison; // block identity -> poisoned lines (0..15)
    std::set<u64> unwritten;                  // identities of preallocated, never written blocks
    std::set<u64> tainted;                    // identities that were ever poisoned (see clear)

    [[nodiscard]] u64 refs(u64 id) const {
        u64 n = 0;
        for (const auto& f : files)
            n += static_cast<u64>(std::count(f.ids.begin(), f.ids.end(), id));
        return n;
    }
    [[nodiscard]] bool poisoned(u64 id) const {
        const auto it = poison.find(id);
        return id != 0 && it != poison.end() && !it->second.empty();
    }
    void resize(OFile& f, u64 size) {
        f.data.resize(size, 0);
        f.ids.resize(size / kPage, 0);
    }
    // A write of [off, off+len) with `fill`: new blocks for holes and shared pages (copy on write).
    void write(unsigned fi, u64 off, u64 len, unsigned char fill) {
        OFile& f = files[fi];
        if (off + len > f.data.size()) resize(f, off + len);
        std::fill(f.data.begin() + static_cast<long>(off), f.data.begin() + static_cast<long>(off + len),
                  fill);
        for (u64 p = off / kPage; p <= (off + len - 1) / kPage; ++p) {
            u64& id = f.ids[p];
            const bool full = off <= p * kPage && off + len >= (p + 1) * kPage;
            if (id == 0 || refs(id) > 1) {
                id = next_id++;
            } else {
                unwritten.erase(id);
                if (full) poison.erase(id);
            }
        }
    }
};

// The op's ranges fit the files as they are (a replay with ops removed may break what the generator
// guaranteed: a read past the end, a poison of a hole, a clear without poison).
[[nodiscard]] bool fits(const Oracle& o, const Op& op);
// Applies op to the oracle; false when the op is not one fsx generates (see the header comment).
bool apply(Oracle& o, const Op& op);
// The op would free a block that was ever poisoned.
[[nodiscard]] bool frees_poison(const Oracle& before, const Oracle& after);
// (file, page) of every page holding a poisoned block, in order.
[[nodiscard]] std::vector<std::pair<unsigned, u64>> clear_pages(const Oracle& o);

// --- the generator ----------------------------------------------------------------------------------
class Generator {
  public:
    explicit Generator(u64 seed) : rng_(seed) {}

    // A random op the oracle accepts; applies it to the oracle.
    Op next(Oracle& o) {
        for (;;) {
            Op op = propose(o);
            Oracle trial = o;
            if (!apply(trial, op) || frees_poison(o, trial)) continue;
            o = std::move(trial);
            return op;
        }
    }

  private:
    u64 below(u64 n) { return n == 0 ? 0 : std::uniform_int_distribution<u64>(0, n - 1)(rng_); }
    u64 pages_of(const Oracle& o, unsigned f) const { return o.files[f].data.size() / kPage; }

    Op propose(const Oracle& o) {
        // Weights: writes and reads most often, failures now and then.
        static constexpr std::array<std::pair<OpKind, unsigned>, 11> kWeights{{{OpKind::pwrite, 20},
                                                                               {OpKind::mwrite, 8},
                                                                               {OpKind::pread, 20},
                                                                               {OpKind::reflink, 10},
                                                                               {OpKind::dedupe, 6},
                                                                               {OpKind::punch, 6},
                                                                               {OpKind::falloc, 6},
                                                                               {OpKind::truncate, 5},
                                                                               {OpKind::funshare, 5},
                                                                               {OpKind::poison, 3},
                                                                               {OpKind::clear, 4}}};
        unsigned total = 0;
        for (const auto& [kind, w] : kWeights)
            total += w;
        u64 pick = below(total);
        OpKind kind = OpKind::pread;
        for (const auto& [kd, w] : kWeights) {
            if (pick < w) {
                kind = kd;
                break;
            }
            pick -= w;
        }
        Op op;
        op.kind = kind;
        op.file = static_cast<unsigned>(below(kFiles));
        op.fill = static_cast<unsigned>(1 + below(255));
        const u64 size = o.files[op.file].data.size();
        const u64 pages = pages_of(o, op.file);
        switch (kind) {
        case OpKind::pwrite: {
            op.off = below(std::min(size, kMaxPages * kPage - 1) + 1);
            op.len = 1 + below(std::min<u64>(32 * 1024, kMaxPages * kPage - op.off));
            // An extending write ends on a page boundary, so sizes stay page multiples.
            if (op.off + op.len > size) op.len = (op.off + op.len + kPage - 1) / kPage * kPage - op.off;
            return op;
        }
        case OpKind::mwrite:
            if (size == 0) return propose(o);
            op.soff = size; // mapping length: the whole file
            op.off = below(size);
            op.len = 1 + below(std::min<u64>(16 * 1024, size - op.off));
            return op;
        case OpKind::pread:
            if (size == 0) return propose(o);
            op.off = below(size);
            op.len = 1 + below(size - op.off);
            return op;
        case OpKind::reflink:
        case OpKind::dedupe: {
            op.src = static_cast<unsigned>(below(kFiles));
            const u64 spages = pages_of(o, op.src);
            if (op.src == op.file || spages == 0) return propose(o);
            const u64 sp = below(spages);
            const u64 n = 1 + below(std::min<u64>(spages - sp, 8));
            const u64 dmax = kind == OpKind::dedupe ? (pages >= n ? pages - n + 1 : 0)
                                                    : std::min(pages, kMaxPages - n) + 1;
            if (dmax == 0) return propose(o);
            op.soff = sp * kPage;
            op.off = below(dmax) * kPage;
            op.len = n * kPage;
            if (kind == OpKind::dedupe && below(2) == 0)
                op.off = op.soff <= (pages - n) * kPage ? op.soff : op.off;
            return op;
        }
        case OpKind::punch:
        case OpKind::funshare: {
            if (pages == 0) return propose(o);
            const u64 p = below(pages);
            op.off = p * kPage;
            op.len = (1 + below(pages - p)) * kPage;
            return op;
        }
        case OpKind::falloc: {
            const u64 p = below(std::min(pages + 2, kMaxPages));
            op.off = p * kPage;
            op.len = (1 + below(std::min<u64>(8, kMaxPages - p))) * kPage;
            return op;
        }
        case OpKind::truncate:
            op.len = below(kMaxPages + 1) * kPage;
            return op;
        case OpKind::poison: {
            if (pages == 0 || o.poison.size() >= kMaxPoisonedBlocks) return propose(o);
            op.off = below(pages) * kPage + below(kPage / kLine) * kLine;
            return op;
        }
        case OpKind::clear:
            if (o.poison.empty()) return propose(o);
            return op;
        }
        return op;
    }

    std::mt19937_64 rng_;
};

} // namespace daxsim::scenarios::fsx
