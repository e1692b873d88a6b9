#include "models/line_index.h"

#include <algorithm>
#include <utility>

namespace daxsim::models {

void LineIndex::erase(std::uint64_t line) {
    const std::size_t mask = slots_.size() - 1;
    const std::uint64_t key = line + 1;
    std::size_t i = home(line, mask);
    while (slots_[i] >> value_bits != key) {
        if (slots_[i] == 0) return;
        i = (i + 1) & mask;
    }
    // Backward shift: move later members of the probe run into the hole while their home allows it.
    for (std::size_t j = (i + 1) & mask; slots_[j] != 0; j = (j + 1) & mask) {
        const std::size_t h = home((slots_[j] >> value_bits) - 1, mask);
        // j's key may move to i when its home is not in the cyclic range (i, j].
        const bool in_range = i <= j ? (h > i && h <= j) : (h > i || h <= j);
        if (in_range) continue;
        slots_[i] = slots_[j];
        i = j;
    }
    slots_[i] = 0;
    --size_;
}

void LineIndex::grow() {
    std::vector<std::uint64_t, CacheLineAllocator<std::uint64_t>> old(slots_.size() * 2);
    std::swap(old, slots_);
    const std::size_t mask = slots_.size() - 1;
    for (const std::uint64_t s : old) {
        if (s == 0) continue;
        std::size_t i = home((s >> value_bits) - 1, mask);
        while (slots_[i] != 0)
            i = (i + 1) & mask;
        slots_[i] = s;
    }
}

} // namespace daxsim::models
