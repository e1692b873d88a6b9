// Mutation fuzzing of the scenario front end (YAML loader, step parser, order checker, parameter
// registry), in-process and without simulating: every scenario of the library is mutated by a fixed-seed
// PRNG (byte flips, deletions, duplicated lines, swapped tokens, truncation, stray quotes, colons and @,
// huge numbers) and every result must be either valid or a diagnostic that points at a line (>= 1) with a
// message. A crash, an exception or a hang fails the test (CTest's timeout catches the hang).
//
// 100000 mutants in four shards (see total_iterations() for the sanitizer build).
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "scenarios/commands.h"
#include "scenarios/params.h"
#include "scenarios/scenario_file.h"

using namespace daxsim::scenarios;

namespace {

std::vector<std::string> library_texts() {
    std::vector<std::filesystem::path> files{DAXSIM_SOURCE_DIR "/scenarios/quickstart.yaml"};
    for (const auto& e :
         std::filesystem::recursive_directory_iterator(DAXSIM_SOURCE_DIR "/scenarios/library"))
        if (e.path().extension() == ".yaml") files.push_back(e.path());
    std::sort(files.begin(), files.end()); // directory order is not deterministic
    std::vector<std::string> texts;
    for (const auto& f : files) {
        std::ifstream in(f, std::ios::binary);
        std::stringstream s;
        s << in.rdbuf();
        texts.push_back(s.str());
    }
    return texts;
}

class Mutator {
  public:
    explicit Mutator(std::uint64_t seed) : rng_(seed) {}

    std::string mutate(std::string text) {
        const std::size_t n = 1 + below(4);
        for (std::size_t i = 0; i < n && !text.empty(); ++i)
            text = once(std::move(text));
        return text;
    }

  private:
    std::size_t below(std::size_t n) { return n == 0 ? 0 : static_cast<std::size_t>(rng_() % n); }

    std::string once(std::string t) {
        static const std::vector<std::string> kInserts{"\"",
                                                       "'",
                                                       ":",
                                                       ": ",
                                                       "@",
                                                       "- ",
                                                       "\n",
                                                       "\t",
                                                       "#",
                                                       "{",
                                                       "}",
                                                       "[",
                                                       "]",
                                                       "|",
                                                       ">",
                                                       "&a",
                                                       "*a",
                                                       "!!",
                                                       "\\n",
                                                       "\\",
                                                       "=",
                                                       ",",
                                                       "--",
                                                       " -c ",
                                                       "expect ",
                                                       "0x",
                                                       "\n  - ",
                                                       "\nsteps:\n",
                                                       "\nplatform:\n  "};
        static const std::vector<std::string> kNumbers{"18446744073709551615",
                                                       "18446744073709551616",
                                                       "99999999999999999999999999",
                                                       "0xffffffffffffffffff",
                                                       "-1",
                                                       "1e309",
                                                       "9999999999999999t",
                                                       "0",
                                                       "4294967296",
                                                       "16EiB",
                                                       "18446744073709551615ns"};
        switch (below(9)) {
        case 0: // byte flip
            t[below(t.size())] = static_cast<char>(below(256));
            return t;
        case 1: { // delete a range
            const std::size_t at = below(t.size());
            return t.erase(at, 1 + below(std::min<std::size_t>(40, t.size() - at)));
        }
        case 2: { // duplicate a line
            const std::size_t at = below(t.size());
            const std::size_t b = t.rfind('\n', at);
            const std::size_t begin = b == std::string::npos ? 0 : b + 1;
            const std::size_t e = t.find('\n', at);
            const std::size_t end = e == std::string::npos ? t.size() : e + 1;
            const std::string line = t.substr(begin, end - begin);
            return t.insert(end, line.ends_with('\n') ? line : line + "\n");
        }
        case 3: { // swap two tokens
            const auto a = token(t);
            const auto b = token(t);
            if (a.first == b.first || a.second == 0 || b.second == 0) return t;
            const auto& [x, y] = a.first < b.first ? std::pair{a, b} : std::pair{b, a};
            if (x.first + x.second > y.first) return t;
            const std::string sx = t.substr(x.first, x.second);
            const std::string sy = t.substr(y.first, y.second);
            t.replace(y.first, y.second, sx);
            t.replace(x.first, x.second, sy);
            return t;
        }
        case 4: // truncate
            t.resize(below(t.size()));
            return t;
        case 5: // stray punctuation
            return t.insert(below(t.size() + 1), kInserts[below(kInserts.size())]);
        case 6: { // a number becomes huge
            const auto tok = token(t);
            if (tok.second == 0) return t;
            return t.replace(tok.first, tok.second, kNumbers[below(kNumbers.size())]);
        }
        case 7: // insert a huge number
            return t.insert(below(t.size() + 1), " " + kNumbers[below(kNumbers.size())]);
        default: { // duplicate a random chunk somewhere else
            const std::size_t at = below(t.size());
            const std::string chunk = t.substr(at, 1 + below(60));
            return t.insert(below(t.size() + 1), chunk);
        }
        }
    }

