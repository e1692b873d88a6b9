#include "scenarios/diagnostics.h"

#include <algorithm>

#include <fmt/format.h>

namespace daxsim::scenarios {

std::string Diagnostic::format() const {
    std::string out;
    if (where.file.empty())
        out = "daxsim";
    else if (where.line == 0)
        out = where.file;
    else if (where.column == 0)
        out = fmt::format("{}:{}", where.file, where.line);
    else
        out = fmt::format("{}:{}:{}", where.file, where.line, where.column);
    out += ": error: " + message;
    if (!hint.empty()) out += "\nhint: " + hint;
    return out;
}

// Optimal string alignment distance: Levenshtein plus adjacent transpositions, the most common typo
// ("EOI" for "EIO", "muont" for "mount").
std::size_t edit_distance(std::string_view a, std::string_view b) {
    const std::size_t w = b.size() + 1;
    std::vector<std::size_t> d((a.size() + 1) * w);
    auto at = [&](std::size_t i, std::size_t j) -> std::size_t& { return d[i * w + j]; };
    for (std::size_t i = 0; i <= a.size(); ++i)
        at(i, 0) = i;
    for (std::size_t j = 0; j <= b.size(); ++j)
        at(0, j) = j;
    for (std::size_t i = 1; i <= a.size(); ++i)
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            at(i, j) = std::min({at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                at(i, j) = std::min(at(i, j), at(i - 2, j - 2) + 1);
        }
    return at(a.size(), b.size());
}

namespace {

template <class S> std::string closest_impl(std::string_view word, std::span<const S> candidates) {
    const std::size_t limit = std::max<std::size_t>(1, word.size() / 3);
    std::string best;
    std::size_t best_d = limit + 1;
    for (const auto& c : candidates) {
        const std::size_t d = edit_distance(word, c);
        if (d < best_d) { // first of equals wins: candidate order is deterministic
            best_d = d;
            best = std::string(c);
        }
    }
    return best;
}

} // namespace

std::string closest_match(std::string_view word, std::span<const std::string_view> candidates) {
    return closest_impl(word, candidates);
}
std::string closest_match(std::string_view word, std::span<const std::string> candidates) {
    return closest_impl(word, candidates);
}

std::string did_you_mean(std::string_view word, std::span<const std::string_view> candidates) {
    const std::string m = closest_match(word, candidates);
    return m.empty() ? std::string{} : fmt::format("did you mean '{}'?", m);
}
std::string did_you_mean(std::string_view word, std::span<const std::string> candidates) {
    const std::string m = closest_match(word, candidates);
    return m.empty() ? std::string{} : fmt::format("did you mean '{}'?", m);
}

} // namespace daxsim::scenarios
