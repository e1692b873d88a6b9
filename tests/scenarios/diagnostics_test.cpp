#include <doctest/doctest.h>

#include <array>
#include <string_view>

#include "scenarios/diagnostics.h"

using namespace daxsim::scenarios;

TEST_CASE("diagnostic prints file line column and a hint line") {
    const Diagnostic d{{"s.yaml", 7, 12}, "unknown command 'mkfs.xf'", "did you mean 'mkfs.xfs'?"};
    CHECK(d.format() == "s.yaml:7:12: error: unknown command 'mkfs.xf'\nhint: did you mean 'mkfs.xfs'?");
}

TEST_CASE("diagnostic without a location names daxsim") {
    CHECK(Diagnostic{{}, "bad", {}}.format() == "daxsim: error: bad");
    CHECK(Diagnostic{{"f.yaml", 0, 0}, "cannot read", {}}.format() == "f.yaml: error: cannot read");
}

TEST_CASE("edit distance counts insertions deletions and substitutions") {
    CHECK(edit_distance("mkfs.xfs", "mkfs.xfs") == 0);
    CHECK(edit_distance("mkfs.xf", "mkfs.xfs") == 1);
    CHECK(edit_distance("kitten", "sitting") == 3);
    CHECK(edit_distance("", "abc") == 3);
    CHECK(edit_distance("EOI", "EIO") == 1);
}

TEST_CASE("did you mean suggests a close candidate and nothing for a distant word") {
    constexpr std::array<std::string_view, 3> c{"mount", "umount", "mkfs.xfs"};
    CHECK(did_you_mean("mkfs.xsf", c) == "did you mean 'mkfs.xfs'?");
    CHECK(did_you_mean("muont", c) == "did you mean 'mount'?");
    CHECK(did_you_mean("powerfail", c).empty());
}
