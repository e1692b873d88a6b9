#include "scenarios/help.h"

#include <cstdio>

#include <fmt/format.h>

#include "scenarios/cli.h"
#include "scenarios/command_help_texts.h"
#include "scenarios/commands.h"

namespace daxsim::scenarios {
namespace {

// What a value of each kind looks like, for options and arguments that have no meaning text of their own.
std::string_view kind_text(ArgKind k) {
    switch (k) {
    case ArgKind::word:
        return "a word";
    case ArgKind::path:
        return "an absolute path";
    case ArgKind::device:
        return "a device node (/dev/pmem0, /dev/mapper/NAME, /dev/dax0.0)";
    case ArgKind::size:
        return "a size or offset (4096, 0x1000, 4k, 2MiB)";
    case ArgKind::number:
        return "an unsigned number (decimal or 0x hex)";
    case ArgKind::byte:
        return "a byte (0x00..0xff)";
    case ArgKind::duration:
        return "a duration (ns, us, ms, s)";
    case ArgKind::errno_name:
        return "an errno name (EIO, ENXIO, EBUSY, ...)";
    case ArgKind::regex:
        return "an ECMAScript regular expression, quoted";
    case ArgKind::task:
        return "a task name (created on first use)";
    case ArgKind::choice:
        return "one of the listed words";
    case ArgKind::namespace_dev:
        return "a namespace (namespace0.0)";
    case ArgKind::dimm:
        return "a DIMM (nmem0)";
    case ArgKind::region:
        return "a region (region0 or 0)";
    case ArgKind::mkfs_meta:
        return "reflink=0|1,rmapbt=0|1";
    case ArgKind::mkfs_data:
        return "agcount=N";
    case ArgKind::mkfs_block:
        return "size=N";
    case ArgKind::mount_options:
        return "dax, dax=always, dax=never, ro (comma-separated)";
    case ArgKind::sysctl_assign:
        return "vm.memory_failure_early_kill=0|1";
    case ArgKind::dm_table:
        return "\"START LEN linear DEV OFF\" or \"START LEN striped N CHUNK DEV OFF ...\"";
    case ArgKind::xfs_io_command:
        return "an xfs_io command string";
    case ArgKind::metric_value:
        return "a number with an optional unit (61440, 2MiB, 10us)";
    }
    return "a value";
}

std::string choices_text(const std::vector<std::string_view>& choices) {
    return choices.empty() ? std::string{} : fmt::format(" [{}]", fmt::join(choices, "|"));
}

bool is_xfs_io_subcommand(const CommandSpec& spec) {
    for (const auto& s : xfs_io_command_specs())
        if (&s == &spec) return true;
    return false;
}

std::vector<std::string_view> all_names() {
    std::vector<std::string_view> names;
    for (const auto& s : command_specs())
        names.push_back(s.name);
    for (const auto& s : xfs_io_command_specs())
        names.push_back(s.name);
    return names;
}

} // namespace

std::string format_help_index() {
    std::string out = "Scenario steps (`daxsim help COMMAND` for the details of one):\n\ncommands:\n";
    auto line = [&out](const CommandSpec& s) {
        out +=
            fmt::format("  {:<24} {}{}\n", s.name, s.summary, s.implemented ? "" : " (not implemented yet)");
    };
    for (const auto& s : command_specs())
        if (!s.name.starts_with("expect ")) line(s);
    out += "\nxfs_io -c subcommands:\n";
    for (const auto& s : xfs_io_command_specs())
        line(s);
    out += "\nexpectations (a failed one makes the run exit 1; the run goes on):\n";
    for (const auto& s : command_specs())
        if (s.name.starts_with("expect ")) line(s);
    out += "\nA step may start with @TASK to run in a named task; see docs/scenario-language.md.\n";
    return out;
}

Result<std::string> format_command_help(std::string_view name) {
    const CommandSpec* spec = find_command_spec(name);
    if (!spec) {
        std::string hint = did_you_mean(name, all_names());
        if (hint.empty()) hint = "`daxsim help` lists every command";
        return Diagnostic{{}, fmt::format("unknown command '{}'", name), hint};
    }
    const bool sub = is_xfs_io_subcommand(*spec);
    std::string out =
        fmt::format("usage: {}{}{}\n\n{}{}\n", sub ? "xfs_io -c \"" : "", spec->usage, sub ? "\" FILE" : "",
                    sub ? "(inside xfs_io -c \"...\") " : "", spec->summary);
    if (!spec->implemented) out += "not implemented in this build: the step fails with ENOSYS\n";
    if (!spec->args.empty()) {
        out += "\narguments:\n";
        for (const auto& a : spec->args)
            out += fmt::format("  {:<20} {}{}{}\n", a.name, kind_text(a.kind), choices_text(a.choices),
                               a.optional ? " (optional)" : "");
    }
    if (!spec->keyvals.empty()) {
        out += "\nKEY=VALUE words:\n";
        for (const auto& k : spec->keyvals)
            out += fmt::format("  {}=N\n", k);
    }
    if (!spec->options.empty()) {
        out += "\noptions:\n";
        for (const auto& o : spec->options) {
            std::string names(o.name);
            if (!o.alias.empty()) names += fmt::format(", {}", o.alias);
            if (o.takes_value) names += " VALUE";
            std::string meaning(option_meaning(spec->name, o.name));
            if (o.takes_value) {
                const std::string value = fmt::format("{}{}", kind_text(o.kind), choices_text(o.choices));
                meaning = meaning.empty() ? value : fmt::format("{}; {}", meaning, value);
            } else if (meaning.empty()) {
                meaning = "flag";
            }
            if (o.repeatable) meaning += " (repeatable)";
            out += fmt::format("  {:<20} {}\n", names, meaning);
        }
    }
    if (const auto example = command_example(spec->name); !example.empty())
        out += fmt::format("\nexample:\n  - {}\n", example);
    return out;
}

int help_command(const std::vector<std::string>& words) {
    if (words.empty()) {
        fmt::print("{}", format_help_index());
        return kExitPass;
    }
    std::string name = fmt::format("{}", fmt::join(words, " "));
    if (name.starts_with("xfs_io ") && find_command_spec(name.substr(7))) name = name.substr(7);
    auto text = format_command_help(name);
    if (!text) {
        fmt::print(stderr, "{}\n", text.error().format());
        return kExitInvalid;
    }
    fmt::print("{}", text.value());
    return kExitPass;
}

} // namespace daxsim::scenarios
