// Examples and option meanings for `daxsim help`. cli_help_test checks that every command of the specs
// has an example here and that it parses as that command.
#include "scenarios/command_help_texts.h"

#include <map>
#include <utility>

namespace daxsim::scenarios {
namespace {

using Key = std::pair<std::string_view, std::string_view>; // command, option

const std::map<std::string_view, std::string_view>& examples() {
    static const std::map<std::string_view, std::string_view> m{
        {"ndctl create-namespace", "ndctl create-namespace --mode=fsdax --map=dev --size=3g"},
        {"ndctl destroy-namespace", "ndctl destroy-namespace namespace0.0 -f"},
        {"ndctl list", "ndctl list -N"},
        {"ndctl inject-error", "ndctl inject-error namespace0.0 -B 4096 -n 8"},
        {"ndctl inject-smart", "ndctl inject-smart nmem0 --spares=5 --unsafe-shutdown"},
        {"ndctl clear-errors", "ndctl clear-errors namespace0.0"},
        {"ndctl start-scrub", "ndctl start-scrub"},
        {"ndctl wait-scrub", "ndctl wait-scrub"},
        {"dmsetup create", "dmsetup create lin --table \"0 4194304 linear /dev/pmem0 0\""},
        {"dmsetup remove", "dmsetup remove lin"},
        {"mkfs.xfs", "mkfs.xfs -f -m reflink=1,rmapbt=1 /dev/pmem0"},
        {"mount", "mount -o dax /dev/pmem0 /mnt/pmem"},
        {"umount", "umount /mnt/pmem"},
        {"xfs_io", "xfs_io -f -c \"pwrite -S 0xab 0 64k\" -c fsync /mnt/pmem/a"},
        {"cp", "cp --reflink=always /mnt/pmem/a /mnt/pmem/b"},
        {"rm", "rm /mnt/pmem/b"},
        {"sync", "sync"},
        {"setfattr", "setfattr -n user.owner -v alice /mnt/pmem/a"},
        {"getfattr", "getfattr -n user.owner /mnt/pmem/a"},
        {"prctl", "prctl watcher PR_MCE_KILL early"},
        {"sysctl", "sysctl vm.memory_failure_early_kill=1"},
        {"inject poison", "inject poison --file /mnt/pmem/a --offset 8k"},
        {"madvise-hwpoison", "@victim madvise-hwpoison /mnt/pmem/a 4k"},
        {"patrol-scrub", "patrol-scrub"},
        {"unbind", "unbind pmem0"},
        {"sleep", "sleep 10us"},
        {"powerfail", "powerfail"},
        {"expect ok", "expect ok"},
        {"expect errno", "expect errno EIO"},
        {"expect signal", "expect signal loader SIGBUS BUS_MCEERR_AR lsb=12"},
        {"expect no-signal", "expect no-signal watcher"},
        {"expect killed", "expect killed loader"},
        {"expect alive", "expect alive watcher"},
        {"expect shutdown", "expect shutdown /mnt/pmem"},
        {"expect mounted", "expect mounted /mnt/pmem"},
        {"expect data", "expect data /mnt/pmem/a 0 8192 0xab"},
        {"expect same", "expect same /mnt/pmem/a /mnt/pmem/b"},
        {"expect shared", "expect shared /mnt/pmem/a /mnt/pmem/b 0 32k"},
        {"expect unshared", "expect unshared /mnt/pmem/a /mnt/pmem/b"},
        {"expect consistent", "expect consistent /mnt/pmem"},
        {"expect badblocks", "expect badblocks namespace0.0 0"},
        {"expect dmesg", "expect dmesg \"recovery action for dax page: Recovered\""},
        {"expect output", "expect output \"wrote 65536/65536 bytes\""},
        {"expect metric", "expect metric cow.copy_bytes == 61440"},
        // xfs_io -c subcommands: shown as the xfs_io step that uses them
        {"pwrite", "xfs_io -f -c \"pwrite -S 0xab 0 64k\" /mnt/pmem/a"},
        {"pread", "xfs_io -c \"pread -v 0 32\" /mnt/pmem/a"},
        {"mmap", "xfs_io -c \"mmap -rw 0 64k\" -c \"mwrite -S 0x5a 0 4k\" /mnt/pmem/a"},
        {"mread", "xfs_io -c \"mmap -r 0 64k\" -c \"mread 8k 64\" /mnt/pmem/a"},
        {"mwrite", "xfs_io -c \"mmap -w 0 64k\" -c \"mwrite -S 0x5a 0 4k\" /mnt/pmem/a"},
        {"msync", "xfs_io -c \"mmap -rw 0 4k\" -c \"mwrite 0 4k\" -c \"msync -s\" /mnt/pmem/a"},
        {"munmap", "xfs_io -c \"mmap -r 0 4k\" -c munmap /mnt/pmem/a"},
        {"fsync", "xfs_io -c \"pwrite 0 4k\" -c fsync /mnt/pmem/a"},
        {"falloc", "xfs_io -f -c \"falloc 0 1m\" /mnt/pmem/a"},
        {"fpunch", "xfs_io -c \"fpunch 4k 4k\" /mnt/pmem/a"},
        {"truncate", "xfs_io -c \"truncate 8k\" /mnt/pmem/a"},
        {"reflink", "xfs_io -f -c \"reflink /mnt/pmem/a 0 0 64k\" /mnt/pmem/b"},
        {"dedupe", "xfs_io -c \"dedupe /mnt/pmem/a 0 0 32k\" /mnt/pmem/b"},
        {"funshare", "xfs_io -c \"funshare 0 64k\" /mnt/pmem/b"},
        {"fiemap", "xfs_io -c \"fiemap -v\" /mnt/pmem/a"},
        {"extsize", "xfs_io -f -c \"extsize 2m\" -c \"pwrite 0 2m\" /mnt/pmem/a"},
    };
    return m;
}

const std::map<Key, std::string_view>& meanings() {
    static const std::map<Key, std::string_view> m{
        {{"ndctl create-namespace", "--mode"},
         "fsdax: a block device (/dev/pmemN) for DAX file systems; "
         "devdax: a character device (/dev/daxN.M) to mmap directly"},
        {{"ndctl create-namespace", "--region"},
         "the region to carve it from (default: the first with room)"},
        {{"ndctl create-namespace", "--size"}, "capacity (default: all the region's free space)"},
        {{"ndctl create-namespace", "--map"}, "where the struct pages live: dev (on the namespace) or mem"},
        {{"ndctl create-namespace", "--align"}, "devdax mapping alignment: 4k, 2m or 1g"},
        {{"ndctl create-namespace", "--force"}, "accepted for compatibility with ndctl"},
        {{"ndctl destroy-namespace", "--force"}, "required: destroy even an active namespace"},
        {{"ndctl list", "--namespaces"}, "list namespaces"},
        {{"ndctl list", "--regions"}, "list regions"},
        {{"ndctl list", "--dimms"}, "list DIMMs (nmemN)"},
        {{"ndctl list", "--health"}, "with --dimms: each DIMM's SMART health, thresholds and alarms"},
        {{"ndctl list", "--dimm"}, "with --dimms: only this DIMM (nmemN)"},
        {{"ndctl list", "--media-errors"}, "include each namespace's bad blocks"},
        {{"ndctl list", "--human"}, "sizes in human units"},
        {{"ndctl inject-smart", "--media-temperature"},
         "inject a media temperature, degrees Celsius (52, -5.5)"},
        {{"ndctl inject-smart", "--media-temperature-threshold"},
         "set the media temperature alarm threshold, C"},
        {{"ndctl inject-smart", "--media-temperature-alarm"},
         "enable (on) or disable (off) the media temperature alarm"},
        {{"ndctl inject-smart", "--media-temperature-uninject"}, "back to the modelled media temperature"},
        {{"ndctl inject-smart", "--ctrl-temperature"},
         "inject a controller temperature, degrees Celsius (52, -5.5)"},
        {{"ndctl inject-smart", "--ctrl-temperature-threshold"},
         "set the controller temperature alarm threshold, C"},
        {{"ndctl inject-smart", "--ctrl-temperature-alarm"},
         "enable (on) or disable (off) the controller temperature alarm"},
        {{"ndctl inject-smart", "--ctrl-temperature-uninject"},
         "back to the modelled controller temperature"},
        {{"ndctl inject-smart", "--spares"}, "inject the spares remaining, percent (0 to 100)"},
        {{"ndctl inject-smart", "--spares-threshold"}, "set the spares alarm threshold, percent"},
        {{"ndctl inject-smart", "--spares-alarm"}, "enable (on) or disable (off) the spares alarm"},
        {{"ndctl inject-smart", "--spares-uninject"}, "back to the modelled spares"},
        {{"ndctl inject-smart", "--fatal"}, "inject fatal health status"},
        {{"ndctl inject-smart", "--fatal-uninject"}, "clear an injected fatal status"},
        {{"ndctl inject-smart", "--unsafe-shutdown"}, "record a dirty shutdown now: state dirty, count + 1"},
        {{"ndctl inject-smart", "--unsafe-shutdown-uninject"}, "set the last shutdown state back to clean"},
        {{"ndctl inject-smart", "--uninject-all"}, "uninject every kind above"},
        {{"ndctl inject-smart", "--human"}, "print the DIMM as one object instead of an array"},
        {{"ndctl inject-error", "--block"}, "first 512 B block to poison, relative to the namespace"},
        {{"ndctl inject-error", "--count"}, "number of 512 B blocks (default 1)"},
        {{"ndctl inject-error", "--no-notify"}, "do not tell the kernel (no badblocks entry)"},
        {{"dmsetup create", "--table"}, "the mapping table; several lines separated by a literal \\n"},
        {{"mkfs.xfs", "-f"}, "overwrite an existing file system"},
        {{"mkfs.xfs", "-m"},
         "metadata features: reflink=0|1, rmapbt=0|1 (rmapbt lets memory_failure "
         "find a block's owners)"},
        {{"mkfs.xfs", "-d"},
         "data section: agcount=N allocation groups, su=S stripe unit (new extents at file offsets that are "
         "multiples of it start on a stripe unit boundary; su=2m gives PMD-aligned extents), sw=N units per "
         "stripe"},
        {{"mkfs.xfs", "-l"},
         "log section: logdev=DEV puts the log on an external device (mount it with -o logdev=DEV), "
         "size=S its size"},
        {{"mkfs.xfs", "-b"}, "block size: size=N (4096)"},
        {{"mount", "-o"}, "mount options: dax, dax=always, dax=never, ro, logdev=DEV (external log)"},
        {{"setfattr", "--name"}, "attribute name with its namespace (user.NAME)"},
        {{"setfattr", "--value"}, "the value, as a string (0x... as hex bytes)"},
        {{"setfattr", "--remove"}, "remove the named attribute"},
        {{"setfattr", "--size"}, "daxsim: repeat -v VALUE up to SIZE bytes (a large value, e.g. --size=8k)"},
        {{"getfattr", "--name"}, "attribute name with its namespace (user.NAME)"},
        {{"getfattr", "--encoding"}, "text (default) or hex"},
        {{"getfattr", "--only-values"}, "print the value alone, without the file and name"},
        {{"inject poison", "--attr"}, "with --file: --offset is an offset in the file's attribute fork"},
        {{"mount", "-t"}, "file-system type (xfs)"},
        {{"xfs_io", "-f"}, "create FILE if it does not exist"},
        {{"xfs_io", "-r"}, "open read-only"},
        {{"xfs_io", "-c"}, "an xfs_io command, run in order; `daxsim help pwrite` etc. describe each"},
        {{"cp", "--reflink"}, "always: share the blocks (FICLONE) or fail; never: copy the data"},
        {{"rm", "-f"}, "ignore a missing file"},
        {{"sysctl", "-w"}, "accepted for compatibility with sysctl"},
        {{"inject poison", "--spa"}, "system physical address"},
        {{"inject poison", "--dimm"}, "a DIMM (nmemN), with --dpa"},
        {{"inject poison", "--dpa"}, "DIMM physical address on --dimm"},
        {{"inject poison", "--file"}, "a file, block device or device-dax node, with --offset"},
        {{"inject poison", "--offset"}, "offset in --file"},
        {{"inject poison", "--fs"}, "a mount point, with --meta: poison file-system metadata"},
        {{"inject poison", "--meta"}, "which metadata structure to poison"},
        {{"inject poison", "--ag"}, "allocation group of --meta (default 0)"},
        {{"inject poison", "--len"}, "bytes to poison (default one 256 B media line)"},
        {{"pwrite", "-S"}, "fill byte (default 0xcd)"},
        {{"pread", "-v"}, "dump the bytes read, as xfs_io does"},
        {{"mmap", "-r"}, "PROT_READ"},
        {{"mmap", "-w"}, "PROT_WRITE"},
        {{"mmap", "-rw"}, "PROT_READ | PROT_WRITE"},
        {{"mmap", "-x"}, "PROT_EXEC"},
        {{"mmap", "-S"}, "MAP_SYNC (MAP_SHARED_VALIDATE)"},
        {{"mwrite", "-S"}, "fill byte (default 0xcd)"},
        {{"msync", "-s"}, "MS_SYNC: write back (without it, MS_ASYNC)"},
        {{"msync", "-a"}, "MS_ASYNC"},
        {{"msync", "-i"}, "MS_INVALIDATE"},
        {{"fiemap", "-v"}, "verbose extent listing"},
    };
    return m;
}

} // namespace

std::string_view command_example(std::string_view command) {
    const auto it = examples().find(command);
    return it == examples().end() ? std::string_view{} : it->second;
}

std::string_view option_meaning(std::string_view command, std::string_view option) {
    const auto it = meanings().find({command, option});
    return it == meanings().end() ? std::string_view{} : it->second;
}

} // namespace daxsim::scenarios
