// Runs the built `daxsim` program (DAXSIM_BINARY) or another command through the shell, capturing its
// stdout and stderr and exit status, for the tests that check the program as users run it.
#pragma once

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace daxsim_test {

struct Run {
    int status = -1;
    std::string output; // stdout and stderr
};

// Splits program output into lines (no trailing empty line).
inline std::vector<std::string> lines(const std::string& text) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start < text.size()) {
        const std::size_t nl = text.find('\n', start);
        out.push_back(text.substr(start, nl - start));
        start = nl == std::string::npos ? text.size() : nl + 1;
    }
    return out;
}

// The comma-separated fields of one CSV line (sweep.csv quotes nothing the tests look at).
inline std::vector<std::string> fields(const std::string& line) {
    std::vector<std::string> out{""};
    for (const char c : line)
        if (c == ',')
            out.emplace_back();
        else
            out.back().push_back(c);
    return out;
}

inline Run shell(const std::string& cmd) {
    Run r;
    FILE* p = popen((cmd + " 2>&1").c_str(), "r");
    if (!p) return r;
    std::array<char, 4096> buf{};
    while (const std::size_t n = fread(buf.data(), 1, buf.size(), p))
        r.output.append(buf.data(), n);
    const int raw = pclose(p);
    r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
    return r;
}

inline Run run_daxsim(const std::string& args) {
    return shell("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1 '" DAXSIM_BINARY "' " + args + " </dev/null");
}

inline std::string slurp(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

// A fresh directory under the build tree's temp area, named for the test.
inline std::filesystem::path scratch_dir(const std::string& name) {
    const auto dir = std::filesystem::temp_directory_path() / ("daxsim-test-" + name);
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    return dir;
}

} // namespace daxsim_test
