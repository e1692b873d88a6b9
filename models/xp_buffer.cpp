#include "models/xp_buffer.h"

#include <algorithm>
#include <bit>

namespace daxsim::models {

namespace {

// log2 of the hash's buckets: at least twice the entries (two for none or one), so that a chain holds
// about half an entry.
unsigned bucket_bits(std::uint64_t lines) {
    return static_cast<unsigned>(std::bit_width(2 * std::max<std::uint64_t>(1, lines) - 1));
}

} // namespace

XpBuffer::XpBuffer(std::uint64_t lines, std::uint64_t line_bytes)
    : capacity_(lines), line_bytes_(line_bytes), words_((line_bytes + 63) / 64), lines_(lines),
      prev_(lines, npos), next_(lines, npos), filled_(lines), written_(lines * words_), written_bytes_(lines),
      bucket_shift_(64 - bucket_bits(lines)), buckets_(std::size_t{1} << bucket_bits(lines), npos),
      chain_next_(lines, npos) {}

void XpBuffer::remove(std::size_t e) {
    unlink(e);
    chain_remove(e);
    const std::size_t last = --used_;
    if (e == last) return;
    // Entry `last` moves into slot e, keeping its place in the LRU list.
    chain_remove(last);
    lines_[e] = lines_[last];
    chain_insert(e);
    filled_[e] = filled_[last];
    std::copy_n(written(last), words_, written(e));
    written_bytes_[e] = written_bytes_[last];
    prev_[e] = prev_[last];
    next_[e] = next_[last];
    (prev_[e] == npos ? head_ : next_[prev_[e]]) = e;
    (next_[e] == npos ? tail_ : prev_[next_[e]]) = e;
    prev_[last] = next_[last] = npos;
}

std::vector<XpBuffer::Eviction> XpBuffer::drain() {
    std::vector<Eviction> out;
    for (std::size_t e = 0; e < used_; ++e)
        if (dirty(e)) out.push_back(Eviction{lines_[e], filled_[e] == 0 && !written_whole(e)});
    std::sort(out.begin(), out.end(), [](const Eviction& a, const Eviction& b) { return a.line < b.line; });
    used_ = 0;
    head_ = tail_ = npos;
    std::fill(buckets_.begin(), buckets_.end(), npos);
    std::fill(prev_.begin(), prev_.end(), npos);
    std::fill(next_.begin(), next_.end(), npos);
    return out;
}

void XpBuffer::drop(std::uint64_t line) {
    if (const std::size_t e = find(line); e != npos) remove(e);
}

bool XpBuffer::contains(std::uint64_t line) const {
    return find(line) != npos;
}

std::uint64_t XpBuffer::dirty_lines() const {
    std::uint64_t n = 0;
    for (std::size_t e = 0; e < used_; ++e)
        n += dirty(e) ? 1 : 0;
    return n;
}

} // namespace daxsim::models
