// The table of every command, xfs_io subcommand and expectation (DESIGN.md "Scenario files").
// docs/scenario-language.md describes the same table for users; keep them in step.
#include <charconv>

#include <fmt/format.h>

#include "scenarios/commands.h"

namespace daxsim::scenarios {
namespace {

using K = ArgKind;

OptionSpec flag(std::string_view name, std::string_view alias = {}) {
    return OptionSpec{name, alias, false, K::word, {}, false};
}
OptionSpec opt(std::string_view name, K kind, std::vector<std::string_view> choices = {},
               std::string_view alias = {}) {
    return OptionSpec{name, alias, true, kind, std::move(choices), false};
}
ArgSpec arg(std::string_view name, K kind, std::vector<std::string_view> choices = {}) {
    return ArgSpec{name, kind, false, std::move(choices)};
}
ArgSpec optional_arg(std::string_view name, K kind, std::vector<std::string_view> choices = {}) {
    return ArgSpec{name, kind, true, std::move(choices)};
}

// All-or-none for trailing optional arguments: `reflink SRC [SOFF DOFF LEN]` takes 1 or 4.
CrossCheck optional_group(std::size_t required, std::size_t total, std::string_view names) {
    return [=](const ParsedCommand& c, std::size_t end) -> std::optional<CrossCheckError> {
        if (c.args.size() == required || c.args.size() == total) return std::nullopt;
        return CrossCheckError{end, fmt::format("'{}' takes {} together or none of them", c.name(), names),
                               fmt::format("usage: {}", c.spec->usage)};
    };
}

// expect shared / unshared: FILE1 FILE2, then nothing, OFF LEN (same range in both) or OFF1 OFF2 LEN.
CrossCheck range_pair_group() {
    return [](const ParsedCommand& c, std::size_t end) -> std::optional<CrossCheckError> {
        if (c.args.size() == 2 || c.args.size() == 4 || c.args.size() == 5) return std::nullopt;
        return CrossCheckError{end,
                               fmt::format("'{}' takes OFF LEN or OFF1 OFF2 LEN after the files", c.name()),
                               fmt::format("usage: {}", c.spec->usage)};
    };
}

// A temperature as ndctl inject-smart takes it: degrees Celsius, a decimal ("52", "-5.5") that fits the
// DSM's 1/16 degree field.
std::optional<double> smart_celsius(std::string_view text) {
    double c = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), c);
    if (ec != std::errc{} || end != text.data() + text.size() || !(c >= -2047.9375 && c <= 2047.9375))
        return std::nullopt;
    return c;
}

// ndctl inject-smart (ndctl/inject-smart.c smart_init): an operation is required, a value and its
// uninject do not go together, and values must fit the DSM's fields (temperatures in 1/16 C with 15 bits
// of magnitude, spares a percentage).
CrossCheck inject_smart_check() {
    return [](const ParsedCommand& p, std::size_t end) -> std::optional<CrossCheckError> {
        constexpr std::string_view usage =
            "usage: ndctl inject-smart nmemN [options]; see `daxsim help ndctl inject-smart`";
        for (std::string_view t : {"--media-temperature", "--media-temperature-threshold",
                                   "--ctrl-temperature", "--ctrl-temperature-threshold"})
            if (const Value* v = p.option(t); v && !smart_celsius(v->text))
                return CrossCheckError{
                    v->offset,
                    fmt::format("{} '{}' is not a temperature in degrees Celsius (-2047.9375 to 2047.9375)",
                                t, v->text),
                    std::string(usage)};
        for (std::string_view s : {"--spares", "--spares-threshold"})
            if (const Value* v = p.option(s); v && v->number > 100)
                return CrossCheckError{v->offset,
                                       fmt::format("{} {} is not a percentage (0 to 100)", s, v->text),
                                       std::string(usage)};
        for (std::string_view kind :
             {"media-temperature", "ctrl-temperature", "spares", "fatal", "unsafe-shutdown"}) {
            const std::string inject = fmt::format("--{}", kind);
            const std::string uninject = fmt::format("--{}-uninject", kind);
            if (p.has(inject) && p.has(uninject)) {
                const Value* v = p.option(uninject);
                return CrossCheckError{v->option_offset,
                                       fmt::format("cannot use {} and {} together", inject, uninject),
                                       std::string(usage)};
            }
        }
        bool any = false;
        for (const auto& o : p.spec->options)
            if (o.name != "--human" && p.has(o.name)) any = true;
        if (any) return std::nullopt;
        return CrossCheckError{end, "ndctl inject-smart: no valid operation specified", std::string(usage)};
    };
}

