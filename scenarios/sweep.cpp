#include "scenarios/sweep.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "scenarios/atomic_file.h"
#include "scenarios/cli.h"
#include "scenarios/commands.h"
#include "scenarios/params.h"
#include "scenarios/progress.h"
#include "scenarios/scenario_file.h"

namespace daxsim::scenarios {
namespace {

Diagnostic cli_error(std::string message, std::string hint = {}) {
    return Diagnostic{{}, std::move(message), std::move(hint)};
}

std::vector<std::string> split_values(std::string_view list) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (true) {
        const std::size_t comma = list.find(',', start);
        out.emplace_back(list.substr(start, comma == std::string_view::npos ? list.npos : comma - start));
        if (comma == std::string_view::npos) break;
        start = comma + 1;
    }
    return out;
}

// A CSV field: quoted only when it has to be (RFC 4180).
std::string csv_field(std::string_view v) {
    if (v.find_first_of(",\"\n\r") == std::string_view::npos) return std::string(v);
    std::string out = "\"";
    for (const char c : v) {
        if (c == '"') out += '"';
        out += c;
    }
    return out + '"';
}

// In DIR: the points of a --slurm sweep; in DIR/points/NNNN/: what `--point` recorded for --collect.
constexpr std::string_view kPointsFile = "points.tsv";
constexpr std::string_view kExitStatusFile = "exit_status";

std::string point_dir_name(std::size_t index) {
    return fmt::format("{:04}", index);
}

// The metrics of a finished point as results.json wrote them (integers stay integers).
std::map<std::string, std::string> read_metrics(const std::filesystem::path& results) {
    std::map<std::string, std::string> out;
    std::ifstream in(results);
    if (!in) return out;
    const auto j = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
    if (!j.is_object() || !j.contains("metrics") || !j["metrics"].is_object()) return out;
    for (const auto& [name, value] : j["metrics"].items())
        out[name] = value.dump();
    return out;
}

struct Child {
    pid_t pid = -1;
    std::size_t index = 0;
};

// fork/exec of `self run FILE --set ... --out DIR --quiet`, its stdout and stderr in DIR/log.txt.
pid_t spawn_point(const std::filesystem::path& self, const std::string& file,
                  const std::vector<GridAxis>& axes, const std::vector<std::string>& values,
                  const std::filesystem::path& dir) {
    std::vector<std::string> argv_s{self.string(), "run", file};
    for (std::size_t i = 0; i < axes.size(); ++i) {
        argv_s.emplace_back("--set");
        argv_s.push_back(axes[i].key + "=" + values[i]);
    }
    argv_s.insert(argv_s.end(), {"--out", dir.string(), "--quiet"});
    std::vector<char*> argv;
    for (auto& a : argv_s)
        argv.push_back(a.data());
    argv.push_back(nullptr);
    const std::string log = (dir / "log.txt").string();
    std::fflush(stdout);
    std::fflush(stderr);
    const pid_t pid = fork();
    if (pid == 0) {
        const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0) {
            ::dup2(fd, STDOUT_FILENO);
            ::dup2(fd, STDERR_FILENO);
            ::close(fd);
        }
        ::execv(argv[0], argv.data());
        _exit(127); // as a shell reports a command it could not run
    }
    return pid;
}

int exit_code_of(int raw) {
    if (WIFEXITED(raw)) return WEXITSTATUS(raw);
    if (WIFSIGNALED(raw)) return 128 + WTERMSIG(raw);
    return -1;
}

} // namespace

