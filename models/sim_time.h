// Conversions between sc_time and the integer nanoseconds the SystemC-free layers speak.
#pragma once

#include <cstdint>

#include <systemc>

namespace daxsim::models {

// Whole nanoseconds, truncated (integer arithmetic on the time resolution: no floating-point drift).
[[nodiscard]] inline std::uint64_t to_ns(const sc_core::sc_time& t) {
    return t.value() / sc_core::sc_time(1, sc_core::SC_NS).value();
}
[[nodiscard]] inline sc_core::sc_time ns(std::uint64_t v) {
    return sc_core::sc_time(static_cast<double>(v), sc_core::SC_NS);
}

} // namespace daxsim::models
