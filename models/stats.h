// A counter with a unit and a description, registered where the thing it counts happens
// (STYLE.md rule 5). Every module owns a stats struct of these; the runner collects them into
// results.json metrics under the counter's dotted name ("dimm.media_read_bytes").
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace daxsim {

struct Counter {
    const char* name; // dotted metric name, e.g. "mc.read_bytes"
    const char* unit; // "B", "ns", "events"
    const char* desc; // one line, for `daxsim params`-like listings and the results schema
    std::uint64_t value = 0;

    Counter& operator+=(std::uint64_t v) {
        value += v;
        return *this;
    }
};

// name -> value; several modules of one kind (six DIMMs) add into the same name.
using MetricMap = std::map<std::string, double>;

inline void add_metric(MetricMap& out, const Counter& c) {
    out[c.name] += static_cast<double>(c.value);
}

} // namespace daxsim
