// waves.vcd: the Tracer implementation that records the hardware's waveforms as a Value Change Dump
// (IEEE 1364-2005 sec. 18), for GTKWave and other VCD viewers. Only the waveform part of the Tracer is
// used (levels, pulses, register values); spans and instants go to trace.json.
//
// Models report changes with absolute times and not in time order (loosely timed cores run up to a
// quantum ahead of each other), so the writer keeps every change and sorts them when it writes:
//  - one scope per module ("mc0", "nmem3", "cpu1"), signals declared in name order
//  - timescale 1 ns; a level is the running sum of its deltas (shown as a 32-bit vector), a pulse is a
//    1-bit wire high for 1 ns, a value is a vector of its width
//  - at one timestamp, a signal shows its last value there; nothing that did not change is printed
// No date or host information: the same run writes the same bytes.
#pragma once

#include <cstdint>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "models/tracer.h"

namespace daxsim::scenarios {

class VcdWriter final : public NullTracer {
  public:
    [[nodiscard]] bool waves() const override { return true; }
    void level(const std::string& signal, std::uint64_t at_ns, std::int64_t delta) override;
    void pulse(const std::string& signal, std::uint64_t at_ns) override;
    void value(const std::string& signal, std::uint64_t at_ns, std::uint64_t value, unsigned width) override;

    void write(std::ostream& out) const;
    [[nodiscard]] std::size_t change_count() const { return changes_.size(); }

  private:
    enum class Kind { level, pulse, value };
    struct Signal {
        Kind kind;
        unsigned width;
        std::size_t index; // declaration order: identifier code
    };
    struct Change {
        std::uint64_t at_ns;
        std::uint64_t seq; // report order, which breaks ties
        std::size_t signal;
        std::int64_t amount; // level: delta; pulse: 1 (rise) or 0 (fall); value: the value
    };
    std::size_t signal_of(const std::string& name, Kind kind, unsigned width);

    std::map<std::string, Signal> signals_;
    std::vector<const std::string*> names_; // by index
    std::vector<Change> changes_;
};

// Forwards every event to two tracers (trace.json and waves.vcd from one run).
class TeeTracer final : public Tracer {
  public:
    TeeTracer(Tracer& a, Tracer& b) : a_(a), b_(b) {}
    [[nodiscard]] bool enabled() const override { return a_.enabled() || b_.enabled(); }
    void complete(const std::string& track, const std::string& name, std::uint64_t start_ns,
                  std::uint64_t dur_ns, std::vector<TraceArg> args) override {
        a_.complete(track, name, start_ns, dur_ns, args);
        b_.complete(track, name, start_ns, dur_ns, std::move(args));
    }
    void instant(const std::string& track, const std::string& name, std::uint64_t at_ns,
                 std::vector<TraceArg> args) override {
        a_.instant(track, name, at_ns, args);
        b_.instant(track, name, at_ns, std::move(args));
    }
    void flow_begin(const std::string& track, std::uint64_t id, std::uint64_t at_ns) override {
        a_.flow_begin(track, id, at_ns);
        b_.flow_begin(track, id, at_ns);
    }
    void flow_step(const std::string& track, std::uint64_t id, std::uint64_t at_ns) override {
        a_.flow_step(track, id, at_ns);
        b_.flow_step(track, id, at_ns);
    }
    void flow_end(const std::string& track, std::uint64_t id, std::uint64_t at_ns) override {
        a_.flow_end(track, id, at_ns);
        b_.flow_end(track, id, at_ns);
    }
    [[nodiscard]] bool waves() const override { return a_.waves() || b_.waves(); }
    void level(const std::string& signal, std::uint64_t at_ns, std::int64_t delta) override {
        a_.level(signal, at_ns, delta);
        b_.level(signal, at_ns, delta);
    }
    void pulse(const std::string& signal, std::uint64_t at_ns) override {
        a_.pulse(signal, at_ns);
        b_.pulse(signal, at_ns);
    }
    void value(const std::string& signal, std::uint64_t at_ns, std::uint64_t v, unsigned width) override {
        a_.value(signal, at_ns, v, width);
        b_.value(signal, at_ns, v, width);
    }

  private:
    Tracer& a_;
    Tracer& b_;
};

} // namespace daxsim::scenarios
