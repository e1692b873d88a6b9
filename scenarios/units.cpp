#include "scenarios/units.h"

#include <array>
#include <charconv>
#include <limits>
#include <string>

#include <fmt/format.h>

namespace daxsim::scenarios {
namespace {

struct Suffix {
    std::string_view name;
    std::uint64_t factor;
};

// Longest names first so that "KiB" is not read as "K" + "iB".
constexpr std::array kSizeSuffixes{
    Suffix{"KiB", 1ull << 10},
    Suffix{"MiB", 1ull << 20},
    Suffix{"GiB", 1ull << 30},
    Suffix{"TiB", 1ull << 40},
    Suffix{"k", 1ull << 10},
    Suffix{"K", 1ull << 10},
    Suffix{"m", 1ull << 20},
    Suffix{"M", 1ull << 20},
    Suffix{"g", 1ull << 30},
    Suffix{"G", 1ull << 30},
    Suffix{"t", 1ull << 40},
    Suffix{"T", 1ull << 40},
    Suffix{"B", 1},
    Suffix{"s", 512},
    Suffix{"b", 4096},
};

constexpr std::array kDurationSuffixes{
    Suffix{"ns", 1},
    Suffix{"us", 1'000},
    Suffix{"ms", 1'000'000},
    Suffix{"s", 1'000'000'000},
};

Diagnostic bare(std::string message, std::string hint = {}) {
    return Diagnostic{{}, std::move(message), std::move(hint)};
}

// Splits "0x10k" into the number and the suffix; fails when there are no digits.
Result<std::pair<std::uint64_t, std::string_view>> split_number(std::string_view text,
                                                                std::string_view what) {
    if (text.empty()) return bare(fmt::format("empty {}", what));
    int base = 10;
    std::string_view digits = text;
    if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
        base = 16;
        digits = text.substr(2);
    }
    std::uint64_t value = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value, base);
    if (end == digits.data())
        return bare(fmt::format("'{}' is not a {}: it has no number", text, what),
                    fmt::format("write the number before the unit, e.g. '4{}'", text));
    if (ec == std::errc::result_out_of_range) return bare(fmt::format("'{}' is too large", text));
    return std::pair{value,
                     std::string_view(end, static_cast<std::size_t>(digits.data() + digits.size() - end))};
}

template <std::size_t N>
Result<std::uint64_t> scaled(std::string_view text, std::string_view what,
                             const std::array<Suffix, N>& suffixes, std::string_view units_hint) {
    auto split = split_number(text, what);
    if (!split) return split.error();
    const auto [value, suffix] = split.value();
    if (suffix.empty()) return value;
    for (const auto& s : suffixes) {
        if (s.name != suffix) continue;
        if (value > std::numeric_limits<std::uint64_t>::max() / s.factor)
            return bare(fmt::format("'{}' is too large", text));
        return value * s.factor;
    }
    return bare(fmt::format("'{}' has an unknown unit '{}'", text, suffix), std::string(units_hint));
}

} // namespace

Result<std::uint64_t> parse_size(std::string_view text) {
    return scaled(text, "size", kSizeSuffixes,
                  "sizes take B, k, m, g, t, KiB, MiB, GiB, TiB, s (512 B) or b (4 KiB)");
}

Result<std::uint64_t> parse_duration_ns(std::string_view text) {
    return scaled(text, "duration", kDurationSuffixes, "durations take ns, us, ms or s");
}

Result<std::uint64_t> parse_uint(std::string_view text) {
    auto split = split_number(text, "number");
    if (!split) return split.error();
    if (!split.value().second.empty()) return bare(fmt::format("'{}' is not a number", text));
    return split.value().first;
}

Result<double> parse_metric_value(std::string_view text) {
    // A duration suffix wins where both families could read the word ("1s" is a second, not a sector).
    for (const auto& s : kDurationSuffixes)
        if (text.size() > s.name.size() && text.ends_with(s.name)) {
            auto d = parse_duration_ns(text);
            if (d) return static_cast<double>(d.value());
        }
    auto size = parse_size(text);
    if (size) return static_cast<double>(size.value());
    // Plain decimals ("0.5") for ratios.
    double v = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec == std::errc{} && end == text.data() + text.size()) return v;
    return size.error();
}

} // namespace daxsim::scenarios
