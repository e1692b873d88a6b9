#include <doctest/doctest.h>

#include <string>

#include "scenarios/commands.h"

using namespace daxsim::scenarios;

namespace {

// Parses one step written as `  - STEP` on line 2 (so a word at offset N is at column 5 + N).
ParsedScenario parse_one(const std::string& step) {
    auto f = parse_scenario("steps:\n  - sync\n  - " + step + "\n", "t.yaml");
    REQUIRE(f.ok());
    return parse_steps(f.value());
}

Diagnostic only_error(const std::string& step) {
    const ParsedScenario p = parse_one(step);
    REQUIRE(p.errors.size() == 1);
    return p.errors[0];
}

// The command of the one step (a copy: it refers only to the immutable command table).
ParsedCommand only_command(const std::string& step) {
    const ParsedScenario p = parse_one(step);
    REQUIRE(p.errors.empty());
    REQUIRE(p.steps.size() == 2);
    return p.steps[1].command;
}

} // namespace

TEST_CASE("ndctl create-namespace parses options with equals signs") {
    const ParsedCommand c = only_command("ndctl create-namespace --mode=devdax --size=1g --align 2m");
    CHECK(c.name() == "ndctl create-namespace");
    CHECK(c.option("--mode")->text == "devdax");
    CHECK(c.option("--size")->number == 1u << 30);
    CHECK(c.option("--align")->number == 2u << 20);
}

TEST_CASE("xfs_io subcommands are parsed in order with their numbers") {
    const ParsedCommand& c =
        only_command(R"(xfs_io -f -c "pwrite -S 0xab 0 4k" -c "mmap -r 0 2m" /dev/pmem0)");
    REQUIRE(c.subcommands.size() == 2);
    CHECK(c.subcommands[0].name() == "pwrite");
    CHECK(c.subcommands[0].option("-S")->number == 0xab);
    CHECK(c.subcommands[0].args[1].number == 4096);
    CHECK(c.subcommands[1].has("-r"));
    CHECK(c.args[0].text == "/dev/pmem0");
}

TEST_CASE("an unknown command suggests the closest one") {
    const Diagnostic d = only_error("mkfs.xsf /dev/pmem0");
    CHECK(d.format() == "t.yaml:3:5: error: unknown command 'mkfs.xsf'\nhint: did you mean 'mkfs.xfs'?");
}

TEST_CASE("an xfs_io subcommand written as a command points to xfs_io") {
    const Diagnostic d = only_error("pwrite 0 4k");
    CHECK(d.hint == "'pwrite' is an xfs_io command: xfs_io -c \"pwrite ...\" FILE");
}

TEST_CASE("an unknown xfs_io subcommand is located inside the quoted string") {
    const Diagnostic d = only_error(R"(xfs_io -c "pwrit 0 4k" /mnt/f)");
    CHECK(d.where.line == 3);
    CHECK(d.where.column == 5 + 11);
    CHECK(d.message == "unknown xfs_io command 'pwrit'");
    CHECK(d.hint == "did you mean 'pwrite'?");
}

TEST_CASE("an unknown option is located at the option with a suggestion") {
    const Diagnostic d = only_error("ndctl create-namespace --mdoe=fsdax");
    CHECK(d.where.column == 5 + 23);
    CHECK(d.message == "unknown option '--mdoe' for 'ndctl create-namespace'");
    CHECK(d.hint == "did you mean '--mode'?");
}

TEST_CASE("a bad choice value is located at the value") {
    const Diagnostic d = only_error("ndctl create-namespace --mode=fsdx");
    CHECK(d.where.column == 5 + 30);
    CHECK(d.message == "'fsdx' is not a valid --mode value");
    CHECK(d.hint == "did you mean 'fsdax'?");
}

TEST_CASE("a size without a number inside xfs_io is located at the size") {
    const Diagnostic d = only_error(R"(xfs_io -c "pwrite 0 k" /mnt/f)");
    CHECK(d.where.column == 5 + 20);
    CHECK(d.message == "LEN: 'k' is not a size: it has no number");
}

TEST_CASE("a missing argument names it and shows the usage") {
    const Diagnostic d = only_error(R"(xfs_io -c "pwrite 0" /mnt/f)");
    CHECK(d.message == "'pwrite' is missing LEN");
    CHECK(d.hint == "usage: pwrite [-S 0xNN] OFF LEN");
}

