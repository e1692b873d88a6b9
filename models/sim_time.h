// Conversions between sc_time and the integer nanoseconds the SystemC-free layers speak.
#pragma once

#include <cstdint>

#include <systemc>

namespace daxsim::models {

// Whole nanoseconds, truncated (integer arithmetic on the time resolution: no floating-point drift).
// The resolution is fixed before the first sc_time exists (SystemC's rule), so the ratio is a constant.
[[nodiscard]] inline std::uint64_t to_ns(const sc_core::sc_time& t) {
    static const sc_core::sc_time::value_type per_ns = sc_core::sc_time(1, sc_core::SC_NS).value();
    // SystemC's default 1 ps resolution, spelled out so that the division by a constant becomes a
    // multiplication: every access converts its cost and latency (a 64-bit division costs tens of cycles).
    if (per_ns == 1000) return t.value() / 1000;
    return t.value() / per_ns;
}
// The current SystemC time, read in place: sc_time_stamp() is an out-of-line library call, and the
// access path asks for the time several times per modelled access.
[[nodiscard]] inline const sc_core::sc_time& sim_now() {
    return sc_core::sc_get_curr_simcontext()->time_stamp();
}
[[nodiscard]] inline sc_core::sc_time ns(std::uint64_t v) {
    return sc_core::sc_time(static_cast<double>(v), sc_core::SC_NS);
}

} // namespace daxsim::models