    // A random whitespace-delimited token: (offset, length).
    std::pair<std::size_t, std::size_t> token(const std::string& t) {
        std::size_t at = below(t.size());
        while (at < t.size() && std::isspace(static_cast<unsigned char>(t[at])))
            ++at;
        std::size_t begin = at;
        while (begin > 0 && !std::isspace(static_cast<unsigned char>(t[begin - 1])))
            --begin;
        std::size_t end = at;
        while (end < t.size() && !std::isspace(static_cast<unsigned char>(t[end])))
            ++end;
        return {begin, end - begin};
    }

    std::mt19937_64 rng_;
};

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitized = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif
#else
constexpr bool kSanitized = false;
#endif

// Mutants over all shards. The parser dominates (about 0.75 ms a mutant in a Debug build, std::regex
// compilation of expect patterns most of it), and ASan multiplies that by about three, so only a
// sanitized build takes DAXSIM_FUZZ_ITERATIONS (default 10^4); a normal build always runs 10^5.
std::size_t total_iterations() {
    if (!kSanitized) return 100000;
    if (const char* env = std::getenv("DAXSIM_FUZZ_ITERATIONS")) return std::strtoull(env, nullptr, 10);
    return 10000;
}

constexpr std::size_t kShards = 4; // each its own CTest entry, so they run in parallel under ctest -j

struct Tally {
    std::size_t valid = 0;
    std::size_t yaml_errors = 0;
    std::size_t step_errors = 0;
    std::size_t param_errors = 0;
};

} // namespace

namespace {

void fuzz_shard(std::size_t shard) {
    const auto texts = library_texts();
    REQUIRE(texts.size() >= 5);
    Mutator mutator(0x6461787369'6d ^ (20261127 + shard));
    Tally tally;
    const std::size_t n = total_iterations() / kShards;
    std::size_t reported = 0;
    for (std::size_t i = 0; i < n && reported < 20; ++i) {
        const std::string text = mutator.mutate(texts[(i + shard) % texts.size()]);
        // Valid, or every diagnostic is located on a line of the file and says something.
        auto fail = [&](const Diagnostic& d) {
            if (d.where.line >= 1 && !d.message.empty() && d.where.file == "fuzz.yaml") return;
            ++reported;
            FAIL_CHECK("mutant " << i << ": bad diagnostic '" << d.format() << "' line " << d.where.line
                                 << " for:\n"
                                 << text);
        };
        try {
            auto file = parse_scenario(text, "fuzz.yaml");
            if (!file) {
                ++tally.yaml_errors;
                fail(file.error());
                continue;
            }
            const ParsedScenario parsed = parse_steps(file.value());
            if (!parsed.errors.empty()) {
                ++tally.step_errors;
                for (const auto& d : parsed.errors)
                    fail(d);
                continue;
            }
            auto config = build_config(file.value().platform, {});
            if (!config) {
                ++tally.param_errors;
                fail(config.error());
                continue;
            }
            ++tally.valid;
        } catch (const std::exception& e) {
            ++reported;
            FAIL_CHECK("mutant " << i << " threw " << std::string(e.what()) << " for:\n" << text);
        }
    }
    MESSAGE("shard " << shard << " mutants: " << n << " valid " << tally.valid << " yaml errors "
                     << tally.yaml_errors << " step errors " << tally.step_errors << " parameter errors "
                     << tally.param_errors);
    CHECK(reported == 0);
    if (n >= 1000) {
        // Both outcomes are exercised, so the mutations neither destroy every file nor leave them all intact.
        CHECK(tally.valid > n / 100);
        CHECK(tally.yaml_errors > n / 100);
        CHECK(tally.step_errors > n / 100);
    }
}

} // namespace

TEST_CASE("mutated scenario files are valid or rejected with a located diagnostic shard 0") {
    fuzz_shard(0);
}
TEST_CASE("mutated scenario files are valid or rejected with a located diagnostic shard 1") {
    fuzz_shard(1);
}
TEST_CASE("mutated scenario files are valid or rejected with a located diagnostic shard 2") {
    fuzz_shard(2);
}
TEST_CASE("mutated scenario files are valid or rejected with a located diagnostic shard 3") {
    fuzz_shard(3);
}

TEST_CASE("the fuzz mutator is deterministic for a fixed seed") {
    Mutator a(42);
    Mutator b(42);
    const std::string text = "name: x\nsteps:\n  - sync\n  - expect ok\n";
    for (int i = 0; i < 100; ++i)
        CHECK(a.mutate(text) == b.mutate(text));
}
