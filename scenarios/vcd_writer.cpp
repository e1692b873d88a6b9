#include "scenarios/vcd_writer.h"

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>

namespace daxsim::scenarios {
namespace {

constexpr unsigned kLevelWidth = 32;

// VCD identifier codes: printable ASCII '!'..'~', as short as possible.
std::string identifier(std::size_t index) {
    std::string id;
    do {
        id += static_cast<char>('!' + index % 94);
        index /= 94;
    } while (index != 0);
    return id;
}

std::string binary(std::uint64_t v) {
    return v == 0 ? std::string("0") : fmt::format("{:b}", v);
}

} // namespace

std::size_t VcdWriter::signal_of(const std::string& name, Kind kind, unsigned width) {
    const auto it = signals_.find(name);
    if (it != signals_.end()) {
        if (it->second.kind != kind)
            throw std::logic_error(fmt::format("VCD signal {} reported as two kinds", name));
        return it->second.index;
    }
    const auto [at, inserted] = signals_.emplace(name, Signal{kind, width, names_.size()});
    names_.push_back(&at->first);
    return at->second.index;
}

void VcdWriter::level(const std::string& signal, std::uint64_t at_ns, std::int64_t delta) {
    const std::size_t s = signal_of(signal, Kind::level, kLevelWidth);
    changes_.push_back({at_ns, changes_.size(), s, delta});
}

void VcdWriter::pulse(const std::string& signal, std::uint64_t at_ns) {
    const std::size_t s = signal_of(signal, Kind::pulse, 1);
    changes_.push_back({at_ns, changes_.size(), s, 1});
    changes_.push_back({at_ns + 1, changes_.size(), s, 0});
}

void VcdWriter::value(const std::string& signal, std::uint64_t at_ns, std::uint64_t v, unsigned width) {
    const std::size_t s = signal_of(signal, Kind::value, width);
    changes_.push_back({at_ns, changes_.size(), s, static_cast<std::int64_t>(v)});
}

void VcdWriter::write(std::ostream& out) const {
    // Declarations: signals_ is ordered by name, so scopes come out grouped and sorted.
    std::vector<std::string> ids(names_.size());
    std::vector<const Signal*> by_index(names_.size());
    out << "$version daxsim " << DAXSIM_VERSION << " $end\n$timescale 1ns $end\n$scope module daxsim $end\n";
    std::string scope;
    std::size_t next_id = 0;
    for (const auto& [name, sig] : signals_) {
        const auto dot = name.find('.');
        const std::string module = dot == std::string::npos ? std::string("top") : name.substr(0, dot);
        const std::string leaf = dot == std::string::npos ? name : name.substr(dot + 1);
        if (module != scope) {
            if (!scope.empty()) out << "$upscope $end\n";
            out << "$scope module " << module << " $end\n";
            scope = module;
        }
        ids[sig.index] = identifier(next_id++);
        by_index[sig.index] = &sig;
        out << "$var " << (sig.width == 1 ? "wire" : "reg") << ' ' << sig.width << ' ' << ids[sig.index] << ' '
            << leaf;
        if (sig.width > 1) out << " [" << sig.width - 1 << ":0]";
        out << " $end\n";
    }
    if (!scope.empty()) out << "$upscope $end\n";
    out << "$upscope $end\n$enddefinitions $end\n";

    auto emit = [&](std::size_t s, std::int64_t v) {
        if (by_index[s]->width == 1)
            out << (v != 0 ? '1' : '0') << ids[s] << '\n';
        else // a level never goes below zero; a value is the raw bits
            out << 'b'
                << binary(by_index[s]->kind == Kind::level ? static_cast<std::uint64_t>(std::max<std::int64_t>(v, 0))
                                                           : static_cast<std::uint64_t>(v))
                << ' ' << ids[s] << '\n';
    };
    out << "#0\n$dumpvars\n";
    for (std::size_t s = 0; s < names_.size(); ++s)
        emit(s, 0);
    out << "$end\n";

    std::vector<Change> sorted = changes_;
    std::sort(sorted.begin(), sorted.end(), [](const Change& a, const Change& b) {
        return a.at_ns != b.at_ns ? a.at_ns < b.at_ns : a.seq < b.seq;
    });
    std::vector<std::int64_t> shown(names_.size(), 0);
    std::vector<std::int64_t> now(names_.size(), 0);
    std::vector<char> rose(names_.size(), 0); // a pulse rose at the current timestamp
    std::vector<std::size_t> touched;
    for (std::size_t i = 0; i < sorted.size();) {
        const std::uint64_t t = sorted[i].at_ns;
        touched.clear();
        for (; i < sorted.size() && sorted[i].at_ns == t; ++i) {
            const Change& c = sorted[i];
            const Signal& sig = *by_index[c.signal];
            if (sig.kind == Kind::level) {
                now[c.signal] += c.amount;
            } else if (sig.kind == Kind::pulse) {
                // A pulse that starts where another ends keeps the wire high, whatever the report order.
                if (c.amount != 0) rose[c.signal] = 1;
                now[c.signal] = rose[c.signal] != 0 ? 1 : 0;
            } else {
                now[c.signal] = c.amount;
            }
            touched.push_back(c.signal);
        }
        std::sort(touched.begin(), touched.end());
        touched.erase(std::unique(touched.begin(), touched.end()), touched.end());
        bool stamped = false;
        for (const std::size_t s : touched) {
            rose[s] = 0;
            if (now[s] == shown[s]) continue;
            if (!stamped) {
                out << '#' << t << '\n';
                stamped = true;
            }
            emit(s, now[s]);
            shown[s] = now[s];
        }
    }
}

} // namespace daxsim::scenarios