std::vector<CommandSpec> make_commands() {
    std::vector<CommandSpec> c;
    // --- ndctl ---------------------------------------------------------------------------------------
    c.push_back({"ndctl create-namespace",
                 "ndctl create-namespace --mode=fsdax|devdax [--region=regionN] [--size=S] [--map=dev|mem] "
                 "[--align=A]",
                 "create a namespace on a region; prints its JSON as ndctl does",
                 {opt("--mode", K::choice, {"fsdax", "devdax"}, "-m"), opt("--region", K::region, {}, "-r"),
                  opt("--size", K::size, {}, "-s"), opt("--map", K::choice, {"dev", "mem"}, "-M"),
                  opt("--align", K::size, {}, "-a"), flag("--force", "-f")},
                 {},
                 false,
                 {},
                 true,
                 nullptr});
    c.push_back({"ndctl destroy-namespace",
                 "ndctl destroy-namespace NS -f",
                 "destroy a namespace",
                 {flag("--force", "-f")},
                 {arg("NS", K::namespace_dev)},
                 false,
                 {},
                 true,
                 [](const ParsedCommand& p, std::size_t end) -> std::optional<CrossCheckError> {
                     if (p.has("--force")) return std::nullopt;
                     return CrossCheckError{
                         end, "ndctl destroy-namespace needs -f (--force) to destroy an active namespace",
                         "usage: ndctl destroy-namespace NS -f"};
                 }});
    c.push_back(
        {"ndctl list",
         "ndctl list [-N|-R|-D [-H] [-d nmemN]] [--media-errors]",
         "print namespaces, regions or DIMMs (with their health) as JSON",
         {flag("--namespaces", "-N"), flag("--regions", "-R"), flag("--dimms", "-D"), flag("--health", "-H"),
          opt("--dimm", K::dimm, {}, "-d"), flag("--media-errors", "-M"), flag("--human", "-u")},
         {},
         false,
         {},
         true,
         nullptr});
    c.push_back({"ndctl inject-error",
                 "ndctl inject-error NS -B BLOCK [-n COUNT]",
                 "poison 512 B blocks of a namespace and notify the kernel (badblocks)",
                 {opt("--block", K::number, {}, "-B"), opt("--count", K::number, {}, "-n"),
                  flag("--no-notify", "-N")},
                 {arg("NS", K::namespace_dev)},
                 false,
                 {},
                 true,
                 [](const ParsedCommand& p, std::size_t end) -> std::optional<CrossCheckError> {
                     if (p.has("--block")) return std::nullopt;
                     return CrossCheckError{end, "ndctl inject-error needs -B BLOCK",
                                            "usage: ndctl inject-error NS -B BLOCK [-n COUNT]"};
                 }});
    c.push_back(
        {"ndctl inject-smart",
         "ndctl inject-smart nmemN [-m C] [-M C] [-c C] [-C C] [-s P] [-S P] [--ALARM-alarm=on|off] "
         "[-f] [-U] [--KIND-uninject] [-N]",
         "inject DIMM health values (SMART) and set alarm thresholds; prints the DIMM's health",
         {opt("--media-temperature", K::word, {}, "-m"),
          opt("--media-temperature-threshold", K::word, {}, "-M"),
          opt("--media-temperature-alarm", K::choice, {"on", "off"}), flag("--media-temperature-uninject"),
          opt("--ctrl-temperature", K::word, {}, "-c"),
          opt("--ctrl-temperature-threshold", K::word, {}, "-C"),
          opt("--ctrl-temperature-alarm", K::choice, {"on", "off"}), flag("--ctrl-temperature-uninject"),
          opt("--spares", K::number, {}, "-s"), opt("--spares-threshold", K::number, {}, "-S"),
          opt("--spares-alarm", K::choice, {"on", "off"}), flag("--spares-uninject"), flag("--fatal", "-f"),
          flag("--fatal-uninject", "-F"), flag("--unsafe-shutdown", "-U"), flag("--unsafe-shutdown-uninject"),
          flag("--uninject-all", "-N"), flag("--human", "-u")},
         {arg("DIMM", K::dimm)},
         false,
         {},
         true,
         inject_smart_check()});
    c.push_back({"ndctl clear-errors",
                 "ndctl clear-errors NS",
                 "clear the known media errors of a namespace",
                 {},
                 {arg("NS", K::namespace_dev)},
                 false,
                 {},
                 true,
                 nullptr});
    c.push_back({"ndctl start-scrub",
                 "ndctl start-scrub",
                 "address range scrub (ARS) of every region now",
                 {},
                 {},
                 false,
                 {},
                 true,
                 nullptr});
    c.push_back({"ndctl wait-scrub",
                 "ndctl wait-scrub",
                 "wait for the scrub (start-scrub already completes it)",
                 {},
                 {},
                 false,
                 {},
                 true,
                 nullptr});
    // --- dmsetup ---------------------------------------------------------------------------------------
    c.push_back({"dmsetup create",
                 "dmsetup create NAME --table \"START LEN linear DEV OFF\"",
                 "create a device-mapper device (linear, striped; 512 B sectors)",
                 {opt("--table", K::dm_table)},
                 {arg("NAME", K::word)},
                 false,
                 {},
                 true,
                 [](const ParsedCommand& p, std::size_t end) -> std::optional<CrossCheckError> {
                     if (p.has("--table")) return std::nullopt;
                     return CrossCheckError{
                         end, "dmsetup create needs --table \"...\"",
                         "usage: dmsetup create NAME --table \"START LEN linear DEV OFF\""};
                 }});
    c.push_back({"dmsetup remove",
                 "dmsetup remove NAME",
                 "remove a device-mapper device",
                 {},
                 {arg("NAME", K::word)},
                 false,
                 {},
                 true,
                 nullptr});
    // --- file system -------------------------------------------------------------------------------------
    c.push_back({"mkfs.xfs",
                 "mkfs.xfs [-f] [-m reflink=1,rmapbt=1] [-d agcount=N,su=S,sw=N] [-l logdev=DEV[,size=S]] "
                 "[-b size=N] DEV",
                 "make an XFS file system",
                 {flag("-f"), opt("-m", K::mkfs_meta), opt("-d", K::mkfs_data), opt("-l", K::mkfs_data),
                  opt("-b", K::mkfs_block)},
                 {arg("DEV", K::device)},
                 false,
                 {},
                 true,
                 nullptr});
    c.push_back({"mount",
                 "mount [-t xfs] -o dax[=always][,logdev=DEV] DEV DIR",
                 "mount a file system",
                 {opt("-o", K::mount_options), opt("-t", K::choice, {"xfs"})},
                 {arg("DEV", K::device), arg("DIR", K::path)},
                 false,
                 {},
                 true,
                 nullptr});
    c.push_back({"umount",
                 "umount DIR",
                 "unmount a file system",
                 {},
                 {arg("DIR", K::path)},
                 false,
                 {},
                 true,
                 nullptr});
    c.push_back({"xfs_io",
                 "xfs_io [-f] [-r] -c \"CMD\" ... FILE",
                 "file operations as xfs_io does them",
                 {flag("-f"), flag("-r"), OptionSpec{"-c", {}, true, K::xfs_io_command, {}, true}},
                 {arg("FILE", K::path)},
                 false,
                 {},
                 true,
                 nullptr});
    // --- coreutils
    // ------------------------------------------------------------------------------------------
    c.push_back({"cp",
                 "cp --reflink=always SRC DST",
                 "copy a file; --reflink=always shares its blocks (FICLONE)",
                 {opt("--reflink", K::choice, {"always", "auto", "never"})},
                 {arg("SRC", K::path), arg("DST", K::path)},
                 false,
                 {},
                 true,
                 nullptr});
    c.push_back({"rm",
                 "rm [-f] FILE",
                 "unlink a file",
                 {flag("-f")},
                 {arg("FILE", K::path)},
                 false,
                 {},
                 true,
                 nullptr});
    c.push_back({"sync", "sync", "write back every file system", {}, {}, false, {}, true, nullptr});
    // --- attr (setfattr / getfattr) ---------------------------------------------------------------------
    c.push_back(
        {"setfattr",
         "setfattr -n NAME [-v VALUE] [--size=SIZE] FILE | setfattr -x NAME FILE",
         "set (setxattr) or remove (-x, removexattr) an extended attribute",
         {opt("--name", K::word, {}, "-n"), opt("--value", K::word, {}, "-v"),
          opt("--remove", K::word, {}, "-x"), opt("--size", K::size)},
         {arg("FILE", K::path)},
         false,
         {},
         true,
         [](const ParsedCommand& p, std::size_t end) -> std::optional<CrossCheckError> {
             const std::string usage = "usage: setfattr -n NAME [-v VALUE] FILE | setfattr -x NAME FILE";
             if (p.has("--name") == p.has("--remove"))
                 return CrossCheckError{p.has("--remove") ? p.option("--remove")->option_offset : end,
                                        "setfattr needs exactly one of -n NAME and -x NAME", usage};
             if (p.has("--remove") && (p.has("--value") || p.has("--size")))
                 return CrossCheckError{p.option("--remove")->option_offset, "setfattr -x takes no value",
                                        usage};
             if (const Value* size = p.option("--size")) {
                 if (!p.has("--value"))
                     return CrossCheckError{size->option_offset, "--size repeats -v VALUE: give -v", usage};
                 if (p.option("--value")->text.empty() && size->number != 0)
                     return CrossCheckError{size->offset, "--size needs a non-empty -v VALUE", usage};
                 if (size->number > 65536)
                     return CrossCheckError{size->offset, "an attribute value is at most 64 KiB",
                                            "XATTR_SIZE_MAX: larger values fail with E2BIG"};
             }
             return std::nullopt;
         }});
    c.push_back({"getfattr",
                 "getfattr -n NAME [-e text|hex] FILE",
                 "print an extended attribute's value (getxattr)",
                 {opt("--name", K::word, {}, "-n"), opt("--encoding", K::choice, {"text", "hex"}, "-e"),
                  flag("--only-values")},
                 {arg("FILE", K::path)},
                 false,
                 {},
                 true,
                 [](const ParsedCommand& p, std::size_t end) -> std::optional<CrossCheckError> {
                     if (p.has("--name")) return std::nullopt;
                     return CrossCheckError{end,
                                            "getfattr needs -n NAME (daxsim does not dump every attribute)",
                                            "usage: getfattr -n NAME FILE"};
                 }});
    // --- kill policy
    // ----------------------------------------------------------------------------------------
    c.push_back({"prctl",
                 "prctl TASK PR_MCE_KILL early|late|default",
                 "set a task's machine-check kill policy",
                 {},
                 {arg("TASK", K::task), arg("OPTION", K::choice, {"PR_MCE_KILL"}),
                  arg("POLICY", K::choice, {"early", "late", "default"})},
                 false,
                 {},
                 true,
                 nullptr});
    c.push_back({"sysctl",
                 "sysctl [-w] vm.memory_failure_early_kill=0|1",
                 "set a kernel tunable",
                 {flag("-w")},
                 {arg("NAME=VALUE", K::sysctl_assign)},
                 false,
                 {},
                 true,
                 nullptr});
    // --- failures
    // -------------------------------------------------------------------------------------------
    c.push_back(
        {"inject poison",
         "inject poison --spa ADDR | --dimm nmemN --dpa ADDR | --file PATH --offset OFF [--attr] | --fs DIR "
         "--meta "
         "KIND [--ag N] "
         "[--len N]",
         "poison media silently (like ndctl inject-error --no-notify)",
         {opt("--spa", K::size), opt("--dimm", K::dimm), opt("--dpa", K::size), opt("--file", K::path),
          opt("--offset", K::size), flag("--attr"), opt("--fs", K::path),
          opt("--meta", K::choice,
              {"sb", "agf", "agi", "bnobt", "cntbt", "inobt", "rmapbt", "refcountbt", "inode", "log"}),
          opt("--ag", K::number), opt("--len", K::size)},
         {},
         false,
         {},
         true,
         [](const ParsedCommand& p, std::size_t end) -> std::optional<CrossCheckError> {
             const int targets = p.has("--spa") + p.has("--dimm") + p.has("--file") + p.has("--fs");
             const std::string usage = "use one of --spa ADDR, --dimm nmemN --dpa ADDR, --file PATH --offset "
                                       "OFF, --fs DIR --meta KIND";
             if (targets != 1)
                 return CrossCheckError{targets == 0 ? end : p.offset,
                                        targets == 0 ? "inject poison needs a target"
                                                     : "inject poison takes exactly one target",
                                        usage};
             auto needs = [&](std::string_view a, std::string_view b) -> std::optional<CrossCheckError> {
                 if (p.has(a) && !p.has(b))
                     return CrossCheckError{p.option(a)->option_offset, fmt::format("{} needs {}", a, b),
                                            usage};
                 if (!p.has(a) && p.has(b))
                     return CrossCheckError{p.option(b)->option_offset, fmt::format("{} goes with {}", b, a),
                                            usage};
                 return std::nullopt;
             };
             if (auto e = needs("--dimm", "--dpa")) return e;
             if (auto e = needs("--file", "--offset")) return e;
             if (auto e = needs("--fs", "--meta")) return e;
             if (p.has("--attr") && !p.has("--file"))
                 return CrossCheckError{p.option("--attr")->option_offset,
                                        "--attr goes with --file PATH --offset OFF", usage};
             if (p.has("--ag") && !p.has("--fs"))
                 return CrossCheckError{p.option("--ag")->option_offset,
                                        "--ag goes with --fs DIR --meta KIND", usage};
             if (const Value* len = p.option("--len"); len && len->number == 0)
                 return CrossCheckError{len->offset, "--len must not be 0", {}};
             return std::nullopt;
         }});
    c.push_back({"madvise-hwpoison",
                 "@TASK madvise-hwpoison FILE OFF [LEN]",
                 "madvise(MADV_HWPOISON) on the task's mapping of FILE (software-simulated memory failure)",
                 {},
                 {arg("FILE", K::path), arg("OFF", K::size), optional_arg("LEN", K::size)},
                 false,
                 {},
                 true,
                 nullptr});
    c.push_back({"patrol-scrub",
                 "patrol-scrub",
                 "one patrol-scrub pass of every memory controller",
                 {},
                 {},
                 false,
                 {},
                 true,
                 nullptr});
    c.push_back({"unbind",
                 "unbind pmemN",
                 "unbind a device from its driver (kill_dax, MF_MEM_PRE_REMOVE)",
                 {},
                 {arg("DEV", K::word)},
                 false,
                 {},
                 true,
                 nullptr});
    c.push_back({"sleep",
                 "sleep DURATION",
                 "let simulated time pass",
                 {},
                 {arg("DURATION", K::duration)},
                 false,
                 {},
                 true,
                 nullptr});
    c.push_back({"powerfail",
                 "powerfail",
                 "cut power: keep the persistence domain, lose the rest, restart",
                 {},
                 {},
                 false,
                 {},
                 true,
                 nullptr});
    // --- expectations
    // -----------------------------------------------------------------------------------------
    c.push_back({"expect ok", "expect ok", "the previous step succeeded", {}, {}, false, {}, true, nullptr});
    c.push_back({"expect errno",
                 "expect errno NAME",
                 "the previous step failed with this errno",
                 {},
                 {arg("NAME", K::errno_name)},
                 false,
                 {},
                 true,
                 nullptr});
    c.push_back({"expect signal",
                 "expect signal TASK SIGNAL [BUS_MCEERR_AR|BUS_MCEERR_AO|BUS_ADRERR] [lsb=N] [addr=VADDR]",
                 "the task received this signal",
                 {},
                 {arg("TASK", K::task), arg("SIGNAL", K::choice, {"SIGBUS", "SIGKILL", "SIGSEGV"}),
                  optional_arg("CODE", K::choice, {"BUS_MCEERR_AR", "BUS_MCEERR_AO", "BUS_ADRERR"})},
                 false,
                 {"lsb", "addr"},
                 true,
                 nullptr});
    c.push_back({"expect no-signal",
                 "expect no-signal TASK",
                 "the task received no signal",
                 {},
                 {arg("TASK", K::task)},
                 false,
                 {},
                 true,
                 nullptr});
    c.push_back({"expect killed",
                 "expect killed TASK",
                 "the task was killed",
                 {},
                 {arg("TASK", K::task)},
                 false,
                 {},
                 true,
                 nullptr});
    c.push_back({"expect alive",
                 "expect alive TASK",
                 "the task is alive",
                 {},
                 {arg("TASK", K::task)},
                 false,
                 {},
                 true,
                 nullptr});
    c.push_back({"expect shutdown",
                 "expect shutdown DIR",
                 "the file system mounted on DIR is shut down",
                 {},
                 {arg("DIR", K::path)},
                 false,
                 {},
                 true,
                 nullptr});
    c.push_back({"expect mounted",
                 "expect mounted DIR",
                 "a file system is mounted (and not shut down) on DIR",
                 {},
                 {arg("DIR", K::path)},
                 false,
                 {},
                 true,
                 nullptr});
    c.push_back({"expect data",
                 "expect data FILE OFF LEN 0xNN",
                 "every byte of the range reads back as 0xNN",
                 {},
                 {arg("FILE", K::path), arg("OFF", K::size), arg("LEN", K::size), arg("BYTE", K::byte)},
                 false,
                 {},
                 true,
                 nullptr});
    c.push_back({"expect same",
                 "expect same FILE1 FILE2",
                 "the files have identical content",
                 {},
                 {arg("FILE1", K::path), arg("FILE2", K::path)},
                 false,
                 {},
                 true,
                 nullptr});
    c.push_back({"expect shared",
                 "expect shared FILE1 FILE2 [OFF LEN | OFF1 OFF2 LEN]",
                 "the range uses the same physical blocks in both",
                 {},
                 {arg("FILE1", K::path), arg("FILE2", K::path), optional_arg("OFF", K::size),
                  optional_arg("LEN", K::size), optional_arg("LEN", K::size)},
                 false,
                 {},
                 true,
                 range_pair_group()});
    c.push_back({"expect unshared",
                 "expect unshared FILE1 FILE2 [OFF LEN | OFF1 OFF2 LEN]",
                 "no block of the range is shared between them",
                 {},
                 {arg("FILE1", K::path), arg("FILE2", K::path), optional_arg("OFF", K::size),
                  optional_arg("LEN", K::size), optional_arg("LEN", K::size)},
                 false,
                 {},
                 true,
                 range_pair_group()});
    c.push_back({"expect consistent",
                 "expect consistent DIR",
                 "xfs_repair -n finds nothing: inode forks, rmapbt, refcountbt and free space agree",
                 {},
                 {arg("DIR", K::path)},
                 false,
                 {},
                 true,
                 nullptr});
    c.push_back({"expect badblocks",
                 "expect badblocks NS COUNT",
                 "the namespace has COUNT bad 512 B blocks",
                 {},
                 {arg("NS", K::namespace_dev), arg("COUNT", K::number)},
                 false,
                 {},
                 true,
                 nullptr});
    c.push_back({"expect dmesg",
                 "expect dmesg \"REGEX\"",
                 "some dmesg line matches",
                 {},
                 {arg("REGEX", K::regex)},
                 false,
                 {},
                 true,
                 nullptr});
    c.push_back({"expect output",
                 "expect output \"REGEX\"",
                 "some line the previous step printed matches",
                 {},
                 {arg("REGEX", K::regex)},
                 false,
                 {},
                 true,
                 nullptr});
    c.push_back({"expect metric",
                 "expect metric NAME ==|!=|<|<=|>|>= VALUE[UNIT]",
                 "a metric compares as stated",
                 {},
                 {arg("NAME", K::word), arg("OP", K::choice, {"==", "!=", "<", "<=", ">", ">="}),
                  arg("VALUE", K::metric_value)},
                 false,
                 {},
                 true,
                 nullptr});
    return c;
}

