#include "models/xp_buffer.h"

#include <algorithm>

namespace daxsim::models {

XpBuffer::XpBuffer(std::uint64_t lines, std::uint64_t line_bytes)
    : capacity_(lines), words_((line_bytes + 63) / 64),
      last_word_mask_(line_bytes % 64 == 0 ? ~std::uint64_t{0} : (std::uint64_t{1} << (line_bytes % 64)) - 1),
      lines_(lines), prev_(lines, npos), next_(lines, npos), filled_(lines), written_(lines * words_),
      index_(lines) {}

void XpBuffer::remove(std::size_t e) {
    unlink(e);
    index_.erase(lines_[e]);
    const std::size_t last = --used_;
    if (e == last) return;
    // Entry `last` moves into slot e, keeping its place in the LRU list.
    lines_[e] = lines_[last];
    index_.set(lines_[e], e);
    filled_[e] = filled_[last];
    std::copy_n(written(last), words_, written(e));
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
    index_.clear();
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
