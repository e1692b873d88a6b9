// `daxsim help [COMMAND]`: generated from the command specs, so every command has usage, options with
// their meaning and an example that itself parses; an unknown command exits 2 with a did-you-mean.
#include <doctest/doctest.h>

#include <string>

#include "scenarios/command_help_texts.h"
#include "scenarios/commands.h"
#include "scenarios/help.h"
#include "tests/scenarios/daxsim_process.h"

using namespace daxsim_test;
using namespace daxsim::scenarios;

TEST_CASE("help lists every command and expectation") {
    const Run r = run_daxsim("help");
    REQUIRE(r.status == 0);
    for (const auto& s : command_specs())
        CHECK_MESSAGE(r.output.find(std::string(s.name)) != std::string::npos, s.name);
    for (const auto& s : xfs_io_command_specs())
        CHECK_MESSAGE(r.output.find(std::string(s.name)) != std::string::npos, s.name);
    CHECK(r.output.find("expectations") != std::string::npos);
}

TEST_CASE("help of a two word command shows usage options and example") {
    const Run r = run_daxsim("help ndctl create-namespace");
    REQUIRE(r.status == 0);
    CHECK(r.output.find("usage: ndctl create-namespace --mode=fsdax|devdax") != std::string::npos);
    CHECK(r.output.find("--mode, -m VALUE") != std::string::npos);
    CHECK(r.output.find("[fsdax|devdax]") != std::string::npos);
    CHECK(r.output.find("example:\n  - ndctl create-namespace") != std::string::npos);
    const Run q = run_daxsim("help 'expect signal'");
    REQUIRE(q.status == 0);
    CHECK(q.output.find("BUS_MCEERR_AR") != std::string::npos);
    CHECK(q.output.find("lsb=N") != std::string::npos);
}

TEST_CASE("help of an xfs_io subcommand says it runs inside xfs_io") {
    const Run r = run_daxsim("help pwrite");
    REQUIRE(r.status == 0);
    CHECK(r.output.find("usage: xfs_io -c \"pwrite [-S 0xNN] OFF LEN") != std::string::npos);
    CHECK(r.output.find("fill byte") != std::string::npos);
    CHECK(run_daxsim("help xfs_io pread").status == 0);
}

TEST_CASE("help of an unknown command exits 2 with a did you mean") {
    const Run r = run_daxsim("help 'inject posion'");
    CHECK(r.status == 2);
    CHECK(r.output.find("unknown command 'inject posion'") != std::string::npos);
    CHECK(r.output.find("did you mean 'inject poison'") != std::string::npos);
    CHECK(run_daxsim("help frobnicate").status == 2);
}

TEST_CASE("every command has an example that parses as that command") {
    auto check = [](const CommandSpec& s) {
        INFO(s.name);
        REQUIRE_FALSE(command_example(s.name).empty());
        StepSource src;
        src.text = std::string(command_example(s.name));
        src.file = "help";
        src.line = 1;
        for (std::size_t i = 0; i < src.text.size(); ++i)
            src.columns.push_back(static_cast<int>(i) + 1);
        src.end_column = static_cast<int>(src.text.size()) + 1;
        std::vector<Diagnostic> errors;
        const auto step = parse_step(src, 0, errors);
        REQUIRE_MESSAGE(errors.empty(), errors.front().format());
        REQUIRE(step.has_value());
        const ParsedCommand& c = step->command;
        bool named = c.name() == s.name;
        for (const auto& sub : c.subcommands)
            named = named || sub.name() == s.name;
        CHECK(named);
    };
    for (const auto& s : command_specs())
        check(s);
    for (const auto& s : xfs_io_command_specs())
        check(s);
}

TEST_CASE("every option that takes a value has help text") {
    for (const auto& s : command_specs()) {
        const auto text = format_command_help(s.name);
        REQUIRE(text.ok());
        for (const auto& o : s.options)
            CHECK_MESSAGE(text.value().find(std::string(o.name)) != std::string::npos, s.name, " ", o.name);
    }
    CHECK_FALSE(format_command_help("nope").ok());
}
