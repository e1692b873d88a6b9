#include "scenarios/scenario_file.h"

#include <array>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

namespace daxsim::scenarios {
namespace {

constexpr std::array<std::string_view, 5> kTopLevelKeys{"name", "description", "seed", "platform", "steps"};

std::vector<std::string_view> split_lines(std::string_view text) {
    std::vector<std::string_view> lines;
    std::size_t start = 0;
    while (start <= text.size()) {
        const std::size_t nl = text.find('\n', start);
        if (nl == std::string_view::npos) {
            lines.push_back(text.substr(start));
            break;
        }
        lines.push_back(text.substr(start, nl - start));
        start = nl + 1;
    }
    return lines;
}

constexpr const char* kColonMessage = "a step that contains ': ' must be quoted";

// "write - '...'" with the step single-quoted as YAML wants it ('' for a quote inside).
std::string quote_hint(std::string_view step) {
    std::string quoted;
    for (const char c : step)
        quoted += c == '\'' ? std::string("''") : std::string(1, c);
    return fmt::format("write - '{}'", quoted);
}

SourceLocation at_mark(const std::string& file, const YAML::Mark& m) {
    return SourceLocation{file, m.line + 1, m.column + 1};
}

// Maps each character of a single-line scalar to its 1-based column by re-reading the raw line from
// the scalar's first character: plain scalars map one to one, single quotes fold '' to one character,
// double quotes fold backslash escapes.
std::vector<int> map_columns(std::string_view raw_line, int start_col0, const std::string& value) {
    std::vector<int> cols;
    const auto start = static_cast<std::size_t>(start_col0);
    if (start >= raw_line.size()) return cols;
    const char style = raw_line[start];
    std::size_t i = start;
    if (style == '\'' || style == '"') ++i;
    while (i < raw_line.size() && cols.size() < value.size()) {
        const char c = raw_line[i];
        if (style == '\'' && c == '\'') {
            if (i + 1 < raw_line.size() && raw_line[i + 1] == '\'') {
                cols.push_back(static_cast<int>(i) + 1);
                i += 2;
                continue;
            }
            break;
        }
        if (style == '"' && c == '"') break;
        if (style == '"' && c == '\\' && i + 1 < raw_line.size()) {
            const char e = raw_line[i + 1];
            const std::size_t len = e == 'x' ? 4 : e == 'u' ? 6 : e == 'U' ? 10 : 2;
            cols.push_back(static_cast<int>(i) + 1);
            i += len;
            continue;
        }
        cols.push_back(static_cast<int>(i) + 1);
        ++i;
    }
    if (cols.size() != value.size()) return {};
    return cols;
}

Diagnostic yaml_error(const std::string& file, const YAML::Exception& e,
                      const std::vector<std::string_view>& lines) {
    Diagnostic d{at_mark(file, e.mark), e.msg, {}};
    if (e.mark.line < 0 || static_cast<std::size_t>(e.mark.line) >= lines.size()) {
        d.where.line = 0;
        return d;
    }
    // '@' is a reserved indicator in YAML: an unquoted step beginning with it cannot be parsed. The
    // error mark may sit on the '@' or just after it, so look at the first character after "- ".
    const std::string_view raw = lines[static_cast<std::size_t>(e.mark.line)];
    const std::size_t first = raw.find_first_not_of(" \t");
    if (first != std::string_view::npos && raw[first] == '-') {
        const std::size_t item = raw.find_first_not_of(" \t", first + 1);
        if (item != std::string_view::npos && raw[item] == '@') {
            d.where.column = static_cast<int>(item) + 1;
            d.message = "a step that begins with '@' must be quoted";
            d.hint = fmt::format("write - '{}'", raw.substr(item));
        } else if (item != std::string_view::npos && raw[item] != '\'' && raw[item] != '"' &&
                   raw.find(": ", item) != std::string_view::npos) {
            // `- expect dmesg "a: b"`: YAML sees a key in a plain scalar and fails after it.
            d.where.column = static_cast<int>(item) + 1;
            d.message = kColonMessage;
            d.hint = quote_hint(raw.substr(item));
        }
    }
    return d;
}

std::string type_name(const YAML::Node& n) {
    switch (n.Type()) {
    case YAML::NodeType::Map:
        return "a mapping";
    case YAML::NodeType::Sequence:
        return "a list";
    case YAML::NodeType::Null:
        return "empty";
    default:
        return "a scalar";
    }
}

} // namespace

SourceLocation StepSource::at(std::size_t offset) const {
    if (offset < columns.size()) return {file, line, columns[offset]};
    if (offset >= text.size() && end_column > 0) return {file, line, end_column};
    return {file, line, columns.empty() ? 0 : columns.front()};
}

namespace {

Result<ScenarioFile> interpret(const YAML::Node& root, const std::string& file,
                               const std::vector<std::string_view>& lines) {
    ScenarioFile out;
    out.file = file;
    out.name = std::filesystem::path(file).stem().string();
    if (!root.IsMap())
        return Diagnostic{
            {file, root.IsNull() ? 1 : root.Mark().line + 1, root.IsNull() ? 1 : root.Mark().column + 1},
            fmt::format("a scenario is a mapping with keys name, description, seed, platform, steps; "
                        "this file is {}",
                        type_name(root)),
            {}};
    bool have_steps = false;
    for (const auto& kv : root) {
        if (!kv.first.IsScalar())
            return Diagnostic{at_mark(file, kv.first.Mark()),
                              fmt::format("a top-level key must be a name, not {}", type_name(kv.first)),
                              "the keys are name, description, seed, platform, steps"};
        const auto key = kv.first.as<std::string>();
        const YAML::Node& value = kv.second;
        const SourceLocation key_at = at_mark(file, kv.first.Mark());
        if (key == "name" || key == "description") {
            if (!value.IsScalar())
                return Diagnostic{
                    key_at, fmt::format("'{}' must be a string, not {}", key, type_name(value)), {}};
            (key == "name" ? out.name : out.description) = value.as<std::string>();
        } else if (key == "seed") {
            try {
                out.seed = value.as<std::uint64_t>();
            } catch (const YAML::Exception&) {
                return Diagnostic{at_mark(file, value.Mark()), "'seed' must be a non-negative integer", {}};
            }
        } else if (key == "platform") {
            if (value.IsNull()) continue;
            if (!value.IsMap())
                return Diagnostic{
                    key_at,
                    fmt::format("'platform' must be a mapping of parameter keys to values, not {}",
                                type_name(value)),
                    "see `daxsim params` for the keys"};
            for (const auto& p : value) {
                if (!p.first.IsScalar())
                    return Diagnostic{at_mark(file, p.first.Mark()),
                                      fmt::format("a platform key must be a parameter name, not {}",
                                                  type_name(p.first)),
                                      "see `daxsim params` for the keys"};
                if (!p.second.IsScalar())
                    return Diagnostic{at_mark(file, p.second.Mark()),
                                      fmt::format("platform value of '{}' must be a scalar, not {}",
                                                  p.first.as<std::string>(), type_name(p.second)),
                                      {}};
                out.platform.push_back(PlatformEntry{p.first.as<std::string>(), p.second.as<std::string>(),
                                                     at_mark(file, p.first.Mark()),
                                                     at_mark(file, p.second.Mark())});
            }
        } else if (key == "steps") {
            have_steps = true;
            if (value.IsNull()) continue;
            if (!value.IsSequence())
                return Diagnostic{
                    key_at,
                    fmt::format("'steps' must be a list of command lines, not {}", type_name(value)),
                    {}};
            for (const auto& s : value) {
                const SourceLocation at = at_mark(file, s.Mark());
                if (s.IsMap()) {
                    // A plain step with ': ' in it is a one-entry mapping to YAML.
                    const auto li = static_cast<std::size_t>(s.Mark().line);
                    const auto col = static_cast<std::size_t>(s.Mark().column);
                    const std::string_view raw = li < lines.size() ? lines[li] : std::string_view{};
                    return Diagnostic{at, kColonMessage,
                                      col < raw.size() ? quote_hint(raw.substr(col))
                                                       : "put the whole step in single quotes"};
                }
                if (!s.IsScalar())
                    return Diagnostic{
                        at,
                        fmt::format("a step must be a command line (a string), not {}", type_name(s)),
                        {}};
                StepSource step;
                step.text = s.as<std::string>();
                step.file = file;
                step.line = at.line;
                const auto line_index = static_cast<std::size_t>(s.Mark().line);
                if (step.text.find('\n') == std::string::npos && line_index < lines.size())
                    step.columns = map_columns(lines[line_index], s.Mark().column, step.text);
                if (step.columns.empty()) step.columns.assign(step.text.size(), at.column);
                step.end_column = step.columns.empty() ? at.column : step.columns.back() + 1;
                out.steps.push_back(std::move(step));
            }
        } else {
            return Diagnostic{key_at, fmt::format("unknown key '{}'", key), did_you_mean(key, kTopLevelKeys)};
        }
    }
    if (!have_steps) return Diagnostic{{file, 1, 1}, "the scenario has no 'steps' list", {}};
    return out;
}

} // namespace

Result<ScenarioFile> parse_scenario(std::string_view text, const std::string& file) {
    const auto lines = split_lines(text);
    YAML::Node root;
    try {
        root = YAML::Load(std::string(text));
    } catch (const YAML::Exception& e) {
        return yaml_error(file, e, lines);
    }
    // A conversion the checks above did not foresee still ends in a located diagnostic, never a crash.
    try {
        return interpret(root, file, lines);
    } catch (const YAML::Exception& e) {
        return yaml_error(file, e, lines);
    }
}

Result<ScenarioFile> load_scenario(const std::string& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) return Diagnostic{{file, 0, 0}, "cannot read the scenario file", {}};
    std::ostringstream ss;
    ss << in.rdbuf();
    return parse_scenario(ss.str(), file);
}

} // namespace daxsim::scenarios
