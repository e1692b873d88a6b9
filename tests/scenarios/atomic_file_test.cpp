#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

#include "scenarios/atomic_file.h"

using namespace daxsim::scenarios;
namespace fs = std::filesystem;

namespace {
// A directory of this process's own (CTest runs test cases in parallel).
fs::path fresh_dir(const std::string& name) {
    const fs::path dir = fs::temp_directory_path() / ("daxsim-" + name + "-" + std::to_string(getpid()));
    fs::remove_all(dir);
    return dir;
}

std::string slurp(const fs::path& p) {
    std::ifstream in(p);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}
} // namespace

TEST_CASE("atomic write creates the directory and the whole file") {
    const fs::path dir = fresh_dir("atomic-ok") / "nested";
    write_file_atomically(dir / "results.json", [](std::ostream& out) { out << "{\"status\":\"pass\"}\n"; });
    CHECK(slurp(dir / "results.json") == "{\"status\":\"pass\"}\n");
    CHECK_FALSE(fs::exists(dir / ".results.json.tmp"));
    fs::remove_all(dir.parent_path());
}

TEST_CASE("atomic write leaves no partial file when writing throws") {
    const fs::path dir = fresh_dir("atomic-throw");
    auto failing = [](std::ostream& out) {
        out << "{\"status\":";
        throw std::runtime_error("simulation died");
    };
    CHECK_THROWS_AS(write_file_atomically(dir / "results.json", failing), std::runtime_error);
    CHECK_FALSE(fs::exists(dir / "results.json"));
    CHECK(fs::is_empty(dir));
    fs::remove_all(dir);
}

TEST_CASE("atomic write keeps the previous file when the new one fails") {
    const fs::path dir = fresh_dir("atomic-keep");
    write_file_atomically(dir / "trace.json", [](std::ostream& out) { out << "old"; });
    CHECK_THROWS(write_file_atomically(dir / "trace.json", [](std::ostream& out) {
        out << "new, half";
        throw std::runtime_error("killed");
    }));
    CHECK(slurp(dir / "trace.json") == "old");
    fs::remove_all(dir);
}
