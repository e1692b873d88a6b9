// Static checks of step order, before anything runs: what can be known from the text alone (a mount
// of a device no mkfs.xfs has touched, a file outside every mount, an expectation with nothing before
// it). What depends on the simulation (a namespace's name, whether a mount succeeded) is left to it.
#include <set>

#include <fmt/format.h>

#include "scenarios/commands.h"

namespace daxsim::scenarios {
namespace {

std::string normalize_dir(std::string dir) {
    while (dir.size() > 1 && dir.back() == '/')
        dir.pop_back();
    return dir;
}

bool under(const std::string& path, const std::string& dir) {
    return path == dir || (path.starts_with(dir) && (dir == "/" || path[dir.size()] == '/'));
}

class OrderChecker {
  public:
    explicit OrderChecker(std::vector<Diagnostic>& errors) : errors_(errors) {}

    void step(const Step& s) {
        const ParsedCommand& c = s.command;
        const std::string_view name = c.name();
        if (s.is_expect()) {
            if (!seen_command_)
                errors_.push_back({s.at(c.offset), "an expectation with nothing before it",
                                   "expectations check the steps above them; put a command first"});
            return;
        }
        seen_command_ = true;
        if (name == "mkfs.xfs") {
            formatted_.insert(c.args.at(0).text);
        } else if (name == "mount") {
            const Value& dev = c.args.at(0);
            if (!formatted_.count(dev.text))
                errors_.push_back({s.at(dev.offset),
                                   fmt::format("mount of {} before any mkfs.xfs on it", dev.text),
                                   fmt::format("add a step 'mkfs.xfs {}' before it", dev.text)});
            mounts_.insert(normalize_dir(c.args.at(1).text));
        } else if (name == "umount") {
            mounts_.erase(normalize_dir(c.args.at(0).text));
        } else if (name == "powerfail") {
            mounts_.clear(); // the machine restarts with file systems unmounted
        } else if (name == "xfs_io" || name == "rm" || name == "madvise-hwpoison" || name == "setfattr" ||
                   name == "getfattr") {
            need_mounted(s, c.args.at(0));
            for (const auto& sub : c.subcommands)
                if (sub.name() == "reflink" || sub.name() == "dedupe") need_mounted(s, sub.args.at(0));
        } else if (name == "cp") {
            need_mounted(s, c.args.at(0));
            need_mounted(s, c.args.at(1));
        } else if (name == "inject poison") {
            if (const Value* f = c.option("--file")) need_mounted(s, *f);
            if (const Value* d = c.option("--fs")) need_mounted(s, *d);
        }
    }

    void expectation_paths(const Step& s) {
        const std::string_view name = s.command.name();
        if (name == "expect data" || name == "expect same" || name == "expect shared" ||
            name == "expect unshared") {
            need_mounted(s, s.command.args.at(0));
            if (name != "expect data") need_mounted(s, s.command.args.at(1));
        } else if (name == "expect consistent") {
            need_mounted(s, s.command.args.at(0));
        }
    }

  private:
    void need_mounted(const Step& s, const Value& path) {
        if (path.text.starts_with("/dev/")) return; // device nodes need no file system
        for (const auto& m : mounts_)
            if (under(path.text, m)) return;
        errors_.push_back({s.at(path.offset), fmt::format("{} is not under a mounted file system", path.text),
                           mounts_.empty() ? std::string("mount a file system first: mount -o dax DEV DIR")
                                           : fmt::format("mounted: {}", fmt::join(mounts_, ", "))});
    }

    std::vector<Diagnostic>& errors_;
    bool seen_command_ = false;
    std::set<std::string> formatted_;
    std::set<std::string> mounts_;
};

} // namespace

void check_step_order(std::span<const Step> steps, std::vector<Diagnostic>& errors) {
    OrderChecker checker(errors);
    for (const auto& s : steps) {
        checker.step(s);
        checker.expectation_paths(s);
    }
}

} // namespace daxsim::scenarios
