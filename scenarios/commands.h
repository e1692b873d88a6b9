// The step language: one spec per command (options, arguments and their kinds) and a parser that turns
// a step's text into a ParsedCommand or diagnostics with the exact column. Nothing here runs anything:
// the whole scenario is checked before the simulation starts.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "scenarios/diagnostics.h"
#include "scenarios/scenario_file.h"

namespace daxsim::scenarios {

enum class ArgKind {
    word,           // any text
    path,           // absolute path
    device,         // /dev/...
    size,           // xfs_io-style size: 4096, 0x1000, 4k, 4KiB
    number,         // unsigned integer, decimal or 0x hex
    byte,           // 0..0xff fill pattern
    duration,       // 10us
    errno_name,     // EIO
    regex,          // ECMAScript regular expression
    task,           // task name
    choice,         // one of ArgSpec/OptionSpec::choices
    namespace_dev,  // namespace0.0
    dimm,           // nmem0
    region,         // region0 (or 0)
    mkfs_meta,      // reflink=1,rmapbt=1
    mkfs_data,      // agcount=N
    mkfs_block,     // size=N
    mount_options,  // dax,dax=always,ro
    sysctl_assign,  // vm.memory_failure_early_kill=1
    dm_table,       // "START LEN linear DEV OFF\n..."
    xfs_io_command, // the string of xfs_io -c
    metric_value,   // 61440, 2MiB, 10us
};

struct OptionSpec {
    std::string_view name;  // "--mode", "-f", "-S"
    std::string_view alias; // another spelling ("-f" for "--force"), may be empty
    bool takes_value = false;
    ArgKind kind = ArgKind::word;
    std::vector<std::string_view> choices;
    bool repeatable = false;
};

struct ArgSpec {
    std::string_view name; // "OFF", as in the usage line
    ArgKind kind = ArgKind::word;
    bool optional = false;
    std::vector<std::string_view> choices;
};

struct ParsedCommand;

// A check across options and arguments ("--dimm needs --dpa"): returns the offending word's offset
// in the step and the message, or nothing.
struct CrossCheckError {
    std::size_t offset = 0;
    std::string message;
    std::string hint;
};
using CrossCheck =
    std::function<std::optional<CrossCheckError>(const ParsedCommand&, std::size_t end_offset)>;

struct CommandSpec {
    std::string_view name;  // "xfs_io", "ndctl create-namespace", "expect signal", "pwrite"
    std::string_view usage; // one line, shown in hints and docs
    std::string_view summary;
    std::vector<OptionSpec> options;
    std::vector<ArgSpec> args;
    bool variadic = false;                 // the last ArgSpec repeats
    std::vector<std::string_view> keyvals; // KEY=VALUE words ("lsb", "addr" of expect signal)
    bool implemented = true;               // false: accepted here, fails at run time with ENOSYS
    CrossCheck check;
};

// One parsed word: its text, where it was written, and its numeric value when its kind has one.
struct Value {
    std::string text;
    std::size_t offset = 0;        // 0-based offset in the step text
    std::size_t option_offset = 0; // an option's value: where the option's name is written
    std::uint64_t number = 0;      // size, number, byte, duration (ns), errno
    double real = 0;               // metric_value
};

struct ParsedCommand {
    const CommandSpec* spec = nullptr;
    std::size_t offset = 0;                            // where the command word starts
    std::map<std::string, std::vector<Value>> options; // by OptionSpec::name; a flag has one empty Value
    std::vector<Value> args;
    std::map<std::string, Value> keyvals;
    std::vector<ParsedCommand> subcommands; // xfs_io -c "...", in order

    [[nodiscard]] std::string_view name() const { return spec ? spec->name : std::string_view{}; }
    [[nodiscard]] bool has(std::string_view option) const { return options.count(std::string(option)) != 0; }
    [[nodiscard]] const Value* option(std::string_view option) const;
    [[nodiscard]] const Value* keyval(std::string_view key) const;
};

struct Step {
    StepSource source;
    std::size_t index = 0;           // 0-based position in the scenario
    std::optional<std::string> task; // @NAME
    ParsedCommand command;

    [[nodiscard]] bool is_expect() const { return command.name().starts_with("expect "); }
    [[nodiscard]] SourceLocation at(std::size_t offset) const { return source.at(offset); }
};

// Every command and expectation, top level and xfs_io's -c subcommands.
[[nodiscard]] std::span<const CommandSpec> command_specs();
[[nodiscard]] std::span<const CommandSpec> xfs_io_command_specs();
[[nodiscard]] const CommandSpec* find_command_spec(std::string_view name);

// Parses one step; appends every diagnostic it finds (it keeps going after the first when it can).
[[nodiscard]] std::optional<Step> parse_step(const StepSource& source, std::size_t index,
                                             std::vector<Diagnostic>& errors);

// Parses every step and then checks their order (checker.cpp). Empty diagnostics: the scenario is valid.
struct ParsedScenario {
    std::vector<Step> steps;
    std::vector<Diagnostic> errors;
};
[[nodiscard]] ParsedScenario parse_steps(const ScenarioFile& file);

// Static checks of step order: mount before mkfs, files outside any mount, expect with nothing before.
void check_step_order(std::span<const Step> steps, std::vector<Diagnostic>& errors);

} // namespace daxsim::scenarios
