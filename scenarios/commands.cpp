// Parser of one step against the command table (command_specs.cpp).
// The kernel's errno.h declares constants named like <cerrno>'s macros: it must come before any
// standard header, which may pull <cerrno> in.
#include "guest_api/kernel/errno.h"

#include "scenarios/commands.h"

#include <algorithm>
#include <regex>

#include <re2/re2.h>
#include <set>

#include <fmt/format.h>

#include "scenarios/tokenizer.h"
#include "scenarios/units.h"

namespace daxsim::scenarios {

const Value* ParsedCommand::option(std::string_view name) const {
    const auto it = options.find(std::string(name));
    return it == options.end() || it->second.empty() ? nullptr : &it->second.back();
}

const Value* ParsedCommand::keyval(std::string_view key) const {
    const auto it = keyvals.find(std::string(key));
    return it == keyvals.end() ? nullptr : &it->second;
}

namespace {

constexpr std::array<std::string_view, 4> kGroups{"ndctl", "dmsetup", "inject", "expect"};

struct Ctx {
    const StepSource& src;
    std::vector<Diagnostic>& errors;
    bool failed = false;

    void error(std::size_t offset, std::string message, std::string hint = {}) {
        errors.push_back(Diagnostic{src.at(offset), std::move(message), std::move(hint)});
        failed = true;
    }
};

std::vector<std::string> errno_names() {
    std::vector<std::string> names;
    for (int e = 1; e < 200; ++e)
        if (auto n = kernel::errno_name(e)) names.emplace_back(*n);
    return names;
}

// A word made of part of another (the value of --opt=value), keeping source offsets.
Word subword(const Word& w, std::size_t from) {
    Word out;
    out.text = w.text.substr(from);
    out.char_offsets.assign(w.char_offsets.begin() +
                                static_cast<std::ptrdiff_t>(std::min(from, w.char_offsets.size())),
                            w.char_offsets.end());
    out.offset = w.offset_of(from);
    out.end_offset = w.end_offset;
    return out;
}

bool check_choice(Ctx& ctx, const Word& w, std::span<const std::string_view> choices, std::string_view what) {
    if (std::find(choices.begin(), choices.end(), w.text) != choices.end()) return true;
    std::string hint = did_you_mean(w.text, choices);
    if (hint.empty()) hint = fmt::format("{} is one of: {}", what, fmt::join(choices, ", "));
    ctx.error(w.offset, fmt::format("'{}' is not a valid {}", w.text, what), hint);
    return false;
}

// key=value lists of mkfs.xfs -m / -d / -b and mount -o.
bool check_kv_list(Ctx& ctx, const Word& w, std::span<const std::string_view> keys, bool boolean_values,
                   std::string_view what) {
    std::size_t start = 0;
    while (start <= w.text.size()) {
        std::size_t comma = w.text.find(',', start);
        if (comma == std::string::npos) comma = w.text.size();
        const std::string item = w.text.substr(start, comma - start);
        const std::size_t eq = item.find('=');
        const std::string key = item.substr(0, eq);
        if (std::find(keys.begin(), keys.end(), key) == keys.end()) {
            ctx.error(w.offset_of(start), fmt::format("unknown {} '{}'", what, key), did_you_mean(key, keys));
            return false;
        }
        if (eq == std::string::npos) {
            ctx.error(w.offset_of(start), fmt::format("{} '{}' needs a value", what, key));
            return false;
        }
        const std::string value = item.substr(eq + 1);
        if (key == "logdev") { // mkfs.xfs -l logdev=DEV: a device path, not a number
            if (!value.starts_with("/dev/")) {
                ctx.error(w.offset_of(start + eq + 1),
                          fmt::format("bad value '{}' for {} '{}'", value, what, key),
                          "the log device is a block device, e.g. logdev=/dev/pmem1");
                return false;
            }
            start = comma + 1;
            continue;
        }
        if (boolean_values ? (value != "0" && value != "1") : !parse_size(value).ok()) {
            ctx.error(w.offset_of(start + eq + 1),
                      fmt::format("bad value '{}' for {} '{}'", value, what, key),
                      boolean_values ? "use 0 or 1" : "use a number");
            return false;
        }
        start = comma + 1;
    }
    return true;
}

bool check_dm_table(Ctx& ctx, const Word& w) {
    for (const Word& line : split_table_lines(w)) {
        const Tokens t = tokenize_within(line);
        const auto& f = t.words;
        if (f.size() < 3) {
            ctx.error(line.offset, "a table line is START LEN TARGET ARGS...",
                      "e.g. \"0 2097152 linear /dev/pmem0 0\"");
            return false;
        }
        for (std::size_t i = 0; i < 2; ++i)
            if (auto r = parse_uint(f[i].text); !r) {
                ctx.error(f[i].offset,
                          fmt::format("table {}: {}", i == 0 ? "START" : "LEN", r.error().message));
                return false;
            }
        auto dev_off = [&](std::size_t i) {
            if (!f[i].text.starts_with("/dev/")) {
                ctx.error(f[i].offset, fmt::format("'{}' is not a device path", f[i].text),
                          "name it as /dev/pmem0 or /dev/mapper/NAME");
                return false;
            }
            if (auto r = parse_uint(f[i + 1].text); !r) {
                ctx.error(f[i + 1].offset, fmt::format("table OFF: {}", r.error().message));
                return false;
            }
            return true;
        };
        if (f[2].text == "linear") {
            if (f.size() != 5) {
                ctx.error(f.size() > 5 ? f[5].offset : line.end_offset, "linear takes DEV OFF",
                          "START LEN linear DEV OFF");
                return false;
            }
            if (!dev_off(3)) return false;
        } else if (f[2].text == "striped") {
            if (f.size() < 5) {
                ctx.error(line.end_offset, "striped takes N CHUNK DEV OFF ...",
                          "START LEN striped N CHUNK DEV OFF ...");
                return false;
            }
            auto n = parse_uint(f[3].text);
            if (!n || n.value() == 0) {
                ctx.error(f[3].offset, "striped needs a stripe count N >= 1");
                return false;
            }
            if (!parse_uint(f[4].text)) {
                ctx.error(f[4].offset, fmt::format("'{}' is not a chunk size in sectors", f[4].text));
                return false;
            }
            if (f.size() != 5 + 2 * n.value()) {
                ctx.error(line.end_offset,
                          fmt::format("striped {} needs {} DEV OFF pairs", n.value(), n.value()));
                return false;
            }
            for (std::size_t i = 5; i < f.size(); i += 2)
                if (!dev_off(i)) return false;
        } else {
            const std::array<std::string_view, 2> targets{"linear", "striped"};
            std::string hint = did_you_mean(f[2].text, targets);
            ctx.error(f[2].offset, fmt::format("unknown target type '{}'", f[2].text),
                      hint.empty() ? "targets: linear, striped" : hint);
            return false;
        }
    }
    return true;
}

std::optional<ParsedCommand> parse_command(Ctx& ctx, const CommandSpec& spec, std::size_t offset,
                                           std::span<const Word> words, std::size_t end_offset);

bool parse_xfs_io_command(Ctx& ctx, const Word& w, ParsedCommand& parent) {
    const Tokens t = tokenize_within(w);
    for (const auto& e : t.errors)
        ctx.error(e.offset, e.message);
    if (!t.errors.empty()) return false;
    if (t.words.empty()) {
        ctx.error(w.offset, "empty xfs_io command", "e.g. -c \"pwrite 0 4k\"");
        return false;
    }
    const Word& name = t.words.front();
    const CommandSpec* spec = nullptr;
    std::vector<std::string_view> names;
    for (const auto& s : xfs_io_command_specs()) {
        names.push_back(s.name);
        if (s.name == name.text) spec = &s;
    }
    if (!spec) {
        std::string hint = did_you_mean(name.text, names);
        if (hint.empty()) hint = fmt::format("xfs_io commands: {}", fmt::join(names, ", "));
        ctx.error(name.offset, fmt::format("unknown xfs_io command '{}'", name.text), hint);
        return false;
    }
    auto sub = parse_command(ctx, *spec, name.offset, std::span(t.words).subspan(1), w.end_offset - 1);
    if (!sub) return false;
    parent.subcommands.push_back(std::move(*sub));
    return true;
}

// Checks one word against its kind and fills `out`; diagnostics point at the word.
bool parse_value(Ctx& ctx, ArgKind kind, std::span<const std::string_view> choices, const Word& w,
                 std::string_view what, Value& out, ParsedCommand& cmd) {
    out.text = w.text;
    out.offset = w.offset;
    auto numeric = [&](const Result<std::uint64_t>& r) {
        if (!r) {
            ctx.error(w.offset, fmt::format("{}: {}", what, r.error().message), r.error().hint);
            return false;
        }
        out.number = r.value();
        return true;
    };
    switch (kind) {
    case ArgKind::word:
    case ArgKind::task:
        if (w.text.empty()) {
            ctx.error(w.offset, fmt::format("{} is empty", what));
            return false;
        }
        return true;
    case ArgKind::path:
        if (!w.text.starts_with("/")) {
            ctx.error(w.offset, fmt::format("{} '{}' is not an absolute path", what, w.text),
                      "paths start with '/'");
            return false;
        }
        return true;
    case ArgKind::device:
        if (!w.text.starts_with("/dev/")) {
            ctx.error(w.offset, fmt::format("{} '{}' is not a device", what, w.text),
                      "devices are /dev/pmemN or /dev/mapper/NAME");
            return false;
        }
        return true;
    case ArgKind::size:
        return numeric(parse_size(w.text));
    case ArgKind::number:
        return numeric(parse_uint(w.text));
    case ArgKind::duration:
        return numeric(parse_duration_ns(w.text));
    case ArgKind::byte:
        if (!numeric(parse_uint(w.text))) return false;
        if (out.number > 0xff) {
            ctx.error(w.offset, fmt::format("{} '{}' is not a byte (0x00 to 0xff)", what, w.text));
            return false;
        }
        return true;
    case ArgKind::errno_name: {
        if (auto e = kernel::errno_from_name(w.text)) {
            out.number = static_cast<std::uint64_t>(*e);
            return true;
        }
        const auto names = errno_names();
        ctx.error(w.offset, fmt::format("unknown errno name '{}'", w.text), did_you_mean(w.text, names));
        return false;
    }
    case ArgKind::regex: {
        // RE2 syntax (Perl-like, no backreferences or lookaround), checked here so a bad pattern is an
        // input error before anything runs.
        const RE2 re(w.text, RE2::Quiet);
        if (!re.ok()) {
            ctx.error(w.offset, fmt::format("bad regular expression \"{}\": {}", w.text, re.error()),
                      "patterns use RE2 syntax: no backreferences or lookaround");
            return false;
        }
        return true;
    }
    case ArgKind::choice:
        return check_choice(ctx, w, choices, what);
    case ArgKind::namespace_dev:
        if (!std::regex_match(w.text, std::regex(R"(namespace[0-9]+\.[0-9]+)"))) {
            ctx.error(w.offset, fmt::format("'{}' is not a namespace name", w.text),
                      "namespaces are named namespaceR.N, e.g. namespace0.0");
            return false;
        }
        return true;
    case ArgKind::dimm:
        if (!std::regex_match(w.text, std::regex(R"(nmem[0-9]+)"))) {
            ctx.error(w.offset, fmt::format("'{}' is not a DIMM name", w.text),
                      "DIMMs are named nmemN, e.g. nmem0");
            return false;
        }
        return true;
    case ArgKind::region:
        if (!std::regex_match(w.text, std::regex(R"((region)?[0-9]+)"))) {
            ctx.error(w.offset, fmt::format("'{}' is not a region name", w.text),
                      "regions are named regionN, e.g. region0");
            return false;
        }
        if (!w.text.starts_with("region")) out.text = "region" + w.text;
        return true;
    case ArgKind::mkfs_meta: {
        constexpr std::array<std::string_view, 4> keys{"reflink", "rmapbt", "crc", "finobt"};
        return check_kv_list(ctx, w, keys, true, "-m option");
    }
    case ArgKind::mkfs_data: {
        // -d (data section) and -l (log section) of mkfs.xfs share the kind: suboptions KEY=VALUE.
        if (what.starts_with("-l")) {
            constexpr std::array<std::string_view, 2> log_keys{"logdev", "size"};
            return check_kv_list(ctx, w, log_keys, false, "-l option");
        }
        constexpr std::array<std::string_view, 3> keys{"agcount", "su", "sw"};
        return check_kv_list(ctx, w, keys, false, "-d option");
    }
    case ArgKind::mkfs_block: {
        constexpr std::array<std::string_view, 1> keys{"size"};
        return check_kv_list(ctx, w, keys, false, "-b option");
    }
    case ArgKind::mount_options: {
        constexpr std::array<std::string_view, 8> opts{"dax", "dax=always", "dax=never",  "dax=inode",
                                                       "ro",  "rw",         "norecovery", "defaults"};
        std::size_t start = 0;
        while (start <= w.text.size()) {
            std::size_t comma = w.text.find(',', start);
            if (comma == std::string::npos) comma = w.text.size();
            const std::string o = w.text.substr(start, comma - start);
            if (o.starts_with("logdev=")) { // the external log device (xfs)
                if (!o.substr(7).starts_with("/dev/")) {
                    ctx.error(w.offset_of(start + 7), fmt::format("logdev '{}' is not a device", o.substr(7)),
                              "e.g. logdev=/dev/pmem1");
                    return false;
                }
                start = comma + 1;
                continue;
            }
            if (std::find(opts.begin(), opts.end(), o) == opts.end()) {
                std::string hint = did_you_mean(o, opts);
                ctx.error(w.offset_of(start), fmt::format("unknown mount option '{}'", o),
                          hint.empty() ? fmt::format("mount options: {}", fmt::join(opts, ", ")) : hint);
                return false;
            }
            start = comma + 1;
        }
        return true;
    }
    case ArgKind::sysctl_assign: {
        constexpr std::array<std::string_view, 2> keys{"vm.memory_failure_early_kill",
                                                       "vm.memory_failure_recovery"};
        return check_kv_list(ctx, w, keys, true, "sysctl");
    }
    case ArgKind::dm_table:
        return check_dm_table(ctx, w);
    case ArgKind::xfs_io_command:
        return parse_xfs_io_command(ctx, w, cmd);
    case ArgKind::metric_value: {
        auto r = parse_metric_value(w.text);
        if (!r) {
            ctx.error(w.offset, fmt::format("{}: {}", what, r.error().message), r.error().hint);
            return false;
        }
        out.real = r.value();
        return true;
    }
    }
    return true;
}

std::optional<ParsedCommand> parse_command(Ctx& ctx, const CommandSpec& spec, std::size_t offset,
                                           std::span<const Word> words, std::size_t end_offset) {
    ParsedCommand cmd;
    cmd.spec = &spec;
    cmd.offset = offset;
    const bool before = ctx.failed;
    ctx.failed = false;
    std::vector<std::string_view> option_names;
    for (const auto& o : spec.options)
        option_names.push_back(o.name);
    std::vector<const Word*> positional;
    for (std::size_t i = 0; i < words.size(); ++i) {
        const Word& w = words[i];
        const bool looks_like_option =
            w.text.size() > 1 && w.text[0] == '-' && !std::isdigit(static_cast<unsigned char>(w.text[1]));
        if (looks_like_option) {
            const std::size_t eq = w.text.starts_with("--") ? w.text.find('=') : std::string::npos;
            const std::string name = w.text.substr(0, eq);
            const OptionSpec* o = nullptr;
            for (const auto& candidate : spec.options)
                if (candidate.name == name || (!candidate.alias.empty() && candidate.alias == name))
                    o = &candidate;
            if (!o) {
                std::string hint = did_you_mean(name, option_names);
                if (hint.empty()) hint = fmt::format("usage: {}", spec.usage);
                ctx.error(w.offset, fmt::format("unknown option '{}' for '{}'", name, spec.name), hint);
                continue;
            }
            const std::string key(o->name);
            if (!o->repeatable && cmd.options.count(key)) {
                ctx.error(w.offset, fmt::format("option '{}' given twice", name));
                continue;
            }
            Value v;
            v.offset = w.offset;
            v.option_offset = w.offset;
            if (!o->takes_value) {
                if (eq != std::string::npos) {
                    ctx.error(w.offset_of(eq), fmt::format("option '{}' takes no value", name));
                    continue;
                }
                cmd.options[key].push_back(v);
                continue;
            }
            Word value_word;
            if (eq != std::string::npos) {
                value_word = subword(w, eq + 1);
            } else if (i + 1 < words.size()) {
                value_word = words[++i];
            } else {
                ctx.error(w.offset, fmt::format("option '{}' needs a value", name),
                          fmt::format("usage: {}", spec.usage));
                continue;
            }
            if (parse_value(ctx, o->kind, o->choices, value_word, fmt::format("{} value", name), v, cmd)) {
                v.option_offset = w.offset;
                cmd.options[key].push_back(std::move(v));
            }
            continue;
        }
        if (const std::size_t eq = w.text.find('='); eq != std::string::npos && !spec.keyvals.empty()) {
            const std::string key = w.text.substr(0, eq);
            if (std::find(spec.keyvals.begin(), spec.keyvals.end(), key) != spec.keyvals.end()) {
                Value v;
                if (parse_value(ctx, ArgKind::number, {}, subword(w, eq + 1), key, v, cmd)) {
                    v.offset = w.offset;
                    cmd.keyvals[key] = v;
                }
                continue;
            }
            ctx.error(w.offset, fmt::format("unknown '{}=' for '{}'", key, spec.name),
                      fmt::format("usage: {}", spec.usage));
            continue;
        }
        positional.push_back(&w);
    }
    std::size_t required = 0;
    for (const auto& a : spec.args)
        required += a.optional ? 0 : 1;
    for (std::size_t i = 0; i < positional.size(); ++i) {
        if (i >= spec.args.size() && !spec.variadic) {
            ctx.error(positional[i]->offset,
                      fmt::format("unexpected argument '{}' for '{}'", positional[i]->text, spec.name),
                      fmt::format("usage: {}", spec.usage));
            break;
        }
        const ArgSpec& a = spec.args[std::min(i, spec.args.size() - 1)];
        Value v;
        if (parse_value(ctx, a.kind, a.choices, *positional[i], a.name, v, cmd))
            cmd.args.push_back(std::move(v));
    }
    if (positional.size() < required) {
        std::vector<std::string_view> missing;
        for (std::size_t i = positional.size(); i < spec.args.size(); ++i)
            if (!spec.args[i].optional) missing.push_back(spec.args[i].name);
        ctx.error(end_offset, fmt::format("'{}' is missing {}", spec.name, fmt::join(missing, " ")),
                  fmt::format("usage: {}", spec.usage));
    }
    if (!ctx.failed && spec.check)
        if (auto e = spec.check(cmd, end_offset)) ctx.error(e->offset, e->message, e->hint);
    const bool ok = !ctx.failed;
    ctx.failed = before || ctx.failed;
    if (!ok) return std::nullopt;
    return cmd;
}

bool valid_task_name(std::string_view name) {
    return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
    });
}

} // namespace

