// Flow arrows for trace.json: one flow per failure event, from the machine check (or the report that
// started memory_failure()) through every layer it crosses to each signal it sends. Perfetto binds a
// flow point to the slice open on its track at that time, so every point sits 1 ns before "now" inside
// the caller's LayerScope span, after the layer's cost has been charged (the default costs are all
// >= 50 ns; with a zero cost the point may bind to nothing, which viewers ignore).
#pragma once

#include <cstdint>
#include <string>

namespace daxsim::kernel {

class Kernel;

// Starts the event's flow when none is open: a 's' event on `track`. True when this call opened it
// (the caller then ends it with mf_flow_finish()).
[[nodiscard]] bool mf_flow_begin(Kernel& k, const std::string& track);
// Starts the flow on a hardware track (the CPU that took the #MC): a span [at_ns, at_ns + dur_ns) on that
// track carries the 's' point.
[[nodiscard]] bool mf_flow_begin_at(Kernel& k, const std::string& track, const std::string& name,
                                    std::uint64_t at_ns, std::uint64_t dur_ns);
// A 't' point on `track` when a flow is open.
void mf_flow_step(Kernel& k, const std::string& track);
// A signal was sent: the previous signal point becomes a step, this one is held back as the end.
void mf_flow_signal(Kernel& k, const std::string& track);
// Ends the flow: 'f' at the last signal, or on `track` when the event sent none.
void mf_flow_finish(Kernel& k, const std::string& track);

} // namespace daxsim::kernel
