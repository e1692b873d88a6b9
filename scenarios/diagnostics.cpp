#include "scenarios/diagnostics.h"

#include <algorithm>
#include <numeric>

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

std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> row(b.size() + 1);
    std::iota(row.begin(), row.end(), std::size_t{0});
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diag = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t up = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
            diag = up;
        }
    }
    return row[b.size()];
}

namespace {

template <class S>
std::string closest_impl(std::string_view word, std::span<const S> candidates) {
    const std::size_t limit = std::max<std::size_t>(1, word.size() / 3);
    std::string best;
    std::size_t best_d = limit + 1;
    for (const auto& c : candidates) {
        const std::size_t d = edit_distance(word, c);
        if (d < best_d) {   // first of equals wins: candidate order is deterministic
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