Result<std::vector<GridAxis>> parse_grids(const std::vector<std::string>& grids) {
    std::vector<GridAxis> axes;
    std::vector<std::string> keys;
    for (const auto& p : param_registry())
        keys.emplace_back(p.key);
    if (grids.empty()) return cli_error("sweep needs at least one --grid KEY=V1,V2,...");
    for (const auto& g : grids) {
        const std::size_t eq = g.find('=');
        if (eq == std::string::npos || eq == 0)
            return cli_error(fmt::format("--grid {}: expected KEY=V1,V2,...", g));
        GridAxis axis{g.substr(0, eq), split_values(std::string_view(g).substr(eq + 1))};
        const ParamSpec* spec = find_param(axis.key);
        if (!spec) {
            std::string hint = did_you_mean(axis.key, keys);
            return cli_error(fmt::format("--grid {}: unknown parameter '{}'", g, axis.key),
                             hint.empty() ? "`daxsim params` lists every key" : hint);
        }
        for (const auto& a : axes)
            if (a.key == axis.key)
                return cli_error(fmt::format("--grid {}: '{}' is gridded twice", g, axis.key));
        std::set<std::string> seen;
        for (const auto& v : axis.values) {
            if (v.empty()) return cli_error(fmt::format("--grid {}: empty value in the list", g));
            if (!seen.insert(v).second)
                return cli_error(fmt::format("--grid {}: value '{}' is listed twice", g, v));
            MachineConfig probe;
            if (const std::string err = spec->set(probe, v); !err.empty())
                return cli_error(fmt::format("--grid {}: bad value '{}' for {}: {}", g, v, axis.key, err),
                                 spec->unit.empty() ? std::string{}
                                                    : fmt::format("{} is in {}", axis.key, spec->unit));
        }
        axes.push_back(std::move(axis));
    }
    return axes;
}

std::vector<std::vector<std::string>> grid_points(const std::vector<GridAxis>& axes) {
    std::vector<std::vector<std::string>> points{{}};
    for (const auto& axis : axes) {
        std::vector<std::vector<std::string>> next;
        for (const auto& p : points)
            for (const auto& v : axis.values) {
                next.push_back(p);
                next.back().push_back(v);
            }
        points = std::move(next);
    }
    return points;
}

std::string_view point_status(int exit_code) {
    if (exit_code == kExitPass) return "pass";
    if (exit_code == kExitFail) return "fail";
    return "error";
}

std::string format_sweep_csv(const std::vector<GridAxis>& axes, const std::vector<SweepPointResult>& points) {
    std::set<std::string> metric_names; // sorted: the columns do not depend on which point ran first
    for (const auto& p : points)
        for (const auto& [name, value] : p.metrics)
            metric_names.insert(name);
    std::vector<std::string> header{"point"};
    for (const auto& a : axes)
        header.push_back(a.key);
    header.insert(header.end(), {"status", "exit_code"});
    header.insert(header.end(), metric_names.begin(), metric_names.end());
    std::string out;
    auto row = [&out](const std::vector<std::string>& fields) {
        for (std::size_t i = 0; i < fields.size(); ++i)
            out += (i ? "," : "") + csv_field(fields[i]);
        out += '\n';
    };
    row(header);
    for (std::size_t i = 0; i < points.size(); ++i) {
        const auto& p = points[i];
        std::vector<std::string> fields{fmt::format("{}", i)};
        fields.insert(fields.end(), p.values.begin(), p.values.end());
        fields.emplace_back(p.exit_code ? point_status(*p.exit_code) : "missing");
        fields.push_back(p.exit_code ? fmt::format("{}", *p.exit_code) : std::string{});
        for (const auto& name : metric_names) {
            const auto it = p.metrics.find(name);
            fields.push_back(it == p.metrics.end() ? std::string{} : it->second);
        }
        row(fields);
    }
    return out;
}

