// results.json (scenarios/output.cpp) against its published schema, docs/results.schema.json: the real
// program writes it for a passing and a failing run and python3-jsonschema validates it. A document
// with a field missing or of the wrong type must be rejected, so the schema is not trivially permissive.
#include <doctest/doctest.h>

#include <string>

#include "tests/scenarios/daxsim_process.h"

using namespace daxsim_test;

namespace {

const std::string kSchema = DAXSIM_SOURCE_DIR "/docs/results.schema.json";

// jsonschema's Python API (its CLI is deprecated): exit 0 valid, 1 invalid, with the reason.
Run validate(const std::filesystem::path& doc) {
    return shell("/usr/bin/python3 -c 'import json,sys,jsonschema\n"
                 "s=json.load(open(sys.argv[1])); d=json.load(open(sys.argv[2]))\n"
                 "jsonschema.validators.validator_for(s).check_schema(s)\n"
                 "errs=list(jsonschema.validators.validator_for(s)(s).iter_errors(d))\n"
                 "[print(e.json_path, e.message) for e in errs]\n"
                 "sys.exit(1 if errs else 0)' '" +
                 kSchema + "' '" + doc.string() + "'");
}

Run edit_and_validate(const std::filesystem::path& doc, const std::string& python_edit) {
    const auto edited = doc.parent_path() / "edited.json";
    const Run e =
        shell("/usr/bin/python3 -c 'import json,sys\nd=json.load(open(sys.argv[1]))\n" + python_edit +
              "\njson.dump(d,open(sys.argv[2],\"w\"))' '" + doc.string() + "' '" + edited.string() + "'");
    REQUIRE_MESSAGE(e.status == 0, e.output);
    return validate(edited);
}

} // namespace

TEST_CASE("results json of a passing run matches the schema") {
    const auto dir = scratch_dir("schema-pass");
    const Run r = run_daxsim("run '" DAXSIM_SOURCE_DIR "/scenarios/quickstart.yaml' --quiet --out '" +
                             dir.string() + "'");
    REQUIRE_MESSAGE(r.status == 0, r.output);
    const Run v = validate(dir / "results.json");
    CHECK_MESSAGE(v.status == 0, v.output);
    CHECK(slurp(dir / "results.json").find("\"status\": \"pass\"") != std::string::npos);
}

TEST_CASE("results json of a failing run matches the schema") {
    const auto dir = scratch_dir("schema-fail");
    const Run r = run_daxsim("run '" DAXSIM_SOURCE_DIR
                             "/tests/scenarios/failing/expectation-fails.yaml' --quiet --out '" +
                             dir.string() + "'");
    REQUIRE_MESSAGE(r.status == 1, r.output);
    const Run v = validate(dir / "results.json");
    CHECK_MESSAGE(v.status == 0, v.output);
    CHECK(slurp(dir / "results.json").find("\"status\": \"fail\"") != std::string::npos);
}

TEST_CASE("the results schema rejects a missing field or a wrong type or an unknown key") {
    const auto dir = scratch_dir("schema-reject");
    const Run r = run_daxsim("run '" DAXSIM_SOURCE_DIR "/scenarios/quickstart.yaml' --quiet --out '" +
                             dir.string() + "'");
    REQUIRE_MESSAGE(r.status == 0, r.output);
    const auto doc = dir / "results.json";
    CHECK(edit_and_validate(doc, "del d[\"status\"]").status == 1);
    CHECK(edit_and_validate(doc, "d[\"seed\"]=\"one\"").status == 1);
    CHECK(edit_and_validate(doc, "d[\"steps\"][0][\"outcome\"]=\"maybe\"").status == 1);
    CHECK(edit_and_validate(doc, "d[\"extra\"]=1").status == 1);
    CHECK(edit_and_validate(doc, "del d[\"metrics\"][\"mf.signals\"]").status == 1);
    CHECK(edit_and_validate(doc, "d[\"dmesg\"].append(\"no timestamp\")").status == 1);
    CHECK(edit_and_validate(doc, "pass").status == 0); // the round trip itself is valid
}
