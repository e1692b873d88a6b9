#include "models/xp_buffer.h"

#include <algorithm>

namespace daxsim::models {
namespace {

// Calls f(word index, mask) for the bits [offset, offset + len) of a bit-per-byte mask.
template <typename F> void for_each_word(std::uint64_t offset, std::uint64_t len, F f) {
    for (std::uint64_t b = offset; b < offset + len;) {
        const std::uint64_t bit = b % 64;
        const std::uint64_t n = std::min<std::uint64_t>(64 - bit, offset + len - b);
        const std::uint64_t mask = (n == 64 ? ~std::uint64_t{0} : ((std::uint64_t{1} << n) - 1)) << bit;
        f(b / 64, mask);
        b += n;
    }
}

} // namespace

XpBuffer::XpBuffer(std::uint64_t lines, std::uint64_t line_bytes) : capacity_(lines), line_bytes_(line_bytes) {
    entries_.reserve(lines);
}

XpBuffer::Entry* XpBuffer::find(std::uint64_t line) {
    for (auto& e : entries_)
        if (e.line == line) return &e;
    return nullptr;
}

bool XpBuffer::covers(const Entry& e, std::uint64_t offset, std::uint64_t len) const {
    if (e.filled) return true;
    bool all = true;
    for_each_word(offset, len, [&](std::uint64_t w, std::uint64_t mask) { all = all && (e.written[w] & mask) == mask; });
    return all;
}

bool XpBuffer::dirty(const Entry& e) const {
    return std::any_of(e.written.begin(), e.written.end(), [](std::uint64_t w) { return w != 0; });
}

XpBuffer::Entry& XpBuffer::allocate(std::uint64_t line, std::optional<Eviction>& evicted) {
    if (Entry* e = find(line)) return *e;
    if (entries_.size() < capacity_) {
        entries_.push_back(Entry{line, 0, false, std::vector<std::uint64_t>((line_bytes_ + 63) / 64)});
        return entries_.back();
    }
    auto victim = std::min_element(entries_.begin(), entries_.end(),
                                   [](const Entry& a, const Entry& b) { return a.last_use < b.last_use; });
    if (dirty(*victim)) evicted = Eviction{victim->line, !victim->filled && !covers(*victim, 0, line_bytes_)};
    victim->line = line;
    victim->filled = false;
    std::fill(victim->written.begin(), victim->written.end(), 0);
    return *victim;
}

bool XpBuffer::read_hit(std::uint64_t line, std::uint64_t offset, std::uint64_t len) {
    Entry* e = find(line);
    if (e == nullptr) return false;
    e->last_use = ++clock_;
    return covers(*e, offset, len);
}

std::optional<XpBuffer::Eviction> XpBuffer::fill(std::uint64_t line) {
    std::optional<Eviction> evicted;
    if (!enabled()) return evicted;
    Entry& e = allocate(line, evicted);
    e.filled = true;
    e.last_use = ++clock_;
    return evicted;
}

std::optional<XpBuffer::Eviction> XpBuffer::write(std::uint64_t line, std::uint64_t offset, std::uint64_t len) {
    std::optional<Eviction> evicted;
    if (!enabled()) return evicted;
    Entry& e = allocate(line, evicted);
    for_each_word(offset, len, [&](std::uint64_t w, std::uint64_t mask) { e.written[w] |= mask; });
    e.last_use = ++clock_;
    return evicted;
}

std::vector<XpBuffer::Eviction> XpBuffer::drain() {
    std::vector<Eviction> out;
    for (const auto& e : entries_)
        if (dirty(e)) out.push_back(Eviction{e.line, !e.filled && !covers(e, 0, line_bytes_)});
    std::sort(out.begin(), out.end(), [](const Eviction& a, const Eviction& b) { return a.line < b.line; });
    entries_.clear();
    return out;
}

void XpBuffer::drop(std::uint64_t line) {
    std::erase_if(entries_, [line](const Entry& e) { return e.line == line; });
}

bool XpBuffer::contains(std::uint64_t line) const {
    return std::any_of(entries_.begin(), entries_.end(), [line](const Entry& e) { return e.line == line; });
}

std::uint64_t XpBuffer::dirty_lines() const {
    return static_cast<std::uint64_t>(
        std::count_if(entries_.begin(), entries_.end(), [this](const Entry& e) { return dirty(e); }));
}

} // namespace daxsim::models
