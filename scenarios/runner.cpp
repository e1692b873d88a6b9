// mm_types.h comes first: glibc's <signal.h> (pulled in by C library headers) would rename siginfo's
// fields. Signal, open, mmap and prctl constants are the C library's macros, so they are unqualified.
#include "guest_api/mm/mm_types.h"

#include "scenarios/runner.h"

#include <cerrno>

#include <fmt/format.h>

#include "guest_api/fs/xfs/xfs_check.h"
#include "guest_api/kernel/kernel.h"
#include "guest_api/mm/memory_failure.h"
#include "guest_api/syscalls.h"
#include "platform/machine.h"
#include "scenarios/atomic_file.h"
#include "scenarios/vcd_writer.h"
#include "scenarios/chrome_trace.h"
#include "scenarios/output.h"
#include "scenarios/session.h"
#include "scenarios/tools_ras.h"

namespace daxsim::scenarios {
namespace {

// Expectations that are "about" a failed step: when one follows, the failure was the point.
bool about_failure(const Step& s) {
    const std::string_view n = s.command.name();
    return n == "expect errno" || n == "expect signal" || n == "expect killed" || n == "expect output" ||
           n == "expect dmesg";
}

// What the shell prints when a foreground job dies of a signal.
std::string shell_signal_text(int sig) {
    using namespace daxsim::kernel; // SIGBUS & co. are kernel constants, or glibc macros where <signal.h>
                                    // came in
    switch (sig) {
    case SIGBUS:
        return "Bus error";
    case SIGKILL:
        return "Killed";
    case SIGSEGV:
        return "Segmentation fault";
    default:
        return fmt::format("Terminated by signal {}", sig);
    }
}

class StepRunner {
  public:
    StepRunner(GuestSystem& guest, Tracer& tracer, const RunOptions& options, RunRecord& rec)
        : guest_(guest), tracer_(tracer), options_(options), rec_(rec) {}

    void run(std::span<const Step> steps) {
        if (const int r = k().boot(); r < 0) {
            rec_.error = fmt::format("kernel boot failed: {}", strerror_text(-r));
            return;
        }
        std::optional<std::size_t> last_command;
        for (std::size_t i = 0; i < steps.size(); ++i) {
            const Step& step = steps[i];
            if (options_.on_step) options_.on_step(i, steps.size(), step, k().now_ns());
            // A CMCI raised by the previous step is taken now; the action-optional reports it (or a scrub)
            // queued run next, in process context.
            deliver_cmci(guest_.session(), guest_.machine().ras());
            kernel::memory_failure_work_func(k());
            if (step.is_expect()) {
                ExpectationRecord e = evaluate_expectation(guest_.session(), step,
                                                           last_command ? &rec_.steps[*last_command] : nullptr);
                if (!options_.quiet)
                    fmt::print("{}: {}: {}\n", e.pass ? "pass" : "FAIL", step.source.text, e.detail);
                rec_.expectations.push_back(std::move(e));
                continue;
            }
            // A power cycle replaces the kernel and every task: it runs in no task of the old kernel.
            StepRecord sr = step.command.name() == "powerfail" && step.command.spec->implemented
                                ? run_powerfail_step(step)
                                : run_command(step);
            if (sr.outcome != "ok")
                for (std::size_t j = i + 1; j < steps.size() && steps[j].is_expect(); ++j)
                    if (about_failure(steps[j])) sr.failure_expected = true;
            tracer_.complete("steps", step.source.text, sr.sim_start_ns, sr.sim_end_ns - sr.sim_start_ns,
                             {{"line", std::to_string(sr.line)}, {"outcome", sr.outcome}});
            rec_.steps.push_back(std::move(sr));
            last_command = rec_.steps.size() - 1;
        }
        deliver_cmci(guest_.session(), guest_.machine().ras());
        kernel::memory_failure_work_func(k());
    }

  private:
    kernel::Kernel& k() { return guest_.kernel(); }

