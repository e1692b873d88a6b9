#include "scenarios/chrome_trace.h"

#include <algorithm>

#include <fmt/format.h>

namespace daxsim::scenarios {

std::string json_quote(const std::string& text) {
    std::string out = "\"";
    for (const char c : text) {
        switch (c) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\t':
            out += "\\t";
            break;
        case '\r':
            out += "\\r";
            break;
        default:
            if (static_cast<unsigned char>(c) < 0x20)
                out += fmt::format("\\u{:04x}", static_cast<unsigned>(static_cast<unsigned char>(c)));
            else
                out += c;
        }
    }
    return out + "\"";
}

std::string format_trace_ts(std::uint64_t ns) {
    return fmt::format("{}.{:03}", ns / 1000, ns % 1000);
}

unsigned ChromeTraceWriter::tid_of(const std::string& track) {
    const auto [it, inserted] = tids_.try_emplace(track, static_cast<unsigned>(tracks_.size() + 1));
    if (inserted) tracks_.push_back(track);
    return it->second;
}

void ChromeTraceWriter::complete(const std::string& track, const std::string& name, std::uint64_t start_ns,
                                 std::uint64_t dur_ns, std::vector<TraceArg> args) {
    events_.push_back({Phase::complete, tid_of(track), name, start_ns, dur_ns, 0, std::move(args)});
}

void ChromeTraceWriter::instant(const std::string& track, const std::string& name, std::uint64_t at_ns,
                                std::vector<TraceArg> args) {
    events_.push_back({Phase::instant, tid_of(track), name, at_ns, 0, 0, std::move(args)});
}

void ChromeTraceWriter::flow_begin(const std::string& track, std::uint64_t id, std::uint64_t at_ns) {
    events_.push_back({Phase::flow_begin, tid_of(track), "flow", at_ns, 0, id, {}});
}

void ChromeTraceWriter::flow_step(const std::string& track, std::uint64_t id, std::uint64_t at_ns) {
    events_.push_back({Phase::flow_step, tid_of(track), "flow", at_ns, 0, id, {}});
}

void ChromeTraceWriter::flow_end(const std::string& track, std::uint64_t id, std::uint64_t at_ns) {
    events_.push_back({Phase::flow_end, tid_of(track), "flow", at_ns, 0, id, {}});
}

void ChromeTraceWriter::level(const std::string& signal, std::uint64_t at_ns, std::int64_t delta) {
    levels_[signal].push_back({at_ns, delta});
}

void ChromeTraceWriter::write(std::ostream& out) const {
    out << "{\"traceEvents\":[\n";
    out << R"({"name":"process_name","ph":"M","pid":1,"tid":0,"args":{"name":"daxsim machine"}})";
    for (std::size_t i = 0; i < tracks_.size(); ++i)
        out << fmt::format(
            ",\n{{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":1,\"tid\":{},\"args\":{{\"name\":{}}}}}",
            i + 1, json_quote(tracks_[i]));
    for (const Event& e : events_) {
        std::string line =
            fmt::format(",\n{{\"name\":{},\"ph\":\"{}\",\"pid\":1,\"tid\":{},\"ts\":{}", json_quote(e.name),
                        static_cast<char>(e.phase), e.tid, format_trace_ts(e.ts_ns));
        switch (e.phase) {
        case Phase::complete:
            line += fmt::format(",\"dur\":{}", format_trace_ts(e.dur_ns));
            break;
        case Phase::instant:
            line += ",\"s\":\"t\"";
            break;
        case Phase::flow_end:
            line += fmt::format(",\"cat\":\"flow\",\"id\":{},\"bp\":\"e\"", e.id);
            break;
        case Phase::flow_begin:
        case Phase::flow_step:
            line += fmt::format(",\"cat\":\"flow\",\"id\":{}", e.id);
            break;
        }
        if (!e.args.empty()) {
            line += ",\"args\":{";
            for (std::size_t i = 0; i < e.args.size(); ++i)
                line += fmt::format("{}{}:{}", i ? "," : "", json_quote(e.args[i].key),
                                    json_quote(e.args[i].value));
            line += "}";
        }
        out << line << "}";
    }
    // Counter tracks: the running sum of each level's deltas, one sample per time it changes (reports
    // arrive out of time order from loosely timed cores, so they are sorted first; stable for ties).
    for (const auto& [signal, changes] : levels_) {
        std::vector<LevelChange> sorted = changes;
        std::stable_sort(sorted.begin(), sorted.end(),
                         [](const LevelChange& a, const LevelChange& b) { return a.at_ns < b.at_ns; });
        std::int64_t value = 0;
        std::int64_t shown = 0;
        for (std::size_t i = 0; i < sorted.size();) {
            const std::uint64_t t = sorted[i].at_ns;
            for (; i < sorted.size() && sorted[i].at_ns == t; ++i)
                value += sorted[i].delta;
            if (value == shown) continue;
            shown = value;
            out << fmt::format(",\n{{\"name\":{},\"ph\":\"C\",\"pid\":1,\"ts\":{},\"args\":{{\"value\":{}}}}}",
                               json_quote(signal), format_trace_ts(t), std::max<std::int64_t>(value, 0));
        }
    }
    out << "\n],\"displayTimeUnit\":\"ns\"}\n";
}

} // namespace daxsim::scenarios
