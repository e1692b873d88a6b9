// ndctl as a scenario runs it: create-namespace, destroy-namespace, list (namespaces, regions, DIMMs and
// their health), inject-error, clear-errors, start-scrub, wait-scrub, inject-smart. Output is the JSON
// ndctl prints (json-c's layout), failures the errno ndctl would exit with.
// mm_types.h comes first: glibc's <signal.h> (pulled in by C library headers) would rename siginfo's
// fields.
#include "guest_api/mm/mm_types.h"

#include <cerrno>
#include <charconv>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "guest_api/admin.h"
#include "guest_api/drivers/nvdimm/ndctl_smart.h"
#include "guest_api/kernel/kernel.h"
#include "scenarios/session.h"
#include "scenarios/units.h"

namespace daxsim::scenarios {
namespace {

namespace k = daxsim::kernel;
using Json = nlohmann::ordered_json;

// json-c's pretty printer as ndctl uses it: two-space indent, no space after ':'.
void print_json(const Json& j, std::string& out, int indent) {
    const std::string pad(static_cast<std::size_t>(indent + 2), ' ');
    if (j.is_object() || j.is_array()) {
        const bool obj = j.is_object();
        out += obj ? "{\n" : "[\n";
        std::size_t i = 0;
        for (auto it = j.begin(); it != j.end(); ++it, ++i) {
            out += pad;
            if (obj) out += Json(it.key()).dump() + ":";
            print_json(*it, out, indent + 2);
            out += i + 1 < j.size() ? ",\n" : "\n";
        }
        out += std::string(static_cast<std::size_t>(indent), ' ') + (obj ? "}" : "]");
        return;
    }
    out += j.dump();
}

void print_json_lines(StepExec& ex, const Json& j) {
    std::string text;
    print_json(j, text, 0);
    std::size_t start = 0;
    while (start <= text.size()) {
        const std::size_t nl = text.find('\n', start);
        ex.print(text.substr(start, nl == std::string::npos ? std::string::npos : nl - start));
        if (nl == std::string::npos) break;
        start = nl + 1;
    }
}

// ndctl's human-readable size: "126.00 GiB (135.29 GB)".
std::string human_size(std::uint64_t bytes) {
    const double b = static_cast<double>(bytes);
    if (bytes >= (1ull << 40)) return fmt::format("{:.2f} TiB ({:.2f} TB)", b / 1099511627776.0, b / 1e12);
    if (bytes >= (1ull << 30)) return fmt::format("{:.2f} GiB ({:.2f} GB)", b / 1073741824.0, b / 1e9);
    if (bytes >= (1ull << 20)) return fmt::format("{:.2f} MiB ({:.2f} MB)", b / 1048576.0, b / 1e6);
    return fmt::format("{}", bytes);
}

Json namespace_json(k::Kernel& kern, const k::NamespaceInfo& ns, bool human, bool media_errors) {
    Json j;
    j["dev"] = ns.dev;
    j["mode"] = ns.mode;
    if (ns.mode == "fsdax") j["map"] = ns.map;
    if (human)
        j["size"] = human_size(ns.size);
    else
        j["size"] = ns.size;
    j["uuid"] = ns.uuid;
    if (ns.mode == "fsdax") j["sector_size"] = 512;
    j["align"] = ns.align;
    if (!ns.blockdev.empty()) j["blockdev"] = ns.blockdev;
    if (!ns.chardev.empty()) j["chardev"] = ns.chardev;
    if (media_errors) {
        const auto bad = k::ndctl_badblocks(kern, ns.dev);
        std::uint64_t count = 0;
        Json list = Json::array();
        for (const auto& b : bad) {
            count += b.length;
            list.push_back({{"offset", b.offset}, {"length", b.length}});
        }
        j["badblock_count"] = count;
        if (!bad.empty()) j["badblocks"] = list;
    }
    return j;
}

// ndctl prints a lone object when one entry matches, an array otherwise.
Json one_or_array(Json array) {
    return array.size() == 1 ? array[0] : array;
}

// ndctl's "health" object of a DIMM (util/json-smart.c util_dimm_health_to_json): the SMART fields the
// firmware marks valid, then the thresholds (smart_threshold_to_json), in ndctl's key order.
Json dimm_health_json(k::Kernel& kern, const std::string& dimm) {
    namespace sm = platform::smart;
    Json j;
    platform::SmartHealth h;
    if (k::ndctl_dimm_smart(kern, dimm, &h) < 0) {
        j["health_state"] = "unknown";
        return j;
    }
    if (h.flags & sm::health_valid)
        j["health_state"] = (h.health & sm::fatal_health)          ? "fatal"
                            : (h.health & sm::critical_health)     ? "critical"
                            : (h.health & sm::non_critical_health) ? "non-critical"
                                                                   : "ok";
    if (h.flags & sm::mtemp_valid) j["temperature_celsius"] = sm::decode_temperature(h.media_temperature);
    if (h.flags & sm::ctemp_valid)
        j["controller_temperature_celsius"] = sm::decode_temperature(h.ctrl_temperature);
    if (h.flags & sm::spares_valid) j["spares_percentage"] = h.spares;
    if (h.flags & sm::alarm_valid) {
        j["alarm_temperature"] = (h.alarm_flags & sm::temp_trip) != 0;
        j["alarm_controller_temperature"] = (h.alarm_flags & sm::ctemp_trip) != 0;
        j["alarm_spares"] = (h.alarm_flags & sm::spare_trip) != 0;
    }
    platform::SmartThreshold t;
    if (k::ndctl_dimm_smart_threshold(kern, dimm, &t) == 0) {
        const bool media = t.alarm_control & sm::temp_trip, ctrl = t.alarm_control & sm::ctemp_trip;
        const bool spares = t.alarm_control & sm::spare_trip;
        j["alarm_enabled_media_temperature"] = media;
        if (media) j["temperature_threshold"] = sm::decode_temperature(t.media_temperature);
        j["alarm_enabled_ctrl_temperature"] = ctrl;
        if (ctrl) j["controller_temperature_threshold"] = sm::decode_temperature(t.ctrl_temperature);
        j["alarm_enabled_spares"] = spares;
        if (spares) j["spares_threshold"] = t.spares;
    }
    if (h.flags & sm::used_valid) j["life_used_percentage"] = h.life_used;
    if (h.flags & sm::shutdown_valid) j["shutdown_state"] = h.shutdown_state != 0 ? "dirty" : "clean";
    if (h.flags & sm::shutdown_count_valid) j["shutdown_count"] = h.shutdown_count;
    return j;
}

Json dimm_json(k::Kernel& kern, const k::DimmInfo& d, bool health) {
    Json j{{"dev", d.dev}, {"handle", d.handle}, {"serial", d.serial}};
    if (health) j["health"] = dimm_health_json(kern, d.dev);
    return j;
}

// ndctl inject-smart (ndctl/inject-smart.c): thresholds and alarm switches first (read, modify, Set SMART
// Thresholds), then one Inject SMART per kind, then the DIMM with its health as a JSON array.
void ndctl_inject_smart(k::Kernel& kern, const ParsedCommand& c, StepExec& ex) {
    namespace sm = platform::smart;
    const std::string& dimm = c.args[0].text;
    const bool all = c.has("--uninject-all");
    // Checked before the run (command_specs.cpp): a decimal number of degrees Celsius.
    auto temperature = [&](std::string_view o) {
        const std::string& text = c.option(o)->text;
        double celsius = 0;
        (void)std::from_chars(text.data(), text.data() + text.size(), celsius);
        return sm::encode_temperature(celsius);
    };
    platform::SmartThreshold t;
    if (k::ndctl_dimm_smart_threshold(kern, dimm, &t) < 0)
        return ex.fail(ENXIO, fmt::format("{}: no such dimm", dimm));
    const bool set_thresholds = c.has("--media-temperature-threshold") ||
                                c.has("--ctrl-temperature-threshold") || c.has("--spares-threshold") ||
                                c.has("--media-temperature-alarm") || c.has("--ctrl-temperature-alarm") ||
                                c.has("--spares-alarm");
    if (set_thresholds) {
        if (c.has("--media-temperature-threshold"))
            t.media_temperature = temperature("--media-temperature-threshold");
        if (c.has("--ctrl-temperature-threshold"))
            t.ctrl_temperature = temperature("--ctrl-temperature-threshold");
        if (c.has("--spares-threshold"))
            t.spares = static_cast<std::uint8_t>(c.option("--spares-threshold")->number);
        auto alarm = [&](std::string_view o, std::uint8_t bit) {
            if (const Value* v = c.option(o)) {
                if (v->text == "on")
                    t.alarm_control |= bit;
                else
                    t.alarm_control &= static_cast<std::uint16_t>(~bit);
            }
        };
        alarm("--media-temperature-alarm", sm::temp_trip);
        alarm("--ctrl-temperature-alarm", sm::ctemp_trip);
        alarm("--spares-alarm", sm::spare_trip);
        if (const int r = k::ndctl_dimm_smart_set_threshold(kern, dimm, t); r < 0)
            return ex.fail(-r, fmt::format("{}: smart set threshold command failed: {} ({})", dimm,
                                           strerror_text(-r), r));
    }
    auto inject = [&](const char* what, platform::SmartInject inj) {
        const int r = k::ndctl_dimm_smart_inject(kern, dimm, inj);
        if (r < 0)
            ex.fail(-r, fmt::format("{}: smart inject {} command failed: {} ({})", dimm, what,
                                    strerror_text(-r), r));
        return r == 0;
    };
    platform::SmartInject inj;
    if (c.has("--media-temperature") || all || c.has("--media-temperature-uninject")) {
        inj = {};
        inj.flags = sm::inject_mtemp;
        inj.mtemp_enable = c.has("--media-temperature");
        if (inj.mtemp_enable) inj.media_temperature = temperature("--media-temperature");
        if (!inject("media_temperature", inj)) return;
    }
    if (c.has("--ctrl-temperature") || all || c.has("--ctrl-temperature-uninject")) {
        inj = {};
        inj.flags = sm::inject_ctemp;
        inj.ctemp_enable = c.has("--ctrl-temperature");
        if (inj.ctemp_enable) inj.ctrl_temperature = temperature("--ctrl-temperature");
        if (!inject("ctrl_temperature", inj)) return;
    }
    if (c.has("--spares") || all || c.has("--spares-uninject")) {
        inj = {};
        inj.flags = sm::inject_spare;
        inj.spare_enable = c.has("--spares");
        if (inj.spare_enable) inj.spares = static_cast<std::uint8_t>(c.option("--spares")->number);
        if (!inject("spares", inj)) return;
    }
    if (c.has("--fatal") || all || c.has("--fatal-uninject")) {
        inj = {};
        inj.flags = sm::inject_fatal;
        inj.fatal_enable = c.has("--fatal");
        if (!inject("fatal", inj)) return;
    }
    if (c.has("--unsafe-shutdown") || all || c.has("--unsafe-shutdown-uninject")) {
        inj = {};
        inj.flags = sm::inject_shutdown;
        inj.unsafe_shutdown_enable = c.has("--unsafe-shutdown");
        if (!inject("unsafe_shutdown", inj)) return;
    }
    for (const k::DimmInfo& d : k::ndctl_list_dimms(kern))
        if (d.dev == dimm) {
            const Json j = dimm_json(kern, d, true);
            // util_display_json_array: an array, or the lone object with --human.
            return print_json_lines(ex, c.has("--human") ? j : Json::array({j}));
        }
}

} // namespace

void ndctl(Session& s, const ParsedCommand& c, StepExec& ex) {
    auto& kern = s.kernel();
    const std::string_view n = c.name();
    if (n == "ndctl create-namespace") {
        k::NamespaceSpec spec;
        if (const Value* v = c.option("--mode")) spec.mode = v->text;
        if (const Value* v = c.option("--region")) spec.region = v->text;
        if (const Value* v = c.option("--size")) spec.size = v->number;
        if (const Value* v = c.option("--map")) spec.map = v->text;
        if (const Value* v = c.option("--align")) spec.align = v->number;
        // ndctl validates the size against the region before asking the kernel, and says why
        // (ndctl/namespace.c validate_namespace_options).
        if (spec.size) {
            for (const k::RegionInfo& region : k::ndctl_list_regions(kern)) {
                if (spec.region && *spec.region != region.dev) continue;
                if (region.align != 0 && *spec.size % region.align != 0) {
                    ex.print(fmt::format("Error: {}: align setting is {:#x} size {:#x} is misaligned", region.dev,
                                         region.align, *spec.size));
                    return ex.fail(EINVAL, "failed to create namespace: Invalid argument");
                }
                if (*spec.size < (16ull << 20)) {
                    ex.print(fmt::format("Error: '--size=' must be >= 16MiB for '{}' mode", spec.mode));
                    return ex.fail(EINVAL, "failed to create namespace: Invalid argument");
                }
                break;
            }
        }
        k::NamespaceInfo info;
        const int r = k::ndctl_create_namespace(kern, spec, &info);
        if (r < 0) return ex.fail(-r, fmt::format("failed to create namespace: {}", strerror_text(-r)));
        return print_json_lines(ex, namespace_json(kern, info, true, false));
    }
    if (n == "ndctl destroy-namespace") {
        const int r = k::ndctl_destroy_namespace(kern, c.args[0].text);
        if (r < 0) {
            ex.fail(-r, fmt::format("{}: destroy failed: {}", c.args[0].text, strerror_text(-r)));
            return ex.print("destroyed 0 namespaces");
        }
        return ex.print("destroyed 1 namespace");
    }
    if (n == "ndctl list") {
        const bool human = c.has("--human");
        const bool want_dimms = c.has("--dimms"), want_regions = c.has("--regions");
        const bool want_ns = c.has("--namespaces") || (!want_dimms && !want_regions);
        Json dimms = Json::array(), regions = Json::array(), namespaces = Json::array();
        if (want_dimms) {
            const Value* only = c.option("--dimm");
            for (const auto& d : k::ndctl_list_dimms(kern))
                if (!only || only->text == d.dev) dimms.push_back(dimm_json(kern, d, c.has("--health")));
        }
        if (want_regions)
            for (const auto& r : k::ndctl_list_regions(kern)) {
                Json j{{"dev", r.dev}};
                if (human)
                    j["size"] = human_size(r.size), j["available_size"] = human_size(r.available_size);
                else
                    j["size"] = r.size, j["available_size"] = r.available_size;
                j["type"] = "pmem";
                j["interleave_ways"] = r.interleave_ways;
                j["mappings"] = r.mappings;
                regions.push_back(std::move(j));
            }
        if (want_ns)
            for (const auto& ns : k::ndctl_list_namespaces(kern))
                namespaces.push_back(namespace_json(kern, ns, human, c.has("--media-errors")));
        const int kinds = want_dimms + want_regions + want_ns;
        if (kinds == 1)
            return print_json_lines(ex, one_or_array(want_dimms     ? dimms
                                                     : want_regions ? regions
                                                                    : namespaces));
        Json all;
        if (want_dimms) all["dimms"] = dimms;
        if (want_regions) all["regions"] = regions;
        if (want_ns) all["namespaces"] = namespaces;
        return print_json_lines(ex, all);
    }
    if (n == "ndctl inject-error") {
        const std::uint64_t block = c.option("--block")->number;
        const std::uint64_t count = c.has("--count") ? c.option("--count")->number : 1;
        if (c.has("--no-notify")) {
            // Poison the media only: the kernel learns of it when it is consumed or scrubbed.
            for (const auto& ns : k::ndctl_list_namespaces(kern))
                if (ns.dev == c.args[0].text) {
                    if (!kern.firmware().inject_error(ns.spa_start + block * 512, count * 512))
                        ex.fail(ENXIO,
                                fmt::format("{}: inject-error failed: {}", ns.dev, strerror_text(ENXIO)));
                    return;
                }
            return ex.fail(ENODEV, fmt::format("{}: no such namespace", c.args[0].text));
        }
        const int r = k::ndctl_inject_error(kern, c.args[0].text, block, count);
        if (r < 0) ex.fail(-r, fmt::format("{}: inject-error failed: {}", c.args[0].text, strerror_text(-r)));
        return;
    }
    if (n == "ndctl inject-smart") return ndctl_inject_smart(kern, c, ex);
    if (n == "ndctl clear-errors") {
        const int r = k::ndctl_clear_errors(kern, c.args[0].text);
        if (r < 0) ex.fail(-r, fmt::format("{}: clear-errors failed: {}", c.args[0].text, strerror_text(-r)));
        return;
    }
    if (n == "ndctl start-scrub") {
        const int r = k::ndctl_start_scrub(kern);
        if (r < 0) ex.fail(-r, fmt::format("start-scrub: {}", strerror_text(-r)));
        return;
    }
    if (n == "ndctl wait-scrub") return; // start-scrub runs the scrub to completion
    not_supported(ex, n);
}

} // namespace daxsim::scenarios
