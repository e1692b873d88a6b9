// The scenario file (YAML): name, description, seed, platform parameters and steps, each remembering
// where it was written so that later diagnostics can point into the file.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "scenarios/diagnostics.h"

namespace daxsim::scenarios {

// One `platform:` entry, still a string: params.cpp converts it.
struct PlatformEntry {
    std::string key;
    std::string value;
    SourceLocation key_at;
    SourceLocation value_at;
};

// One step as written. `columns[i]` is the 1-based file column of text[i] (quotes and YAML escapes
// accounted for); a step that spans several lines maps every character to its first column.
struct StepSource {
    std::string text;
    std::string file;
    int line = 0;
    std::vector<int> columns;
    int end_column = 0; // column just after the last character

    // Location of the character at `offset` in `text` (offset == text.size(): just past the end).
    [[nodiscard]] SourceLocation at(std::size_t offset) const;
};

struct ScenarioFile {
    std::string file; // path as the user gave it
    std::string name; // defaults to the file's stem
    std::string description;
    std::optional<std::uint64_t> seed;
    std::vector<PlatformEntry> platform;
    std::vector<StepSource> steps;
};

// Parses scenario text; `file` is only used for locations and the default name.
[[nodiscard]] Result<ScenarioFile> parse_scenario(std::string_view text, const std::string& file);
// Reads and parses a file; a file that cannot be read is a diagnostic too.
[[nodiscard]] Result<ScenarioFile> load_scenario(const std::string& file);

} // namespace daxsim::scenarios
