#include "scenarios/params.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>

#include <fmt/format.h>

#include "scenarios/units.h"

namespace daxsim::scenarios {
namespace {

using Platform = platform::PlatformConfig;

std::string format_size(std::uint64_t v) {
    constexpr std::array<std::pair<std::uint64_t, std::string_view>, 4> units{
        {{1ull << 40, "TiB"}, {1ull << 30, "GiB"}, {1ull << 20, "MiB"}, {1ull << 10, "KiB"}}};
    for (const auto& [factor, name] : units)
        if (v != 0 && v % factor == 0) return fmt::format("{}{}", v / factor, name);
    return fmt::format("{}B", v);
}

template <class Field> ParamSpec size_param(std::string_view key, std::string_view meaning, Field field) {
    return ParamSpec{key, "B", meaning,
                     [field](MachineConfig& c, std::string_view v) -> std::string {
                         auto r = parse_size(v);
                         if (!r) return r.error().message;
                         field(c) = r.value();
                         return {};
                     },
                     [field](const MachineConfig& c) { return format_size(field(c)); }};
}

template <class Field> ParamSpec address_param(std::string_view key, std::string_view meaning, Field field) {
    ParamSpec p = size_param(key, meaning, field);
    p.get = [field](const MachineConfig& c) { return fmt::format("{:#x}", field(c)); };
    return p;
}

template <class Field> ParamSpec duration_param(std::string_view key, std::string_view meaning, Field field) {
    return ParamSpec{key, "ns", meaning,
                     [field](MachineConfig& c, std::string_view v) -> std::string {
                         auto r = parse_duration_ns(v);
                         if (!r) return r.error().message;
                         field(c) = r.value();
                         return {};
                     },
                     [field](const MachineConfig& c) { return fmt::format("{}ns", field(c)); }};
}

template <class Field> ParamSpec count_param(std::string_view key, std::string_view meaning, Field field) {
    return ParamSpec{key, "count", meaning,
                     [field](MachineConfig& c, std::string_view v) -> std::string {
                         auto r = parse_uint(v);
                         if (!r) return r.error().message;
                         if (r.value() > 0xffff'ffffu) return fmt::format("'{}' is too large", v);
                         field(c) = static_cast<unsigned>(r.value());
                         return {};
                     },
                     [field](const MachineConfig& c) { return fmt::format("{}", field(c)); }};
}

template <class Field> ParamSpec bool_param(std::string_view key, std::string_view meaning, Field field) {
    return ParamSpec{key, "0|1", meaning,
                     [field](MachineConfig& c, std::string_view v) -> std::string {
                         if (v == "1" || v == "true")
                             field(c) = true;
                         else if (v == "0" || v == "false")
                             field(c) = false;
                         else
                             return fmt::format("'{}' is not 0 or 1", v);
                         return {};
                     },
                     [field](const MachineConfig& c) { return field(c) ? "1" : "0"; }};
}

// A plain unsigned integer in the unit the key names ("mW", "pJ/B").
template <class Field>
ParamSpec uint_param(std::string_view key, std::string_view unit, std::string_view meaning, Field field) {
    return ParamSpec{key, unit, meaning,
                     [field](MachineConfig& c, std::string_view v) -> std::string {
                         auto r = parse_uint(v);
                         if (!r) return r.error().message;
                         field(c) = r.value();
                         return {};
                     },
                     [field](const MachineConfig& c) { return fmt::format("{}", field(c)); }};
}

// A decimal number ("35", "3.5", "-10") in the unit the key names ("C", "C/W").
template <class Field>
ParamSpec real_param(std::string_view key, std::string_view unit, std::string_view meaning, Field field) {
    return ParamSpec{key, unit, meaning,
                     [field](MachineConfig& c, std::string_view v) -> std::string {
                         double x = 0;
                         const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
                         if (ec != std::errc{} || end != v.data() + v.size() || !std::isfinite(x))
                             return fmt::format("'{}' is not a decimal number", v);
                         field(c) = x;
                         return {};
                     },
                     [field](const MachineConfig& c) { return fmt::format("{}", field(c)); }};
}

// dimm.endurance: "auto" (0, from the module size) or bytes, with the decimal units endurance is
// published in (TB, PB: 10^12, 10^15 bytes) besides the size units.
ParamSpec endurance_param() {
    constexpr std::array<std::pair<std::string_view, std::uint64_t>, 2> decimal{
        {{"PB", 1'000'000'000'000'000ull}, {"TB", 1'000'000'000'000ull}}};
    auto field = [](auto& c) -> auto& {
        return c.platform.dimm.endurance_bytes;
    };
    return ParamSpec{
        "dimm.endurance", "B",
        "media bytes each DIMM is rated to write (life used 100 %); auto: Intel's figure for the module size",
        [=](MachineConfig& c, std::string_view v) -> std::string {
            if (v == "auto") {
                field(c) = 0;
                return {};
            }
            for (const auto& [suffix, factor] : decimal)
                if (v.size() > suffix.size() && v.ends_with(suffix)) {
                    auto r = parse_uint(v.substr(0, v.size() - suffix.size()));
                    if (!r) return r.error().message;
                    if (r.value() == 0 || r.value() > UINT64_MAX / factor)
                        return fmt::format("'{}' is not between 1 and 18446 PB", v);
                    field(c) = r.value() * factor;
                    return {};
                }
            auto r = parse_size(v);
            if (!r) return r.error().message + " (or auto, or TB / PB)";
            if (r.value() == 0) return "0 bytes: write auto for the module's rated endurance";
            field(c) = r.value();
            return {};
        },
        [=](const MachineConfig& c) -> std::string {
            const std::uint64_t b = field(c);
            if (b == 0) return "auto";
            for (const auto& [suffix, factor] : decimal)
                if (b % factor == 0) return fmt::format("{}{}", b / factor, suffix);
            return format_size(b);
        }};
}

template <class Enum, class Field>
ParamSpec choice_param(std::string_view key, std::string_view meaning,
                       std::vector<std::pair<std::string_view, Enum>> choices, Field field) {
    return ParamSpec{key, "", meaning,
                     [field, choices](MachineConfig& c, std::string_view v) -> std::string {
                         std::vector<std::string_view> names;
                         for (const auto& [name, value] : choices) {
                             if (name == v) {
                                 field(c) = value;
                                 return {};
                             }
                             names.push_back(name);
                         }
                         return fmt::format("'{}' is not one of {}", v, fmt::join(names, ", "));
                     },
                     [field, choices](const MachineConfig& c) {
                         for (const auto& [name, value] : choices)
                             if (field(c) == value) return std::string(name);
                         return std::string("?");
                     }};
}

std::vector<ParamSpec> make_registry() {
    using kernel::DmNotifyFailure;
    std::vector<ParamSpec> r;
    r.push_back(count_param(
        "dimm.count", "PMEM DIMMs in the machine", [](auto& c) -> auto& { return c.platform.dimm_count; }));
    r.push_back(size_param(
        "dimm.capacity", "persistent capacity of each DIMM",
        [](auto& c) -> auto& { return c.platform.dimm.capacity_bytes; }));
    r.push_back(duration_param(
        "dimm.read_latency", "media read latency per XPLine",
        [](auto& c) -> auto& { return c.platform.dimm.read_latency_ns; }));
    r.push_back(duration_param(
        "dimm.write_latency", "media write latency per XPLine",
        [](auto& c) -> auto& { return c.platform.dimm.write_latency_ns; }));
    r.push_back(size_param(
        "dimm.line_size", "media access and poison granularity (XPLine)",
        [](auto& c) -> auto& { return c.platform.dimm.line_bytes; }));
    r.push_back(size_param(
        "dimm.label_size", "label storage area of each DIMM (namespace labels)",
        [](auto& c) -> auto& { return c.platform.dimm.label_bytes; }));
    r.push_back(size_param(
        "dimm.buffer", "XPBuffer: XPLines in the DIMM that combine reads and writes (0: none)",
        [](auto& c) -> auto& { return c.platform.dimm.buffer_bytes; }));
    r.push_back(duration_param(
        "dimm.buffer_hit_latency", "read or write served by the XPBuffer",
        [](auto& c) -> auto& { return c.platform.dimm.buffer_hit_ns; }));
    r.push_back([] {
        ParamSpec p = size_param(
            "dimm.read_bandwidth", "media read bandwidth of each DIMM, bytes per second (0: no limit)",
            [](auto& c) -> auto& { return c.platform.dimm.read_bandwidth_bytes_per_s; });
        p.unit = "B/s";
        return p;
    }());
    r.push_back([] {
        ParamSpec p = size_param(
            "dimm.write_bandwidth", "media write bandwidth of each DIMM, bytes per second (0: no limit)",
            [](auto& c) -> auto& { return c.platform.dimm.write_bandwidth_bytes_per_s; });
        p.unit = "B/s";
        return p;
    }());
    r.push_back(count_param(
        "dimm.media_partitions",
        "parts of each DIMM's media working on XPLines in parallel (XPLine n in partition n mod count)",
        [](auto& c) -> auto& { return c.platform.dimm.media_partitions; }));
    r.push_back(endurance_param());
    r.push_back(size_param(
        "dimm.spare_capacity", "spare media each DIMM remaps retired (cleared poisoned) XPLines into",
        [](auto& c) -> auto& { return c.platform.dimm.spare_bytes; }));
    r.push_back(real_param(
        "dimm.ambient_temperature", "C", "air temperature at the DIMMs (thermal model)",
        [](auto& c) -> auto& { return c.platform.dimm.ambient_celsius; }));
    r.push_back(uint_param(
        "dimm.idle_power", "mW", "power of each DIMM with no media traffic (thermal model)",
        [](auto& c) -> auto& { return c.platform.dimm.idle_power_mw; }));
    r.push_back(uint_param(
        "dimm.read_energy", "pJ/B", "energy per media byte read (thermal model)",
        [](auto& c) -> auto& { return c.platform.dimm.read_energy_pj_per_byte; }));
    r.push_back(uint_param(
        "dimm.write_energy", "pJ/B", "energy per media byte written (thermal model)",
        [](auto& c) -> auto& { return c.platform.dimm.write_energy_pj_per_byte; }));
    r.push_back(real_param(
        "dimm.media_thermal_resistance", "C/W", "media temperature rise over ambient per watt, steady state",
        [](auto& c) -> auto& { return c.platform.dimm.media_thermal_resistance_c_per_w; }));
    r.push_back(real_param(
        "dimm.controller_thermal_resistance", "C/W",
        "controller temperature rise over ambient per watt, steady state",
        [](auto& c) -> auto& { return c.platform.dimm.controller_thermal_resistance_c_per_w; }));
    r.push_back(duration_param(
        "dimm.thermal_time_constant", "time constant of the DIMM temperatures (first order)",
        [](auto& c) -> auto& { return c.platform.dimm.thermal_time_constant_ns; }));
    r.push_back(count_param(
        "interleave.ways", "DIMMs per interleave set (each set is one region)",
        [](auto& c) -> auto& { return c.platform.interleave.ways; }));
    r.push_back(size_param(
        "interleave.granularity", "bytes placed on one DIMM before moving to the next",
        [](auto& c) -> auto& { return c.platform.interleave.granularity_bytes; }));
    r.push_back(choice_param<platform::Persistence>(
        "persistence", "persistence domain: adr (WPQ) or eadr (caches too)",
        {{"adr", platform::Persistence::adr}, {"eadr", platform::Persistence::eadr}},
        [](auto& c) -> auto& { return c.platform.persistence; }));
    r.push_back(choice_param<platform::Timing>(
        "timing",
        "lt: loosely timed, cores decoupled by sim.quantum; at: every access in simulated-time order",
        {{"lt", platform::Timing::lt}, {"at", platform::Timing::at}},
        [](auto& c) -> auto& { return c.platform.timing; }));
    r.push_back(count_param(
        "cpu.count", "CPU cores", [](auto& c) -> auto& { return c.platform.cpu.count; }));
    r.push_back(size_param(
        "cpu.cache_size", "shared last-level cache",
        [](auto& c) -> auto& { return c.platform.cpu.cache_bytes; }));
    r.push_back(count_param(
        "cpu.cache_ways", "cache associativity", [](auto& c) -> auto& { return c.platform.cpu.cache_ways; }));
    r.push_back(duration_param(
        "cpu.cache_hit_latency", "cache hit latency",
        [](auto& c) -> auto& { return c.platform.cpu.cache_hit_ns; }));
    r.push_back(count_param(
        "cpu.fill_buffers", "posted operations (nt stores, clwb, independent loads) in flight per core",
        [](auto& c) -> auto& { return c.platform.cpu.fill_buffers; }));
    r.push_back(duration_param(
        "mc.frontend_latency", "memory controller decode and idle queueing",
        [](auto& c) -> auto& { return c.platform.mc.frontend_ns; }));
    r.push_back([] {
        ParamSpec p = size_param(
            "mc.scrub_rate", "patrol-scrub rate of the memory controller, bytes per second",
            [](auto& c) -> auto& { return c.platform.mc.scrub_rate_bytes_per_s; });
        p.unit = "B/s";
        return p;
    }());
    r.push_back(count_param(
        "mc.wpq_depth",
        "write pending queue entries per DIMM, held until the DIMM takes the write (0: unbounded)",
        [](auto& c) -> auto& { return c.platform.mc.wpq_depth; }));
    r.push_back(count_param(
        "mc.rpq_depth", "read pending queue entries per DIMM, held until the data returns (0: unbounded)",
        [](auto& c) -> auto& { return c.platform.mc.rpq_depth; }));
    r.push_back(duration_param(
        "sim.quantum", "temporal decoupling: a core syncs with SystemC at least this often",
        [](auto& c) -> auto& { return c.platform.quantum_ns; }));
    r.push_back(address_param(
        "platform.pmem_base", "SPA of the first persistent-memory range (1 GiB aligned)",
        [](auto& c) -> auto& { return c.platform.pmem_spa_base; }));
    r.push_back(choice_param<DmNotifyFailure>(
        "dm.notify_failure",
        "device-mapper failure notification: forward (fsdax-rmap series) or upstream (fallback)",
        {{"forward", DmNotifyFailure::forward}, {"upstream", DmNotifyFailure::upstream}},
        [](auto& c) -> auto& { return c.kernel.dm_notify_failure; }));
    r.push_back(bool_param(
        "vm.memory_failure_early_kill", "1: signal every mapping task at once (BUS_MCEERR_AO)",
        [](auto& c) -> auto& { return c.kernel.memory_failure_early_kill; }));
    r.push_back(bool_param(
        "vm.memory_failure_recovery", "0: panic on memory failure instead of recovering",
        [](auto& c) -> auto& { return c.kernel.memory_failure_recovery; }));
    r.push_back(bool_param(
        "fsdax.cow_copy_all",
        "1: a CoW write covering whole pages also copies the old data under it (v6.8 copy_all)",
        [](auto& c) -> auto& { return c.kernel.dax_cow_copy_all; }));
    r.push_back(duration_param(
        "cost.syscall", "kernel CPU cost: syscall entry and exit",
        [](auto& c) -> auto& { return c.kernel.cost.syscall_ns; }));
    r.push_back(duration_param(
        "cost.page_fault", "kernel CPU cost: page fault entry, VMA lookup, PTE install",
        [](auto& c) -> auto& { return c.kernel.cost.page_fault_ns; }));
    r.push_back(duration_param(
        "cost.mce_entry", "kernel CPU cost: #MC entry, MC bank reads, severity grading",
        [](auto& c) -> auto& { return c.kernel.cost.mce_entry_ns; }));
    r.push_back(duration_param(
        "cost.memory_failure", "kernel CPU cost: memory_failure page lookup and flags",
        [](auto& c) -> auto& { return c.kernel.cost.memory_failure_ns; }));
    r.push_back(duration_param(
        "cost.pgmap", "kernel CPU cost: dev_pagemap lookup and driver hook",
        [](auto& c) -> auto& { return c.kernel.cost.pgmap_ns; }));
    r.push_back(duration_param(
        "cost.holder", "kernel CPU cost: one dax holder hop (notify_failure)",
        [](auto& c) -> auto& { return c.kernel.cost.holder_ns; }));
    r.push_back(duration_param(
        "cost.btree_level", "kernel CPU cost: one btree block visited",
        [](auto& c) -> auto& { return c.kernel.cost.btree_level_ns; }));
    r.push_back(duration_param(
        "cost.btree_record", "kernel CPU cost: one btree record examined",
        [](auto& c) -> auto& { return c.kernel.cost.btree_record_ns; }));
    r.push_back(duration_param(
        "cost.vma_walk", "kernel CPU cost: one VMA examined in i_mmap",
        [](auto& c) -> auto& { return c.kernel.cost.vma_walk_ns; }));
    r.push_back(duration_param(
        "cost.kill_proc", "kernel CPU cost: building and queueing one signal",
        [](auto& c) -> auto& { return c.kernel.cost.kill_proc_ns; }));
    r.push_back(duration_param(
        "cost.alloc", "kernel CPU cost: one extent allocation",
        [](auto& c) -> auto& { return c.kernel.cost.alloc_ns; }));
    return r;
}

std::vector<std::string_view> all_keys() {
    std::vector<std::string_view> keys;
    for (const auto& p : param_registry())
        keys.push_back(p.key);
    return keys;
}

struct Applied {
    std::string key;
    SourceLocation at;    // file entry; empty file for --set
    std::string cli_text; // "--set K=V" when from the command line
};

Diagnostic located(const Applied& a, std::string message, std::string hint = {}) {
    if (!a.cli_text.empty())
        return Diagnostic{{}, fmt::format("{}: {}", a.cli_text, message), std::move(hint)};
    return Diagnostic{a.at, std::move(message), std::move(hint)};
}

} // namespace

std::span<const ParamSpec> param_registry() {
    static const std::vector<ParamSpec> registry = make_registry(); // immutable after first use
    return registry;
}

const ParamSpec* find_param(std::string_view key) {
    for (const auto& p : param_registry())
        if (p.key == key) return &p;
    return nullptr;
}

Result<MachineConfig> build_config(std::span<const PlatformEntry> file_entries,
                                   std::span<const std::string> cli_sets) {
    MachineConfig config;
    std::vector<Applied> applied;
    const auto keys = all_keys();
    auto apply = [&](const std::string& key, const std::string& value, const Applied& where,
                     const SourceLocation& value_at) -> std::optional<Diagnostic> {
        const ParamSpec* p = find_param(key);
        if (!p) {
            std::string hint = did_you_mean(key, keys);
            if (hint.empty()) hint = "`daxsim params` lists every key";
            return located(where, fmt::format("unknown parameter '{}'", key), hint);
        }
        if (const std::string err = p->set(config, value); !err.empty()) {
            Applied at_value = where;
            if (at_value.cli_text.empty()) at_value.at = value_at;
            return located(at_value, fmt::format("bad value '{}' for {}: {}", value, key, err),
                           p->unit.empty() ? std::string{} : fmt::format("{} is in {}", key, p->unit));
        }
        applied.push_back(where);
        return std::nullopt;
    };
    for (const auto& e : file_entries)
        if (auto d = apply(e.key, e.value, Applied{e.key, e.key_at, {}}, e.value_at)) return *d;
    for (const auto& s : cli_sets) {
        const std::size_t eq = s.find('=');
        if (eq == std::string::npos || eq == 0)
            return Diagnostic{{}, fmt::format("--set {}: expected KEY=VALUE", s), {}};
        if (auto d = apply(s.substr(0, eq), s.substr(eq + 1), Applied{s.substr(0, eq), {}, "--set " + s}, {}))
            return *d;
    }
    if (const auto problem = config.platform.validate()) {
        const std::string key = problem->substr(0, problem->find(':'));
        // Report against the last place that set the named key (the --set wins), else the first
        // setting the message mentions, else without location: the defaults clash with nothing set.
        const Applied* where = nullptr;
        for (const auto& a : applied)
            if (a.key == key) where = &a;
        if (!where)
            for (const auto& a : applied)
                if (problem->find(a.key) != std::string::npos) where = &a;
        const std::string msg = fmt::format("impossible machine: {}", *problem);
        if (where) return located(*where, msg);
        return Diagnostic{{}, msg, {}};
    }
    return config;
}

std::map<std::string, std::string> effective_params(const MachineConfig& config) {
    std::map<std::string, std::string> out;
    for (const auto& p : param_registry())
        out[std::string(p.key)] = p.get(config);
    return out;
}

std::string format_params_table() {
    const MachineConfig defaults;
    std::size_t key_width = 3;
    std::size_t default_width = 7;
    for (const auto& p : param_registry()) {
        key_width = std::max(key_width, p.key.size());
        default_width = std::max(default_width, p.get(defaults).size());
    }
    std::string out = fmt::format("{:<{}} {:<{}} {:<6} {}\n", "KEY", key_width, "DEFAULT", default_width,
                                  "UNIT", "MEANING");
    for (const auto& p : param_registry())
        out += fmt::format("{:<{}} {:<{}} {:<6} {}\n", p.key, key_width, p.get(defaults), default_width,
                           p.unit.empty() ? "-" : p.unit, p.meaning);
    return out;
}

} // namespace daxsim::scenarios