    StepRecord run_powerfail_step(const Step& step) {
        StepRecord sr;
        sr.line = step.source.line;
        sr.text = step.source.text;
        if (!options_.quiet) fmt::print("$ {}\n", step.source.text);
        StepExec ex;
        ex.quiet = options_.quiet;
        sr.sim_start_ns = k().now_ns();
        run_powerfail(guest_, ex);
        if (ex.err != 0) {
            sr.outcome = "failed";
            sr.error = errno_string(ex.err);
            sr.detail = ex.detail;
        }
        sr.sim_end_ns = k().now_ns();
        sr.output = std::move(ex.lines);
        return sr;
    }

    StepRecord run_command(const Step& step) {
        StepRecord sr;
        sr.line = step.source.line;
        sr.text = step.source.text;
        sr.task = step.task.value_or("");
        if (!options_.quiet) fmt::print("$ {}\n", step.source.text);
        StepExec ex;
        ex.quiet = options_.quiet;
        TaskState fresh;
        if (step.task) {
            ex.state = &guest_.session().named_task(*step.task);
            ex.persistent = true;
        } else {
            // A plain command is a process of its own that exits after it, as from a shell.
            const std::string_view name = step.command.name();
            fresh.task = kernel::sys_spawn(k(), std::string(name.substr(0, name.find(' '))));
            ex.state = &fresh;
        }
        sr.sim_start_ns = k().now_ns();
        if (!step.command.spec->implemented)
            ex.fail(ENOSYS, fmt::format("{}: not supported yet in this build", step.command.name()));
        else if (step.command.name() == "xfs_io")
            run_xfs_io(guest_.session(), step.command, ex);
        else if (step.command.name() == "patrol-scrub")
            run_patrol_scrub(guest_.session(), guest_.machine().ras(), ex);
        else
            run_admin_command(guest_.session(), step.command, ex);
        kernel::task_struct* t = ex.task();
        if (t->exited && t->killed_by) {
            sr.outcome = "signalled";
            sr.detail = shell_signal_text(*t->killed_by);
            ex.print(sr.detail);
        } else if (ex.err != 0) {
            sr.outcome = "failed";
            sr.error = errno_string(ex.err);
            sr.detail = ex.detail;
        }
        if (!step.task && !t->exited) kernel::do_exit(k(), t, 0);
        sr.sim_end_ns = k().now_ns();
        sr.output = std::move(ex.lines);
        return sr;
    }

    GuestSystem& guest_;
    Tracer& tracer_;
    const RunOptions& options_;
    RunRecord& rec_;
};

} // namespace

RunRecord run_scenario(const ScenarioFile& file, std::span<const Step> steps, const MachineConfig& config,
                       const RunOptions& options) {
    RunRecord rec;
    rec.name = file.name;
    rec.description = file.description;
    rec.file = file.file;
    rec.seed = options.seed;
    rec.parameters = effective_params(config);
    ChromeTraceWriter trace;
    VcdWriter waves;
    TeeTracer both(trace, waves);
    NullTracer null;
    Tracer& tracer = !options.out_dir ? static_cast<Tracer&>(null)
                     : options.vcd    ? static_cast<Tracer&>(both)
                                      : static_cast<Tracer&>(trace);
    {
        platform::Machine machine(config.platform, tracer);
        // The kernel and the session, rebuilt over the same machine by a `powerfail` step.
        GuestSystem guest(config.kernel, machine, tracer, options.quiet);
        machine.run([&] {
            try {
                StepRunner(guest, tracer, options, rec).run(steps);
            } catch (const std::exception& e) {
                rec.error = e.what();
            } catch (...) {
                rec.error = "unknown exception";
            }
            // xfs_repair -n on every XFS still mounted after the last step: a problem fails the run.
            if (rec.error.empty()) rec.fsck = kernel::xfs_check_mounts(guest.kernel());
            // Collected here, inside the simulation thread, where every port call is legal.
            rec.metrics = guest.session().metrics();
        });
        for (const auto& [layer, ns] : guest.layer_totals())
            rec.layers[layer] = ns;
        rec.dmesg = guest.dmesg();
    }
    if (options.out_dir) {
        write_file_atomically(*options.out_dir / "trace.json", [&](std::ostream& out) { trace.write(out); });
        if (options.vcd)
            write_file_atomically(*options.out_dir / "waves.vcd", [&](std::ostream& out) { waves.write(out); });
        write_results(*options.out_dir, rec);
    }
    return rec;
}

} // namespace daxsim::scenarios