std::vector<CommandSpec> make_xfs_io_commands() {
    std::vector<CommandSpec> c;
    c.push_back({"pwrite",
                 "pwrite [-S 0xNN] OFF LEN",
                 "write LEN bytes of the pattern (default 0xcd)",
                 {opt("-S", K::byte)},
                 {arg("OFF", K::size), arg("LEN", K::size)},
                 false,
                 {},
                 true,
                 nullptr});
    c.push_back({"pread",
                 "pread [-v] OFF LEN",
                 "read; -v dumps the bytes",
                 {flag("-v")},
                 {arg("OFF", K::size), arg("LEN", K::size)},
                 false,
                 {},
                 true,
                 nullptr});
    c.push_back({"mmap",
                 "mmap [-r|-w|-rw] [-S] OFF LEN",
                 "map the file range (MAP_SHARED; -S adds MAP_SYNC)",
                 {flag("-r"), flag("-w"), flag("-rw"), flag("-x"), flag("-S")},
                 {arg("OFF", K::size), arg("LEN", K::size)},
                 false,
                 {},
                 true,
                 nullptr});
    c.push_back({"mread",
                 "mread [-v] OFF LEN",
                 "load from the current mapping (file offsets)",
                 {flag("-v")},
                 {arg("OFF", K::size), arg("LEN", K::size)},
                 false,
                 {},
                 true,
                 nullptr});
    c.push_back({"mwrite",
                 "mwrite [-S 0xNN] OFF LEN",
                 "store into the current mapping (default pattern 'X')",
                 {opt("-S", K::byte)},
                 {arg("OFF", K::size), arg("LEN", K::size)},
                 false,
                 {},
                 true,
                 nullptr});
    c.push_back({"msync",
                 "msync [-a|-i|-s]",
                 "msync the current mapping; only -s is MS_SYNC",
                 {flag("-a"), flag("-i"), flag("-s")},
                 {},
                 false,
                 {},
                 true,
                 nullptr});
    c.push_back({"munmap", "munmap", "unmap the current mapping", {}, {}, false, {}, true, nullptr});
    c.push_back({"fsync", "fsync", "fsync the file", {}, {}, false, {}, true, nullptr});
    c.push_back({"falloc",
                 "falloc [-k] OFF LEN",
                 "allocate blocks (fallocate)",
                 {flag("-k")},
                 {arg("OFF", K::size), arg("LEN", K::size)},
                 false,
                 {},
                 true,
                 nullptr});
    c.push_back({"fpunch",
                 "fpunch OFF LEN",
                 "punch a hole",
                 {},
                 {arg("OFF", K::size), arg("LEN", K::size)},
                 false,
                 {},
                 true,
                 nullptr});
    c.push_back({"truncate",
                 "truncate LEN",
                 "set the file size",
                 {},
                 {arg("LEN", K::size)},
                 false,
                 {},
                 true,
                 nullptr});
    c.push_back({"reflink",
                 "reflink SRC [SOFF DOFF LEN]",
                 "share SRC's blocks (FICLONE / FICLONERANGE)",
                 {},
                 {arg("SRC", K::path), optional_arg("SOFF", K::size), optional_arg("DOFF", K::size),
                  optional_arg("LEN", K::size)},
                 false,
                 {},
                 true,
                 optional_group(1, 4, "SOFF DOFF LEN")});
    c.push_back({"dedupe",
                 "dedupe SRC SOFF DOFF LEN",
                 "share identical ranges (FIDEDUPERANGE)",
                 {},
                 {arg("SRC", K::path), arg("SOFF", K::size), arg("DOFF", K::size), arg("LEN", K::size)},
                 false,
                 {},
                 true,
                 nullptr});
    c.push_back({"funshare",
                 "funshare OFF LEN",
                 "unshare a range (FALLOC_FL_UNSHARE_RANGE)",
                 {},
                 {arg("OFF", K::size), arg("LEN", K::size)},
                 false,
                 {},
                 true,
                 nullptr});
    c.push_back(
        {"fiemap", "fiemap [-v]", "print the file's extents", {flag("-v")}, {}, false, {}, true, nullptr});
    c.push_back({"extsize",
                 "extsize [SIZE]",
                 "print or set the extent size hint (FS_IOC_FSSETXATTR; set it while the file is empty)",
                 {},
                 {optional_arg("SIZE", K::size)},
                 false,
                 {},
                 true,
                 nullptr});
    return c;
}

} // namespace

std::span<const CommandSpec> command_specs() {
    static const std::vector<CommandSpec> specs = make_commands(); // immutable after first use
    return specs;
}

std::span<const CommandSpec> xfs_io_command_specs() {
    static const std::vector<CommandSpec> specs = make_xfs_io_commands();
    return specs;
}

const CommandSpec* find_command_spec(std::string_view name) {
    for (const auto& s : command_specs())
        if (s.name == name) return &s;
    for (const auto& s : xfs_io_command_specs())
        if (s.name == name) return &s;
    return nullptr;
}

} // namespace daxsim::scenarios
