#include "scenarios/self_exec.h"

#include <array>
#include <cstdio>

#include <fmt/format.h>

namespace daxsim::scenarios {

std::optional<std::string> run_self(const std::filesystem::path& self, const std::string& args) {
    const std::string cmd = fmt::format("'{}' {} </dev/null", self.string(), args);
    FILE* p = popen(cmd.c_str(), "r");
    if (p == nullptr) return std::nullopt;
    std::string out;
    std::array<char, 512> buf{};
    while (const std::size_t n = fread(buf.data(), 1, buf.size(), p))
        out.append(buf.data(), n);
    if (pclose(p) != 0) return std::nullopt;
    return out;
}

std::optional<nlohmann::ordered_json> run_self_json(const std::filesystem::path& self, const std::string& args) {
    const auto out = run_self(self, args);
    if (!out) return std::nullopt;
    try {
        return nlohmann::ordered_json::parse(*out);
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

} // namespace daxsim::scenarios
