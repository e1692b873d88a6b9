#include "scenarios/cli.h"

#include <cstdio>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "scenarios/bench_failure.h"
#include "scenarios/bench_memory.h"
#include "scenarios/bench_speed.h"
#include "scenarios/calibrate.h"
#include "scenarios/commands.h"
#include "scenarios/fsx.h"
#include "scenarios/help.h"
#include "scenarios/output.h"
#include "scenarios/params.h"
#include "scenarios/progress.h"
#include "scenarios/replay.h"
#include "scenarios/runner.h"
#include "scenarios/scenario_file.h"
#include "scenarios/sweep.h"
#include "scenarios/units.h"

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
    if (args.vcd && !args.out) {
        fmt::print(stderr, "daxsim: error: --vcd writes DIR/waves.vcd: give --out DIR\n");
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
    options.vcd = args.vcd;
    options.seed = args.seed.value_or(file.value().seed.value_or(0));
    // On a terminal stderr only: CI logs and redirected output stay byte-identical.
    RunProgress progress(parsed.steps.size(), !args.quiet);
    if (progress.enabled())
        options.on_step = [&progress](std::size_t index, std::size_t, const Step& step,
                                      std::uint64_t sim_ns) {
            progress.step(index, step.source.line, step.source.text, sim_ns);
        };
    std::fflush(stdout);
    try {
        const RunRecord rec = run_scenario(file.value(), parsed.steps, config.value(), options);
        progress.finish();
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
    run->add_flag("--vcd", run_args.vcd,
                  "also write DIR/waves.vcd: WPQ occupancy, media busy, XPBuffer hits, poison, MC banks");
    run->add_flag("--quiet", run_args.quiet, "no live dmesg or step echo; only the summary");

    CLI::App* params =
        app.add_subcommand("params", "list every parameter key, its default, unit and meaning");

    SweepArgs sweep_args;
    CLI::App* sweep = app.add_subcommand(
        "sweep", "run a scenario at every point of a parameter grid, one process per point -> DIR/sweep.csv");
    // FILE and --grid are checked by sweep_command: --point and --collect take a sweep DIR instead.
    sweep->add_option("FILE", sweep_args.file, "scenario (YAML); with --point, the sweep DIR");
    sweep->add_option("--grid", sweep_args.grids, "KEY=V1,V2,... (repeatable: the cartesian product is run)")
        ->allow_extra_args(false)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    sweep->add_option("-j,--jobs", sweep_args.jobs,
                      "run at most N points at once (default: the number of CPUs)");
    sweep->add_option("--out", sweep_args.out,
                      "write DIR/sweep.csv and DIR/points/NNNN/ (default: ./sweep-<scenario file stem>)");
    sweep->add_flag("--slurm", sweep_args.slurm,
                    "write DIR/points.tsv and the job-array script DIR/sweep.sbatch instead of running");
    sweep->add_option("--point", sweep_args.point, "run point I of the sweep DIR (one Slurm array task)");
    sweep->add_option("--collect", sweep_args.collect, "gather DIR/points/NNNN/ into DIR/sweep.csv");

    std::vector<std::string> help_words;
    CLI::App* help = app.add_subcommand(
        "help", "describe the scenario commands and expectations, or one of them: daxsim help COMMAND");
    help->add_option("COMMAND", help_words, "a scenario command (\"xfs_io\", \"expect signal\", \"pwrite\")");

    // Listed so that --help shows the whole contract; later builds implement them.
    std::vector<CLI::App*> later;
    // daxsim calibrate (calibrate.h)
    CalibrateOptions calibrate_opts;
    CLI::App* calibrate = app.add_subcommand(
        "calibrate",
        "simulated vs published Optane DC PMM figures: metric, unit, reference, simulated, error %, "
        "source. Every row within 10% is the calibration target, not an exit condition: exits 0 "
        "when every row ran");
    calibrate->add_flag("--json", calibrate_opts.json, "print JSON {\"rows\":[...]}");
    calibrate->add_option("--row", calibrate_opts.row)->group(""); // hidden: one row, in a child process
    // daxsim bench failure (bench_failure.h), daxsim bench speed (bench_speed.h).
    CLI::App* bench =
        app.add_subcommand("bench", "benchmarks: `bench failure` (host cost of one memory failure as "
                                    "the rmapbt grows), `bench speed` (simulation speed, timing=lt and at), "
                                    "`bench memory` (host RSS against media touched)");
    bench->require_subcommand(1);
    BenchFailureOptions bench_failure_opts;
    CLI::App* bench_failure = bench->add_subcommand(
        "failure", "host microseconds and simulated ns per layer of one failure, 10^3..10^6 rmap records");
    bench_failure->add_flag("--json", bench_failure_opts.json, "print JSON {\"rows\":[...]}");
    bench_failure->add_option("--max-records", bench_failure_opts.max_records)->group(""); // hidden: smoke test
    BenchSpeedOptions bench_speed_opts;
    CLI::App* bench_speed = bench->add_subcommand(
        "speed",
        "host transactions per second: full platform vs a raw TLM b_transport loop (goal ratio >= 0.25)");
    bench_speed->add_flag("--json", bench_speed_opts.json,
                          "print JSON {\"sim_txn_per_s\",\"raw_txn_per_s\",\"ratio\"}");
    bench_speed->add_option("--transactions", bench_speed_opts.transactions)->group(""); // hidden: smoke test
    bench_speed->add_option("--timing", bench_speed_opts.timing)->group(""); // hidden: one mode, in this process
    BenchMemoryOptions bench_memory_opts;
    std::vector<std::string> bench_memory_touch;
    CLI::App* bench_memory = bench->add_subcommand(
        "memory", "host RSS with six 512 GiB DIMMs configured against media bytes touched (goal < 64 MiB + 1.2x)");
    bench_memory->add_flag("--json", bench_memory_opts.json, "print JSON {\"rows\":[...]}");
    bench_memory->add_option("--touch", bench_memory_touch, "media bytes to touch, one row each (e.g. 64MiB)")
        ->allow_extra_args(false)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    bench_memory->add_option("--row", bench_memory_opts.row)->group(""); // hidden: one size, in this process
    // daxsim replay (replay.h)
    ReplayOptions replay_opts;
    CLI::App* replay = app.add_subcommand(
        "replay", "replay a memory trace (VANS `0xADDR R|W|C[:idle]` or `@TIME_NS 0xADDR R|W|C`) on the "
                  "platform without the kernel: latency per request, bandwidth, host requests/s");
    replay->add_option("TRACE", replay_opts.trace, "trace file (see docs/replay.md)")->required();
    replay->add_flag("--json", replay_opts.json, "print JSON (keys in docs/replay.md)");
    replay->add_option("--set", replay_opts.sets, "override a platform parameter KEY=VALUE (`daxsim params`)")
        ->allow_extra_args(false)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    replay->add_flag("--uncached", replay_opts.uncached,
                     "requests go straight to the memory controller (UC), not through the shared cache");
    replay->add_option("--clock-ghz", replay_opts.clock_ghz, "idle clock rate (default: tCK 0.75 ns)")
        ->check(CLI::Range(0.001, 1000.0));

    // daxsim fsx (fsx.h)
    FsxOptions fsx_opts;
    std::optional<std::string> fsx_out;
    CLI::App* fsx = app.add_subcommand("fsx", "random file operations checked against an oracle and xfs_check");
    fsx->add_option("--ops", fsx_opts.ops, "operations to run (default 1000)");
    fsx->add_option("--seed", fsx_opts.seed, "seed of the operation sequence (default 1)");
    fsx->add_option("--out", fsx_out, "on a mismatch, write DIR/fsx-repro.yaml");
    fsx->add_option("--check-every", fsx_opts.check_every, "sharing check and xfs_check every N ops (default 25)")
        ->check(CLI::PositiveNumber);
    fsx->add_option("--inject-bug", fsx_opts.inject_bug)->group(""); // hidden: test-only oracle bug
    fsx->add_option("--inject-bug-kind", fsx_opts.inject_bug_kind, "data|layout")
        ->transform(CLI::CheckedTransformer(
            std::map<std::string, FsxOptions::InjectBug>{{"data", FsxOptions::InjectBug::data},
                                                         {"layout", FsxOptions::InjectBug::layout}}))
        ->group(""); // hidden: which kind of oracle bug --inject-bug plants
    for (CLI::App* sub : later)
        sub->allow_extras();

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        // --help and --version exit 0; every misuse is invalid input (2), not CLI11's own codes.
        return app.exit(e) == 0 ? kExitPass : kExitInvalid;
    }
    if (run->parsed()) return run_command(run_args);
    if (bench_failure->parsed()) return bench_failure_main(bench_failure_opts);
    if (bench_memory->parsed()) {
        for (const auto& t : bench_memory_touch) {
            const auto bytes = parse_size(t);
            if (!bytes) {
                fmt::print(stderr, "daxsim: error: bench memory --touch {}: {}\n", t, bytes.error().message);
                return kExitInvalid;
            }
            bench_memory_opts.touch.push_back(bytes.value());
        }
        return bench_memory_main(bench_memory_opts, std::filesystem::read_symlink("/proc/self/exe"));
    }
    if (bench_speed->parsed())
        return bench_speed_main(bench_speed_opts, std::filesystem::read_symlink("/proc/self/exe"));
    if (replay->parsed()) return replay_main(replay_opts);
    if (calibrate->parsed())
        return calibrate_main(calibrate_opts, std::filesystem::read_symlink("/proc/self/exe"));
    if (fsx->parsed()) {
        if (fsx_out) fsx_opts.out_dir = std::filesystem::path(*fsx_out);
        return fsx_main(fsx_opts);
    }
    if (sweep->parsed()) return sweep_command(sweep_args, std::filesystem::read_symlink("/proc/self/exe"));
    if (help->parsed()) return help_command(help_words);
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