TEST_CASE("an extra argument is located at the argument") {
    const Diagnostic d = only_error("umount /mnt /other");
    CHECK(d.where.column == 5 + 12);
    CHECK(d.message == "unexpected argument '/other' for 'umount'");
}

TEST_CASE("a bad errno name gets a suggestion") {
    const ParsedScenario p = parse_one("expect errno EOI");
    REQUIRE(p.errors.size() == 1);
    CHECK(p.errors[0].where.column == 5 + 13);
    CHECK(p.errors[0].message == "unknown errno name 'EOI'");
    CHECK(p.errors[0].hint == "did you mean 'EIO'?");
}

TEST_CASE("an unknown expectation gets a suggestion") {
    const Diagnostic d = only_error("expect sigal a SIGBUS");
    CHECK(d.where.column == 5 + 7);
    CHECK(d.message == "unknown expectation 'sigal'");
    CHECK(d.hint == "did you mean 'signal'?");
}

TEST_CASE("an invalid dmesg regex is rejected at check time") {
    const Diagnostic d = only_error(R"('expect dmesg "Memory failure: [0x"')");
    CHECK(d.where.column == 5 + 1 + 13);
    CHECK(d.message.starts_with("bad regular expression \"Memory failure: [0x\""));
}

TEST_CASE("a lookahead or backreference in an expectation regex is rejected with the RE2 hint") {
    for (const char* step : {R"x('expect output "(?=wrote)"')x", R"x('expect dmesg "(a)\1"')x"}) {
        const Diagnostic d = only_error(step);
        CHECK(d.message.starts_with("bad regular expression"));
        CHECK(d.hint == "patterns use RE2 syntax: no backreferences or lookaround");
    }
}

TEST_CASE("expect signal takes a code and lsb and addr keys") {
    const ParsedCommand& c =
        only_command("expect signal reader SIGBUS BUS_MCEERR_AR lsb=21 addr=0x7f0000000000");
    CHECK(c.args.size() == 3);
    CHECK(c.keyval("lsb")->number == 21);
    CHECK(c.keyval("addr")->number == 0x7f0000000000ull);
}

TEST_CASE("expect metric reads the operator and a value with a unit") {
    const ParsedCommand c = only_command("expect metric cow.copy_bytes >= 60KiB");
    CHECK(c.args[1].text == ">=");
    CHECK(c.args[2].real == 61440.0);
}

TEST_CASE("a task prefix is kept and madvise-hwpoison requires one") {
    const ParsedScenario ok = parse_one("'@a madvise-hwpoison /dev/dax0.0 0'");
    CHECK(ok.errors.empty());
    CHECK(ok.steps[1].task == "a");
    const Diagnostic d = only_error("madvise-hwpoison /dev/dax0.0 0");
    CHECK(d.message == "madvise-hwpoison acts on a task's mapping and needs @TASK");
}

TEST_CASE("inject poison needs exactly one target and its companion option") {
    CHECK(only_error("inject poison --len 256").message == "inject poison needs a target");
    CHECK(only_error("inject poison --spa 0x4000000000 --dimm nmem0 --dpa 0").message ==
          "inject poison takes exactly one target");
    const Diagnostic d = only_error("inject poison --dimm nmem0");
    CHECK(d.message == "--dimm needs --dpa");
    CHECK(d.where.column == 5 + 14);
    CHECK(only_command("inject poison --fs /dev/pmem0 --meta agf --ag 1").option("--ag")->number == 1);
}

TEST_CASE("reflink takes the source alone or with all three numbers") {
    CHECK(only_command(R"(xfs_io -c "reflink /dev/x 0 0 4k" /dev/y)").subcommands[0].args.size() == 4);
    CHECK(only_error(R"(xfs_io -c "reflink /dev/x 0 4k" /dev/y)").message ==
          "'reflink' takes SOFF DOFF LEN together or none of them");
}

TEST_CASE("a dmsetup table is checked word by word") {
    const Diagnostic d = only_error(R"(dmsetup create x --table "0 8 linaer /dev/pmem0 0")");
    CHECK(d.where.column == 5 + 30);
    CHECK(d.message == "unknown target type 'linaer'");
    CHECK(d.hint == "did you mean 'linear'?");
    CHECK(only_command(R"(dmsetup create x --table "0 8 striped 2 8 /dev/pmem0 0 /dev/pmem1 0")")
              .has("--table"));
}

TEST_CASE("mount options and mkfs options are validated") {
    CHECK(only_error("mount -o dax=alwyas /dev/pmem0 /mnt").hint == "did you mean 'dax=always'?");
    CHECK(only_error("mkfs.xfs -m reflink=2 /dev/pmem0").message == "bad value '2' for -m option 'reflink'");
}

TEST_CASE("an expectation cannot carry a task prefix") {
    CHECK(only_error("'@a expect ok'").message == "an expectation does not run in a task");
}

TEST_CASE("several errors in one file are all reported") {
    auto f = parse_scenario("steps:\n  - mout\n  - umount\n", "t.yaml");
    REQUIRE(f.ok());
    const ParsedScenario p = parse_steps(f.value());
    REQUIRE(p.errors.size() == 2);
    CHECK(p.errors[0].where.line == 2);
    CHECK(p.errors[1].where.line == 3);
    CHECK(p.errors[1].message == "'umount' is missing DIR");
}

TEST_CASE("setfattr and getfattr parse as the attr tools spell them") {
    const ParsedCommand set = only_command("setfattr -n user.blob -v abc --size=8k /dev/pmem0");
    CHECK(set.option("--name")->text == "user.blob");
    CHECK(set.option("--value")->text == "abc");
    CHECK(set.option("--size")->number == 8192);
    const ParsedCommand rm = only_command("setfattr -x user.blob /dev/pmem0");
    CHECK(rm.option("--remove")->text == "user.blob");
    const ParsedCommand get = only_command("getfattr -n user.blob -e hex /dev/pmem0");
    CHECK(get.option("--encoding")->text == "hex");
    CHECK(only_error("setfattr -x user.a -v 1 /dev/pmem0").message == "setfattr -x takes no value");
    CHECK(only_error("setfattr -v 1 /dev/pmem0").message ==
          "setfattr needs exactly one of -n NAME and -x NAME");
    CHECK(only_error("getfattr /dev/pmem0").message ==
          "getfattr needs -n NAME (daxsim does not dump every attribute)");
}

TEST_CASE("mkfs.xfs takes an external log and a stripe unit and mount takes logdev") {
    const ParsedCommand mkfs =
        only_command("mkfs.xfs -f -d su=2m,sw=1 -l logdev=/dev/pmem1,size=64m /dev/pmem0");
    CHECK(mkfs.option("-l")->text == "logdev=/dev/pmem1,size=64m");
    CHECK(mkfs.option("-d")->text == "su=2m,sw=1");
    CHECK(only_error("mkfs.xfs -l logdev=pmem1 /dev/pmem0").hint ==
          "the log device is a block device, e.g. logdev=/dev/pmem1");
    CHECK(only_error("mkfs.xfs -l agcount=2 /dev/pmem0").message == "unknown -l option 'agcount'");
    // The options parse; the one diagnostic is the step order's (no mkfs.xfs before the mount).
    CHECK(only_error("mount -o dax,logdev=/dev/pmem1 /dev/pmem0 /mnt/pmem").message ==
          "mount of /dev/pmem0 before any mkfs.xfs on it");
    CHECK(only_error("mount -o dax,logdev=pmem1 /dev/pmem0 /mnt/pmem").message ==
          "logdev 'pmem1' is not a device");
}

TEST_CASE("expect shared takes the same range or two offsets and a length") {
    const ParsedCommand same = only_command("expect shared /dev/a /dev/b 0 4k");
    CHECK(same.args.size() == 4);
    const ParsedCommand two = only_command("expect unshared /dev/a /dev/b 0 8k 4k");
    CHECK(two.args.size() == 5);
    CHECK(two.args[3].number == 8192);
    CHECK(only_error("expect shared /dev/a /dev/b 0").message ==
          "'expect shared' takes OFF LEN or OFF1 OFF2 LEN after the files");
    CHECK(only_error("expect consistent /mnt/pmem").message ==
          "/mnt/pmem is not under a mounted file system");
}
