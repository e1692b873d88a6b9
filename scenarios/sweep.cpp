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
        fields.emplace_back(point_status(p.exit_code));
        fields.push_back(fmt::format("{}", p.exit_code));
        for (const auto& name : metric_names) {
            const auto it = p.metrics.find(name);
            fields.push_back(it == p.metrics.end() ? std::string{} : it->second);
        }
        row(fields);
    }
    return out;
}

int sweep_command(const SweepArgs& args, const std::filesystem::path& self) {
    auto print = [](const Diagnostic& d) { fmt::print(stderr, "{}\n", d.format()); };
    // Everything is checked before the first point starts: the scenario, the grids, every point's machine.
    auto file = load_scenario(args.file);
    if (!file) {
        print(file.error());
        return kExitInvalid;
    }
    const ParsedScenario parsed = parse_steps(file.value());
    if (!parsed.errors.empty()) {
        for (const auto& d : parsed.errors)
            print(d);
        return kExitInvalid;
    }
    auto axes = parse_grids(args.grids);
    if (!axes) {
        print(axes.error());
        return kExitInvalid;
    }
    if (args.jobs && *args.jobs == 0) {
        print(cli_error("-j must be at least 1"));
        return kExitInvalid;
    }
    const auto points = grid_points(axes.value());
    for (const auto& values : points) {
        std::vector<std::string> sets;
        for (std::size_t i = 0; i < values.size(); ++i)
            sets.push_back(axes.value()[i].key + "=" + values[i]);
        if (auto config = build_config(file.value().platform, sets); !config) {
            print(config.error());
            return kExitInvalid;
        }
    }
    const std::filesystem::path out =
        args.out ? std::filesystem::path(*args.out)
                 : std::filesystem::path("sweep-" + std::filesystem::path(args.file).stem().string());
    const std::string scenario_path = std::filesystem::absolute(args.file).string();
    const unsigned jobs = args.jobs.value_or(std::max(1u, std::thread::hardware_concurrency()));

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
                const pid_t pid = spawn_point(self, scenario_path, axes.value(), points[next], dir);
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
                              [&](std::ostream& o) { o << format_sweep_csv(axes.value(), results); });
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

} // namespace daxsim::scenarios