namespace {

void print_diagnostic(const Diagnostic& d) {
    fmt::print(stderr, "{}\n", d.format());
}

// What a sweep runs, once everything has been checked.
struct SweepPlan {
    std::string scenario; // absolute: the children (and Slurm tasks) may run elsewhere
    std::vector<GridAxis> axes;
    std::vector<std::vector<std::string>> points;
    std::filesystem::path out;
};

// Everything is checked before the first point starts: the scenario, the grids, every point's machine.
// None: invalid input, already reported.
std::optional<SweepPlan> plan_sweep(const SweepArgs& args) {
    if (args.file.empty()) {
        print_diagnostic(cli_error("sweep needs a scenario FILE (or --point I DIR, or --collect DIR)"));
        return std::nullopt;
    }
    auto file = load_scenario(args.file);
    if (!file) {
        print_diagnostic(file.error());
        return std::nullopt;
    }
    const ParsedScenario parsed = parse_steps(file.value());
    if (!parsed.errors.empty()) {
        for (const auto& d : parsed.errors)
            print_diagnostic(d);
        return std::nullopt;
    }
    auto axes = parse_grids(args.grids);
    if (!axes) {
        print_diagnostic(axes.error());
        return std::nullopt;
    }
    if (args.jobs && *args.jobs == 0) {
        print_diagnostic(cli_error("-j must be at least 1"));
        return std::nullopt;
    }
    SweepPlan plan{std::filesystem::absolute(args.file).string(), std::move(axes.value()), {}, {}};
    plan.points = grid_points(plan.axes);
    for (const auto& values : plan.points) {
        std::vector<std::string> sets;
        for (std::size_t i = 0; i < values.size(); ++i)
            sets.push_back(plan.axes[i].key + "=" + values[i]);
        if (auto config = build_config(file.value().platform, sets); !config) {
            print_diagnostic(config.error());
            return std::nullopt;
        }
    }
    plan.out = args.out ? std::filesystem::path(*args.out)
                        : std::filesystem::path("sweep-" + std::filesystem::path(args.file).stem().string());
    return plan;
}

int run_local(const SweepPlan& plan, unsigned jobs, const std::filesystem::path& self) {
    const auto& points = plan.points;
    const auto& out = plan.out;
    std::vector<SweepPointResult> results(points.size());
    std::vector<Child> running;
    std::size_t next = 0;
    std::size_t done = 0;
    std::size_t failed = 0;
    Progress progress(points.size());
    try {
        while (done < points.size()) {
            while (next < points.size() && running.size() < jobs) {
                const auto dir = out / "points" / point_dir_name(next);
                std::filesystem::create_directories(dir);
                std::filesystem::remove(dir / "results.json"); // a stale file from an earlier sweep
                std::filesystem::remove(dir / kExitStatusFile);
                const pid_t pid = spawn_point(self, plan.scenario, plan.axes, points[next], dir);
                if (pid < 0) throw std::runtime_error("fork failed");
                running.push_back({pid, next});
                results[next].values = points[next];
                ++next;
            }
            int raw = 0;
            const pid_t pid = ::waitpid(-1, &raw, 0);
            if (pid < 0) throw std::runtime_error("waitpid failed");
            const auto it =
                std::find_if(running.begin(), running.end(), [&](const Child& c) { return c.pid == pid; });
            if (it == running.end()) continue; // not one of ours
            SweepPointResult& r = results[it->index];
            r.exit_code = exit_code_of(raw);
            r.metrics = read_metrics(out / "points" / point_dir_name(it->index) / "results.json");
            if (r.exit_code != kExitPass) ++failed;
            running.erase(it);
            ++done;
            progress.update(done, failed);
        }
        progress.finish();
        write_file_atomically(out / "sweep.csv",
                              [&](std::ostream& o) { o << format_sweep_csv(plan.axes, results); });
    } catch (const std::exception& e) {
        for (const auto& c : running) {
            int raw = 0;
            ::waitpid(c.pid, &raw, 0);
        }
        fmt::print(stderr, "daxsim: error: sweep: {}\n", e.what());
        return kExitFail;
    }
    fmt::print("{} points, {} passed, {} failed: {}\n", points.size(), points.size() - failed, failed,
               (out / "sweep.csv").string());
    return failed == 0 ? kExitPass : kExitFail;
}

// --- Slurm: the same points as a job array ----------------------------------------------------------

// A word for the POSIX shell, whatever it contains.
std::string shell_quote(std::string_view s) {
    std::string out = "'";
    for (const char c : s)
        out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

// The #SBATCH --output argument: DIR/%a.log, one log per array task. sbatch, not the shell, splits
// #SBATCH lines (checked with Slurm 22.05): single and double quotes group, a backslash escapes the next
// character even inside single quotes, an unquoted '#' ends the argument. Slurm then expands the
// %-patterns (%a: the array index, %%: a percent sign). A backslash left in the file name turns that
// expansion off and a line break cannot be written in the line, so write_slurm_sweep refuses such a DIR.
std::string sbatch_output(const std::filesystem::path& dir) {
    std::string out = "\"";
    for (const char c : dir.string()) {
        if (c == '"') out += '\\';
        out += c;
        if (c == '%') out += '%';
    }
    return out + "/%a.log\"";
}

// DIR/points.tsv: "scenario<TAB>PATH", then one line per point: its index, then KEY=VALUE per grid key
// in grid order. Tabs and newlines cannot appear in a key or a value (checked before writing).
struct PointsFile {
    std::string scenario;
    std::vector<GridAxis> axes; // keys in grid order; values in order of first appearance
    std::vector<std::vector<std::string>> points;
};

Result<PointsFile> read_points_file(const std::filesystem::path& dir) {
    const std::filesystem::path path = dir / kPointsFile;
    std::ifstream in(path);
    if (!in)
        return Diagnostic{{path.string(), 0, 0},
                          "cannot read the points of the sweep",
                          "write it with `daxsim sweep FILE --grid ... --out DIR --slurm`"};
    PointsFile pf;
    std::string line;
    int lineno = 0;
    auto bad = [&](std::string what) { return Diagnostic{{path.string(), lineno, 1}, std::move(what), {}}; };
    while (std::getline(in, line)) {
        ++lineno;
        if (line.empty() || line[0] == '#') continue;
        std::vector<std::string> cols;
        std::istringstream ls(line);
        for (std::string c; std::getline(ls, c, '\t');)
            cols.push_back(c);
        if (cols.size() == 2 && cols[0] == "scenario") {
            pf.scenario = cols[1];
            continue;
        }
        if (cols.empty() || cols[0] != fmt::format("{}", pf.points.size()))
            return bad(fmt::format("expected point {} here", pf.points.size()));
        std::vector<std::string> values;
        for (std::size_t i = 1; i < cols.size(); ++i) {
            const std::size_t eq = cols[i].find('=');
            if (eq == std::string::npos || eq == 0)
                return bad(fmt::format("expected KEY=VALUE, got '{}'", cols[i]));
            const std::string key = cols[i].substr(0, eq);
            const std::string value = cols[i].substr(eq + 1);
            if (pf.points.empty()) pf.axes.push_back({key, {}});
            if (i - 1 >= pf.axes.size() || pf.axes[i - 1].key != key)
                return bad(fmt::format("'{}' is not grid key {} of the first point", key, i));
            auto& seen = pf.axes[i - 1].values;
            if (std::find(seen.begin(), seen.end(), value) == seen.end()) seen.push_back(value);
            values.push_back(value);
        }
        if (values.size() != pf.axes.size() || pf.axes.empty())
            return bad(fmt::format("point {} has {} grid values, the first point {}", pf.points.size(),
                                   values.size(), pf.axes.size()));
        pf.points.push_back(std::move(values));
    }
    if (pf.scenario.empty()) return Diagnostic{{path.string(), 0, 0}, "no 'scenario' line", {}};
    if (pf.points.empty()) return Diagnostic{{path.string(), 0, 0}, "no points", {}};
    return pf;
}

int write_slurm_sweep(const SweepPlan& plan, const std::filesystem::path& self) {
    for (const auto& axis : plan.axes)
        for (const auto& v : axis.values)
            if (v.find_first_of("\t\n\r") != std::string::npos) {
                print_diagnostic(
                    cli_error(fmt::format("--grid {}: a value for --slurm cannot hold a tab or a "
                                          "line break",
                                          axis.key)));
                return kExitInvalid;
            }
    const std::filesystem::path out = std::filesystem::absolute(plan.out).lexically_normal();
    if (out.string().find_first_of("\\\n\r") != std::string::npos) {
        print_diagnostic(cli_error(
            fmt::format("--out {}: a --slurm sweep directory cannot hold a backslash or a line break",
                        shell_quote(out.string())),
            "Slurm cannot name the array tasks' --output files there; choose another DIR"));
        return kExitInvalid;
    }
    if (plan.scenario.find_first_of("\t\n\r") != std::string::npos) {
        print_diagnostic(cli_error(
            fmt::format("{}: a --slurm scenario path cannot hold a tab or a line break (points.tsv)",
                        shell_quote(plan.scenario))));
        return kExitInvalid;
    }
    try {
        // Slurm opens --output itself and does not create its directory.
        std::filesystem::create_directories(out / "points");
        write_file_atomically(out / kPointsFile, [&](std::ostream& o) {
            o << "# daxsim sweep points: the index, then KEY=VALUE per grid key (tab-separated)\n";
            o << "scenario\t" << plan.scenario << '\n';
            for (std::size_t i = 0; i < plan.points.size(); ++i) {
                o << i;
                for (std::size_t k = 0; k < plan.axes.size(); ++k)
                    o << '\t' << plan.axes[k].key << '=' << plan.points[i][k];
                o << '\n';
            }
        });
        write_file_atomically(out / "sweep.sbatch", [&](std::ostream& o) {
            o << "#!/bin/sh\n"
              << "#SBATCH --job-name=daxsim-sweep\n"
              << "#SBATCH --array=0-" << plan.points.size() - 1 << '\n'
              << "#SBATCH --ntasks=1\n"
              << "#SBATCH --cpus-per-task=1\n"
              << "#SBATCH --output=" << sbatch_output(out / "points") << '\n'
              << "# Written by `daxsim sweep --slurm` for " << plan.scenario << ": " << plan.points.size()
              << " points (" << kPointsFile << ").\n"
              << "# Each array task runs one point; then `daxsim sweep --collect DIR` writes sweep.csv.\n"
              << "exec " << shell_quote(self.string()) << " sweep --point \"$SLURM_ARRAY_TASK_ID\" "
              << shell_quote(out.string()) << '\n';
        });
        std::filesystem::permissions(out / "sweep.sbatch", std::filesystem::perms::owner_exec,
                                     std::filesystem::perm_options::add);
    } catch (const std::exception& e) {
        fmt::print(stderr, "daxsim: error: sweep: {}\n", e.what());
        return kExitFail;
    }
    fmt::print("{} points -> {}\nsubmit:  sbatch {}\ncollect: {} sweep --collect {}\n", plan.points.size(),
               (out / kPointsFile).string(), shell_quote((out / "sweep.sbatch").string()),
               shell_quote(self.string()), shell_quote(out.string()));
    return kExitPass;
}

int run_sweep_point(const std::filesystem::path& sweep_dir, std::size_t index,
                    const std::filesystem::path& self) {
    auto pf = read_points_file(sweep_dir);
    if (!pf) {
        print_diagnostic(pf.error());
        return kExitInvalid;
    }
    const auto& points = pf.value().points;
    if (index >= points.size()) {
        print_diagnostic(
            cli_error(fmt::format("--point {}: the sweep has points 0 to {}", index, points.size() - 1)));
        return kExitInvalid;
    }
    const auto dir = sweep_dir / "points" / point_dir_name(index);
    int code = kExitFail;
    try {
        std::filesystem::create_directories(dir);
        std::filesystem::remove(dir / "results.json"); // stale files from an earlier run of this point
        std::filesystem::remove(dir / kExitStatusFile);
        const pid_t pid = spawn_point(self, pf.value().scenario, pf.value().axes, points[index], dir);
        if (pid < 0) throw std::runtime_error("fork failed");
        int raw = 0;
        if (::waitpid(pid, &raw, 0) < 0) throw std::runtime_error("waitpid failed");
        code = exit_code_of(raw);
        // --collect reads the status from here: a point that crashed before results.json is an error,
        // not a missing point.
        write_file_atomically(dir / kExitStatusFile, [&](std::ostream& o) { o << code << '\n'; });
    } catch (const std::exception& e) {
        fmt::print(stderr, "daxsim: error: sweep --point {}: {}\n", index, e.what());
        return kExitFail;
    }
    fmt::print("point {}: {} (exit {}): {}\n", index, point_status(code), code, dir.string());
    return code;
}

// The exit status of a point run by --point, or failing that the status in its results.json; none:
// the point never ran.
std::optional<int> collected_exit_code(const std::filesystem::path& dir) {
    if (std::ifstream in(dir / kExitStatusFile); in) {
        int code = 0;
        if (in >> code) return code;
    }
    std::ifstream in(dir / "results.json");
    if (!in) return std::nullopt;
    const auto j = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
    if (j.is_object() && j.contains("status") && j["status"] == "pass") return kExitPass;
    return kExitFail;
}

int collect_sweep(const std::filesystem::path& sweep_dir) {
    auto pf = read_points_file(sweep_dir);
    if (!pf) {
        print_diagnostic(pf.error());
        return kExitInvalid;
    }
    const auto& points = pf.value().points;
    std::vector<SweepPointResult> results(points.size());
    std::size_t failed = 0;
    std::size_t missing = 0;
    for (std::size_t i = 0; i < points.size(); ++i) {
        const auto dir = sweep_dir / "points" / point_dir_name(i);
        results[i].values = points[i];
        results[i].exit_code = collected_exit_code(dir);
        if (!results[i].exit_code) {
            ++missing;
            continue;
        }
        results[i].metrics = read_metrics(dir / "results.json");
        if (*results[i].exit_code != kExitPass) ++failed;
    }
    const auto csv = sweep_dir / "sweep.csv";
    try {
        write_file_atomically(csv, [&](std::ostream& o) { o << format_sweep_csv(pf.value().axes, results); });
    } catch (const std::exception& e) {
        fmt::print(stderr, "daxsim: error: sweep --collect: {}\n", e.what());
        return kExitFail;
    }
    fmt::print("{} points, {} passed, {} failed, {} missing: {}\n", points.size(),
               points.size() - failed - missing, failed, missing, csv.string());
    return failed == 0 && missing == 0 ? kExitPass : kExitFail;
}

} // namespace

int sweep_command(const SweepArgs& args, const std::filesystem::path& self) {
    const bool grid_run = !args.file.empty() || !args.grids.empty() || args.jobs || args.out || args.slurm;
    if (args.collect) {
        if (grid_run || args.point) {
            print_diagnostic(cli_error("--collect DIR takes no FILE, --grid, -j, --out, --slurm or --point"));
            return kExitInvalid;
        }
        return collect_sweep(*args.collect);
    }
    if (args.point) {
        if (args.file.empty() || !args.grids.empty() || args.jobs || args.out || args.slurm) {
            print_diagnostic(cli_error("--point I takes only the sweep DIR that --slurm wrote"));
            return kExitInvalid;
        }
        return run_sweep_point(args.file, *args.point, self);
    }
    auto plan = plan_sweep(args);
    if (!plan) return kExitInvalid;
    if (args.slurm) {
        if (args.jobs) {
            print_diagnostic(cli_error("-j does not apply to --slurm: Slurm runs one point per array task"));
            return kExitInvalid;
        }
        return write_slurm_sweep(*plan, self);
    }
    return run_local(*plan, args.jobs.value_or(std::max(1u, std::thread::hardware_concurrency())), self);
}

} // namespace daxsim::scenarios