std::optional<Step> parse_step(const StepSource& source, std::size_t index, std::vector<Diagnostic>& errors) {
    Ctx ctx{source, errors};
    const Tokens t = tokenize(source.text);
    for (const auto& e : t.errors)
        ctx.error(e.offset, e.message);
    if (!t.errors.empty()) return std::nullopt;
    Step step;
    step.source = source;
    step.index = index;
    std::span<const Word> words = t.words;
    if (words.empty()) {
        ctx.error(0, "empty step");
        return std::nullopt;
    }
    if (words.front().text.starts_with("@")) {
        const std::string name = words.front().text.substr(1);
        if (!valid_task_name(name)) {
            ctx.error(words.front().offset, fmt::format("'{}' is not a task name", words.front().text),
                      "task names use letters, digits, '_', '-' and '.': @reader");
            return std::nullopt;
        }
        step.task = name;
        words = words.subspan(1);
        if (words.empty()) {
            ctx.error(source.text.size(), fmt::format("'@{}' needs a command to run", name));
            return std::nullopt;
        }
    }
    const Word& cmd = words.front();
    std::string name = cmd.text;
    std::size_t consumed = 1;
    std::vector<std::string_view> top; // first words, for did-you-mean
    for (const auto& s : command_specs()) {
        const std::string_view first = s.name.substr(0, s.name.find(' '));
        if (std::find(top.begin(), top.end(), first) == top.end()) top.push_back(first);
    }
    if (std::find(kGroups.begin(), kGroups.end(), cmd.text) != kGroups.end()) {
        std::vector<std::string_view> subs;
        for (const auto& s : command_specs())
            if (s.name.starts_with(cmd.text + " ")) subs.push_back(s.name.substr(cmd.text.size() + 1));
        if (words.size() < 2) {
            ctx.error(source.text.size(), fmt::format("'{}' needs a subcommand", cmd.text),
                      fmt::format("{}: {}", cmd.text, fmt::join(subs, ", ")));
            return std::nullopt;
        }
        const Word& sub = words[1];
        if (std::find(subs.begin(), subs.end(), sub.text) == subs.end()) {
            std::string hint = did_you_mean(sub.text, subs);
            if (hint.empty()) hint = fmt::format("{}: {}", cmd.text, fmt::join(subs, ", "));
            ctx.error(sub.offset,
                      cmd.text == "expect" ? fmt::format("unknown expectation '{}'", sub.text)
                                           : fmt::format("unknown {} command '{}'", cmd.text, sub.text),
                      hint);
            return std::nullopt;
        }
        name += " " + sub.text;
        consumed = 2;
    }
    const CommandSpec* spec = nullptr;
    for (const auto& s : command_specs())
        if (s.name == name) spec = &s;
    if (!spec) {
        std::string hint = did_you_mean(cmd.text, top);
        for (const auto& s : xfs_io_command_specs())
            if (s.name == cmd.text)
                hint =
                    fmt::format("'{}' is an xfs_io command: xfs_io -c \"{} ...\" FILE", cmd.text, cmd.text);
        ctx.error(cmd.offset, fmt::format("unknown command '{}'", cmd.text), hint);
        return std::nullopt;
    }
    if (step.task && name.starts_with("expect ")) {
        ctx.error(0, "an expectation does not run in a task", "remove the @TASK prefix");
        return std::nullopt;
    }
    if (!step.task && name == "madvise-hwpoison") {
        ctx.error(cmd.offset, "madvise-hwpoison acts on a task's mapping and needs @TASK",
                  "write @TASK madvise-hwpoison FILE OFF [LEN] after @TASK xfs_io -c \"mmap ...\" FILE");
        return std::nullopt;
    }
    auto parsed = parse_command(ctx, *spec, cmd.offset, words.subspan(consumed), source.text.size());
    if (!parsed) return std::nullopt;
    step.command = std::move(*parsed);
    if (name == "xfs_io" && step.command.subcommands.empty()) {
        ctx.error(source.text.size(), "xfs_io needs at least one -c \"CMD\"",
                  "usage: xfs_io [-f] -c \"CMD\" ... FILE");
        return std::nullopt;
    }
    return step;
}

ParsedScenario parse_steps(const ScenarioFile& file) {
    ParsedScenario out;
    for (std::size_t i = 0; i < file.steps.size(); ++i)
        if (auto s = parse_step(file.steps[i], i, out.errors)) out.steps.push_back(std::move(*s));
    if (out.errors.empty()) check_step_order(out.steps, out.errors);
    return out;
}

} // namespace daxsim::scenarios
