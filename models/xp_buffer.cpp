#include "models/xp_buffer.h"

#include <algorithm>

namespace daxsim::models {
namespace {

// Calls f(word index, mask) for the bits [offset, offset + len) of a bit-per-byte mask.
template <typename F> void for_each_word(std::uint64_t offset, std::uint64_t len, F f) {
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

} // namespace

XpBuffer::XpBuffer(std::uint64_t lines, std::uint64_t line_bytes)
    : capacity_(lines), words_((line_bytes + 63) / 64),
      last_word_mask_(line_bytes % 64 == 0 ? ~std::uint64_t{0} : (std::uint64_t{1} << (line_bytes % 64)) - 1),
      lines_(lines), prev_(lines, npos), next_(lines, npos), filled_(lines), written_(lines * words_),
      index_(lines) {}

std::size_t XpBuffer::find(std::uint64_t line) const {
    const std::uint64_t e = index_.find(line);
    return e == LineIndex::npos ? npos : static_cast<std::size_t>(e);
}

bool XpBuffer::covers(std::size_t e, std::uint64_t offset, std::uint64_t len) const {
    if (filled_[e] != 0) return true;
    const std::uint64_t* w = written(e);
    bool all = true;
    for_each_word(offset, len,
                  [&](std::uint64_t i, std::uint64_t mask) { all = all && (w[i] & mask) == mask; });
    return all;
}

bool XpBuffer::written_whole(std::size_t e) const {
    const std::uint64_t* w = written(e);
    std::uint64_t all = ~std::uint64_t{0};
    for (std::size_t i = 0; i + 1 < words_; ++i)
        all &= w[i];
    return all == ~std::uint64_t{0} && (w[words_ - 1] & last_word_mask_) == last_word_mask_;
}

bool XpBuffer::dirty(std::size_t e) const {
    const std::uint64_t* w = written(e);
    std::uint64_t any = 0;
    for (std::size_t i = 0; i < words_; ++i)
        any |= w[i];
    return any != 0;
}

void XpBuffer::unlink(std::size_t e) {
    (prev_[e] == npos ? head_ : next_[prev_[e]]) = next_[e];
    (next_[e] == npos ? tail_ : prev_[next_[e]]) = prev_[e];
    prev_[e] = next_[e] = npos;
}

void XpBuffer::push_front(std::size_t e) {
    prev_[e] = npos;
    next_[e] = head_;
    (head_ == npos ? tail_ : prev_[head_]) = e;
    head_ = e;
}

std::size_t XpBuffer::allocate(std::uint64_t line, std::optional<Eviction>& evicted) {
    std::size_t e = used_;
    if (used_ < capacity_) {
        ++used_;
        push_front(e);
    } else {
        e = tail_; // least recently used
        if (dirty(e)) evicted = Eviction{lines_[e], filled_[e] == 0 && !written_whole(e)};
        index_.erase(lines_[e]);
    }
    lines_[e] = line;
    index_.set(line, e);
    filled_[e] = 0;
    std::fill_n(written(e), words_, 0);
    return e;
}

bool XpBuffer::read_hit(std::uint64_t line, std::uint64_t offset, std::uint64_t len) {
    const std::size_t e = find(line);
    if (e == npos) return false;
    touch(e);
    return covers(e, offset, len);
}

std::optional<XpBuffer::Eviction> XpBuffer::fill(std::uint64_t line) {
    std::optional<Eviction> evicted;
    if (!enabled()) return evicted;
    std::size_t e = find(line);
    if (e == npos) e = allocate(line, evicted);
    filled_[e] = 1;
    touch(e);
    return evicted;
}

XpBuffer::WriteResult XpBuffer::write(std::uint64_t line, std::uint64_t offset, std::uint64_t len) {
    WriteResult r;
    if (!enabled()) return r;
    std::size_t e = find(line);
    r.hit = e != npos;
    if (!r.hit) e = allocate(line, r.evicted);
    std::uint64_t* w = written(e);
    for_each_word(offset, len, [&](std::uint64_t i, std::uint64_t mask) { w[i] |= mask; });
    touch(e);
    return r;
}

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
