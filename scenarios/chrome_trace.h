// trace.json: the Tracer implementation that records Chrome trace events (opens in Perfetto and
// chrome://tracing). One process for the machine, one thread per track ("cpu0", "mc0.wpq",
// "kernel.mm", "steps"), named by thread_name metadata in first-use order. Timestamps are microseconds
// printed with exactly three decimals, so that they carry nanoseconds and print identically every run.
#pragma once

#include <cstdint>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "models/tracer.h"

namespace daxsim::scenarios {

class ChromeTraceWriter final : public Tracer {
  public:
    void complete(const std::string& track, const std::string& name, std::uint64_t start_ns,
                  std::uint64_t dur_ns, std::vector<TraceArg> args = {}) override;
    void instant(const std::string& track, const std::string& name, std::uint64_t at_ns,
                 std::vector<TraceArg> args = {}) override;
    void flow_begin(const std::string& track, std::uint64_t id, std::uint64_t at_ns) override;
    void flow_step(const std::string& track, std::uint64_t id, std::uint64_t at_ns) override;
    void flow_end(const std::string& track, std::uint64_t id, std::uint64_t at_ns) override;
    // Levels (WPQ occupancy, media busy, fill buffers in flight) become counter tracks ("ph":"C", one per
    // signal, named after it): the queues get tracks of their own in Perfetto. Pulses and register
    // values are waves.vcd's only (the matching instants are already on the tracks above).
    [[nodiscard]] bool waves() const override { return true; }
    void level(const std::string& signal, std::uint64_t at_ns, std::int64_t delta) override;

    // {"traceEvents":[metadata..., events...],"displayTimeUnit":"ns"}
    void write(std::ostream& out) const;
    [[nodiscard]] std::size_t event_count() const { return events_.size(); }

  private:
    enum class Phase : char {
        complete = 'X',
        instant = 'i',
        flow_begin = 's',
        flow_step = 't',
        flow_end = 'f'
    };
    struct Event {
        Phase phase;
        unsigned tid;
        std::string name;
        std::uint64_t ts_ns;
        std::uint64_t dur_ns;
        std::uint64_t id;
        std::vector<TraceArg> args;
    };
    unsigned tid_of(const std::string& track);

    std::map<std::string, unsigned> tids_;
    std::vector<std::string> tracks_; // by tid - 1, in first-use order
    std::vector<Event> events_;
    struct LevelChange {
        std::uint64_t at_ns;
        std::int64_t delta;
    };
    std::map<std::string, std::vector<LevelChange>> levels_; // by signal; sorted when written
};

// "\"text\"" with JSON escapes.
[[nodiscard]] std::string json_quote(const std::string& text);
// 123456 ns -> "123.456" (microseconds, exact).
[[nodiscard]] std::string format_trace_ts(std::uint64_t ns);

} // namespace daxsim::scenarios
