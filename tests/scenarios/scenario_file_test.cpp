#include <doctest/doctest.h>

#include "scenarios/scenario_file.h"

using namespace daxsim::scenarios;

namespace {
Diagnostic error_of(const char* text) {
    auto r = parse_scenario(text, "s.yaml");
    REQUIRE_FALSE(r.ok());
    return r.error();
}
} // namespace

TEST_CASE("a scenario file yields name description seed platform and steps with lines") {
    auto r = parse_scenario("name: demo\n"
                            "description: two steps\n"
                            "seed: 42\n"
                            "platform:\n"
                            "  dimm.count: 2\n"
                            "steps:\n"
                            "  - ndctl create-namespace --mode=fsdax\n"
                            "  - 'mkfs.xfs /dev/pmem0'\n",
                            "dir/demo.yaml");
    REQUIRE(r.ok());
    const ScenarioFile& f = r.value();
    CHECK(f.name == "demo");
    CHECK(f.description == "two steps");
    CHECK(f.seed == 42u);
    REQUIRE(f.platform.size() == 1);
    CHECK(f.platform[0].key == "dimm.count");
    CHECK(f.platform[0].value == "2");
    CHECK(f.platform[0].key_at.line == 5);
    CHECK(f.platform[0].value_at.column == 15);
    REQUIRE(f.steps.size() == 2);
    CHECK(f.steps[0].line == 7);
    CHECK(f.steps[0].at(0).column == 5);
    CHECK(f.steps[1].text == "mkfs.xfs /dev/pmem0");
    CHECK(f.steps[1].at(0).column == 6); // after the opening quote
}

TEST_CASE("the name defaults to the file stem") {
    auto r = parse_scenario("steps:\n  - sync\n", "lib/failure/early-kill.yaml");
    REQUIRE(r.ok());
    CHECK(r.value().name == "early-kill");
}

TEST_CASE("columns inside double quoted steps account for yaml escapes") {
    auto r = parse_scenario("steps:\n  - \"xfs_io -c \\\"pwrite 0 4k\\\" /mnt/f\"\n", "s.yaml");
    REQUIRE(r.ok());
    const StepSource& s = r.value().steps[0];
    CHECK(s.text == "xfs_io -c \"pwrite 0 4k\" /mnt/f");
    // text[10] is the inner quote, written as \" at columns 16-17; 'p' is at column 18.
    CHECK(s.at(10).column == 16);
    CHECK(s.at(11).column == 18);
}

TEST_CASE("columns inside single quoted steps fold doubled quotes") {
    auto r = parse_scenario("steps:\n  - 'expect output ''x y'''\n", "s.yaml");
    REQUIRE(r.ok());
    const StepSource& s = r.value().steps[0];
    CHECK(s.text == "expect output 'x y'");
    CHECK(s.at(14).column == 20);
    CHECK(s.at(15).column == 22);
}

TEST_CASE("an unknown top level key is an error with a suggestion") {
    const Diagnostic d = error_of("name: x\nstep:\n  - sync\n");
    CHECK(d.format() == "s.yaml:2:1: error: unknown key 'step'\nhint: did you mean 'steps'?");
}

TEST_CASE("malformed yaml is reported at the parser mark") {
    const Diagnostic d = error_of("steps: [\n");
    CHECK(d.where.line == 2);
    CHECK(d.message == "end of sequence flow not found");
}

TEST_CASE("an unquoted step beginning with at sign must be quoted") {
    const Diagnostic d = error_of("steps:\n  - sync\n  - @a xfs_io -c \"mread 0 4k\" /mnt/f\n");
    CHECK(d.where.line == 3);
    CHECK(d.where.column == 5);
    CHECK(d.message == "a step that begins with '@' must be quoted");
    CHECK(d.hint == "write - '@a xfs_io -c \"mread 0 4k\" /mnt/f'");
}

TEST_CASE("a step that yaml read as a mapping says it contains colon space") {
    const Diagnostic d = error_of("steps:\n  - expect dmesg Memory failure: 0x1\n");
    CHECK(d.where.line == 2);
    CHECK(d.where.column == 5);
    CHECK(d.message == "a step that contains ': ' must be quoted");
    CHECK(d.hint == "write - 'expect dmesg Memory failure: 0x1'");
}

TEST_CASE("a step that is a list is rejected") {
    const Diagnostic d = error_of("steps:\n  - [sync]\n");
    CHECK(d.message == "a step must be a command line (a string), not a list");
}

TEST_CASE("a file without steps is rejected") {
    CHECK(error_of("name: x\n").message == "the scenario has no 'steps' list");
}

TEST_CASE("a seed that is not a number is rejected at its value") {
    const Diagnostic d = error_of("seed: abc\nsteps:\n  - sync\n");
    CHECK(d.where.line == 1);
    CHECK(d.where.column == 7);
    CHECK(d.message == "'seed' must be a non-negative integer");
}

TEST_CASE("an unquoted step with colon space that yaml cannot parse says to quote it") {
    const Diagnostic d = error_of("steps:\n  - sync\n  - expect dmesg \"Memory failure: 0x1\"\n");
    CHECK(d.where.line == 3);
    CHECK(d.where.column == 5);
    CHECK(d.message == "a step that contains ': ' must be quoted");
    CHECK(d.hint == "write - 'expect dmesg \"Memory failure: 0x1\"'");
}
