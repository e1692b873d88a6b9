#include "scenarios/cli.h"

#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "scenarios/commands.h"
#include "scenarios/output.h"
#include "scenarios/params.h"
#include "scenarios/runner.h"
#include "scenarios/scenario_file.h"

namespace daxsim::scenarios {
namespace {

struct RunArgs {
    std::string file;
    std::optional<std::string> out;
    std::vector<std::string> sets;
    std::optional<std::uint64_t> seed;
    bool vcd = false;
    bool quiet = false;
};

void print_diagnostics(const std::vector<Diagnostic>& errors) {
    for (const auto& d : errors)
        fmt::print(stderr, "{}\n", d.format());
}

int run_command(const RunArgs& args) {
    if (args.vcd) {
        fmt::print(
            stderr,
            "daxsim: error: --vcd is not supported yet: the hardware models expose no signals to trace\n");
        return kExitInvalid;
    }
    auto file = load_scenario(args.file);
    if (!file) {
        print_diagnostics({file.error()});
        return kExitInvalid;
    }
    const ParsedScenario parsed = parse_steps(file.value());
    if (!parsed.errors.empty()) {
        print_diagnostics(parsed.errors);
        return kExitInvalid;
    }
    auto config = build_config(file.value().platform, args.sets);
    if (!config) {
        print_diagnostics({config.error()});
        return kExitInvalid;
    }
    RunOptions options;
    if (args.out) options.out_dir = std::filesystem::path(*args.out);
    options.quiet = args.quiet;
    options.seed = args.seed.value_or(file.value().seed.value_or(0));
    std::fflush(stdout);
    try {
        const RunRecord rec = run_scenario(file.value(), parsed.steps, config.value(), options);
        fmt::print("{}", format_summary(rec));
        return rec.passed() ? kExitPass : kExitFail;
    } catch (const std::exception& e) {
        // The input was valid; the simulation itself failed.
        fmt::print(stderr, "daxsim: internal error: {}\n", e.what());
        return kExitFail;
    }
}

} // namespace

int daxsim_main(int argc, char** argv) {
    CLI::App app{"daxsim: persistent-memory (NVDIMM) machine and Linux DAX storage stack simulator"};
    app.set_version_flag("--version", std::string("daxsim ") + DAXSIM_VERSION);
    app.require_subcommand(1);

    RunArgs run_args;
    CLI::App* run = app.add_subcommand("run", "run a scenario file");
    run->add_option("FILE", run_args.file, "scenario (YAML)")->required();
    run->add_option("--out", run_args.out, "write results.json and trace.json to DIR (created if missing)");
    run->add_option("--set", run_args.sets, "override a platform parameter KEY=VALUE (see `daxsim params`)")
        ->allow_extra_args(false) // one KEY=VALUE per --set: `--set a=1 FILE` keeps FILE positional
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    run->add_option("--seed", run_args.seed, "seed (overrides the scenario's)");
    run->add_flag("--vcd", run_args.vcd, "write waves.vcd (not supported yet)");
    run->add_flag("--quiet", run_args.quiet, "no live dmesg or step echo; only the summary");

    CLI::App* params =
        app.add_subcommand("params", "list every parameter key, its default, unit and meaning");

    // Listed so that --help shows the whole contract; later builds implement them.
    std::vector<CLI::App*> later;
    later.push_back(app.add_subcommand(
        "sweep", "run a scenario over a parameter grid -> DIR/sweep.csv (not implemented in this build)"));
    later.push_back(
        app.add_subcommand("calibrate", "simulated vs reference figures (not implemented in this build)"));
    later.push_back(app.add_subcommand("bench", "simulation speed (not implemented in this build)"));
    for (CLI::App* sub : later)
        sub->allow_extras();

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        // --help and --version exit 0; every misuse is invalid input (2), not CLI11's own codes.
        return app.exit(e) == 0 ? kExitPass : kExitInvalid;
    }
    if (run->parsed()) return run_command(run_args);
    if (params->parsed()) {
        fmt::print("{}", format_params_table());
        return kExitPass;
    }
    for (CLI::App* sub : later)
        if (sub->parsed()) {
            fmt::print(stderr, "daxsim: error: '{}' is not implemented in this build\n", sub->get_name());
            return kExitInvalid;
        }
    return kExitInvalid;
}

} // namespace daxsim::scenarios
