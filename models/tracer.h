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
};

// Discards everything; the default where nobody asked for a trace.
class NullTracer final : public Tracer {
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
