// dmsetup create / remove: the table string split into lines (a literal \n separates them), each line
// into START LEN TYPE ARGS, handed to the kernel's device-mapper; failures print what dmsetup prints
// ("device-mapper: reload ioctl on NAME  failed: ..." then "Command failed.") and record the errno.
#include "guest_api/mm/mm_types.h"

#include <cerrno>
#include <charconv>

#include <fmt/format.h>

#include "guest_api/admin.h"
#include "guest_api/kernel/kernel.h"
#include "scenarios/session.h"
#include "scenarios/tokenizer.h"

namespace daxsim::scenarios {
namespace {

namespace k = daxsim::kernel;

bool parse_u64(const std::string& s, std::uint64_t* out) {
    const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
    return ec == std::errc{} && p == s.data() + s.size();
}

// The checker has validated the shape already; what it cannot know (devices, sizes) the kernel checks.
std::vector<k::DmTargetSpec> parse_table(const Value& v) {
    Word word;
    word.text = v.text;
    word.offset = v.offset;
    word.end_offset = v.offset + v.text.size();
    std::vector<k::DmTargetSpec> table;
    for (const Word& line : split_table_lines(word)) {
        const Tokens t = tokenize_within(line);
        if (t.words.size() < 3) continue;
        k::DmTargetSpec spec;
        (void)parse_u64(t.words[0].text, &spec.start);
        (void)parse_u64(t.words[1].text, &spec.len);
        spec.type = t.words[2].text;
        for (std::size_t i = 3; i < t.words.size(); ++i)
            spec.args.push_back(t.words[i].text);
        table.push_back(std::move(spec));
    }
    return table;
}

void ioctl_failed(StepExec& ex, std::string_view ioctl, const std::string& name, int err) {
    // libdevmapper prints the name and the (empty) uuid separated by a space, hence two spaces.
    ex.fail(err, fmt::format("device-mapper: {} ioctl on {}  failed: {}", ioctl, name, strerror_text(err)));
    ex.print("Command failed.");
}

} // namespace

void dmsetup(Session& s, const ParsedCommand& c, StepExec& ex) {
    auto& kern = s.kernel();
    const std::string_view n = c.name();
    const std::string& name = c.args[0].text;
    if (n == "dmsetup create") {
        if (k::dm_disk_name(kern, name)) return ioctl_failed(ex, "create", name, EBUSY);
        const int r = k::dmsetup_create(kern, name, parse_table(*c.option("--table")));
        if (r < 0) ioctl_failed(ex, "reload", name, -r);
        return;
    }
    if (n == "dmsetup remove") {
        const int r = k::dmsetup_remove(kern, name);
        if (r < 0) ioctl_failed(ex, "remove", name, -r);
        return;
    }
    ex.fail(ENOSYS, fmt::format("{}: not supported yet in this build", n));
}

} // namespace daxsim::scenarios
