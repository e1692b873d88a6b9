// Errors in user input, printed as `FILE:LINE:COL: error: what` plus an optional `hint:` line, and the
// small Result type the parsers return (std::expected is not in GCC 12).
#pragma once

#include <cstddef>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "scenarios/source_location.h"

namespace daxsim::scenarios {

struct Diagnostic {
    SourceLocation where;
    std::string message;
    std::string hint; // empty: no hint line

    // "FILE:LINE:COL: error: what" and, when there is a hint, "\nhint: ...". A location without a line
    // prints as "FILE: error: what"; without a file as "daxsim: error: what".
    [[nodiscard]] std::string format() const;
};

// Either a value or the diagnostic that explains why there is none.
template <class T> class [[nodiscard]] Result {
  public:
    Result(T value) : v_(std::move(value)) {}          // NOLINT: implicit on purpose, like expected
    Result(Diagnostic error) : v_(std::move(error)) {} // NOLINT
    [[nodiscard]] bool ok() const { return v_.index() == 0; }
    explicit operator bool() const { return ok(); }
    [[nodiscard]] T& value() { return std::get<0>(v_); }
    [[nodiscard]] const T& value() const { return std::get<0>(v_); }
    [[nodiscard]] const Diagnostic& error() const { return std::get<1>(v_); }

  private:
    std::variant<T, Diagnostic> v_;
};

// Edit distance: insert, delete, substitute and swap two adjacent characters each cost 1.
[[nodiscard]] std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidate closest to `word` when it is close enough to be a plausible typo (distance at most
// max(1, len/3)), else empty.
[[nodiscard]] std::string closest_match(std::string_view word, std::span<const std::string_view> candidates);
[[nodiscard]] std::string closest_match(std::string_view word, std::span<const std::string> candidates);

// "did you mean 'x'?" or empty.
[[nodiscard]] std::string did_you_mean(std::string_view word, std::span<const std::string_view> candidates);
[[nodiscard]] std::string did_you_mean(std::string_view word, std::span<const std::string> candidates);

} // namespace daxsim::scenarios
