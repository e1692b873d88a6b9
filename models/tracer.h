// The one tracer interface every layer reports timed events through (STYLE.md rule 5).
// Pure C++ (no SystemC): hardware models, the platform and the simulated kernel all use it, and the
// scenario runner supplies the implementation that writes Chrome trace events (trace.json, Perfetto).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace daxsim {

// A track is one row in the timeline: "cpu0", "nmem0", "mc0.wpq", "kernel.mm", "kernel.xfs", ...
struct TraceArg {
    std::string key;
    std::string value;
};

class Tracer {
  public:
    virtual ~Tracer() = default;
    // False when events are thrown away: callers skip building names and arguments.
    [[nodiscard]] virtual bool enabled() const { return true; }
    // A span of simulated time [start_ns, start_ns + dur_ns) on a track.
    virtual void complete(const std::string& track, const std::string& name, std::uint64_t start_ns,
                          std::uint64_t dur_ns, std::vector<TraceArg> args = {}) = 0;
    // A point in simulated time.
    virtual void instant(const std::string& track, const std::string& name, std::uint64_t at_ns,
                         std::vector<TraceArg> args = {}) = 0;
    // Flow arrows tie events on different tracks into one story (a poison to each signal):
    // flow_begin on the first track, flow_step / flow_end with the same id later.
    virtual void flow_begin(const std::string& track, std::uint64_t id, std::uint64_t at_ns) = 0;
    virtual void flow_step(const std::string& track, std::uint64_t id, std::uint64_t at_ns) = 0;
    virtual void flow_end(const std::string& track, std::uint64_t id, std::uint64_t at_ns) = 0;

    // --- waveforms (waves.vcd) -----------------------------------------------------------------------
    // Signals are named "<module>.<signal>" ("mc0.wpq2", "nmem0.media_busy", "cpu1.mci_status"). Models
    // report changes with absolute simulated times, in any order (loosely timed models run ahead).
    // False when nobody records waveforms: callers skip building signal names.
    [[nodiscard]] virtual bool waves() const { return false; }
    // A level that moves by `delta` at `at_ns` (queue occupancy: +1 when an entry is taken, -1 when it is
    // freed); the waveform shows the running sum.
    virtual void level(const std::string& /*signal*/, std::uint64_t /*at_ns*/, std::int64_t /*delta*/) {}
    // A one-bit event: high for one nanosecond at `at_ns` (a buffer hit, a poison read, a #MC).
    virtual void pulse(const std::string& /*signal*/, std::uint64_t /*at_ns*/) {}
    // A register of `width` bits that holds `value` from `at_ns` on (MCi_STATUS).
    virtual void value(const std::string& /*signal*/, std::uint64_t /*at_ns*/, std::uint64_t /*value*/,
                       unsigned /*width*/) {}
};

// Discards everything; the default where nobody asked for a trace, and the base of a tracer that keeps
// only some kinds of event (scenarios/vcd_writer.h keeps the waveforms).
class NullTracer : public Tracer {
  public:
    [[nodiscard]] bool enabled() const override { return false; }
    void complete(const std::string&, const std::string&, std::uint64_t, std::uint64_t,
                  std::vector<TraceArg>) override {}
    void instant(const std::string&, const std::string&, std::uint64_t, std::vector<TraceArg>) override {}
    void flow_begin(const std::string&, std::uint64_t, std::uint64_t) override {}
    void flow_step(const std::string&, std::uint64_t, std::uint64_t) override {}
    void flow_end(const std::string&, std::uint64_t, std::uint64_t) override {}
};

} // namespace daxsim
