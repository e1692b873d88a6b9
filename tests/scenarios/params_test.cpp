#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "scenarios/params.h"

using namespace daxsim::scenarios;

namespace {
PlatformEntry entry(std::string key, std::string value, int line) {
    return PlatformEntry{std::move(key), std::move(value), {"p.yaml", line, 3}, {"p.yaml", line, 20}};
}
} // namespace

TEST_CASE("defaults match the documented platform") {
    auto r = build_config({}, {});
    REQUIRE(r.ok());
    const auto p = effective_params(r.value());
    CHECK(p.at("dimm.count") == "6");
    CHECK(p.at("dimm.capacity") == "128GiB");
    CHECK(p.at("interleave.ways") == "6");
    CHECK(p.at("interleave.granularity") == "4KiB");
    CHECK(p.at("persistence") == "adr");
    CHECK(p.at("cpu.count") == "2");
    CHECK(p.at("dm.notify_failure") == "forward");
    CHECK(p.at("vm.memory_failure_early_kill") == "0");
    CHECK(p.at("cost.syscall") == "100ns");
    CHECK(p.at("platform.pmem_base") == "0x4000000000");
}

TEST_CASE("values take units and land in the typed configs") {
    const std::vector<PlatformEntry> file{entry("dimm.capacity", "16GiB", 2),
                                          entry("dimm.read_latency", "0.3us", 3)};
    auto bad = build_config(file, {});
    REQUIRE_FALSE(bad.ok()); // 0.3us has no integer number of units
    const std::vector<PlatformEntry> good{entry("dimm.capacity", "16GiB", 2),
                                          entry("dimm.read_latency", "1us", 3),
                                          entry("persistence", "eadr", 4), entry("cost.mce_entry", "3us", 5)};
    auto r = build_config(good, {});
    REQUIRE(r.ok());
    CHECK(r.value().platform.dimm.capacity_bytes == 16ull << 30);
    CHECK(r.value().platform.dimm.read_latency_ns == 1000);
    CHECK(r.value().platform.persistence == daxsim::platform::Persistence::eadr);
    CHECK(r.value().kernel.cost.mce_entry_ns == 3000);
}

TEST_CASE("set on the command line wins over the file") {
    const std::vector<PlatformEntry> file{entry("cpu.count", "4", 2)};
    const std::vector<std::string> sets{"cpu.count=8", "vm.memory_failure_early_kill=1",
                                        "dm.notify_failure=upstream"};
    auto r = build_config(file, sets);
    REQUIRE(r.ok());
    CHECK(r.value().platform.cpu.count == 8);
    CHECK(r.value().kernel.memory_failure_early_kill);
    CHECK(r.value().kernel.dm_notify_failure == daxsim::kernel::DmNotifyFailure::upstream);
}

TEST_CASE("an unknown key in the file is located with a suggestion") {
    const std::vector<PlatformEntry> file{entry("dimm.cuont", "2", 4)};
    auto r = build_config(file, {});
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().format() ==
          "p.yaml:4:3: error: unknown parameter 'dimm.cuont'\nhint: did you mean 'dimm.count'?");
}

TEST_CASE("a bad value names the key and the value at the value") {
    const std::vector<PlatformEntry> file{entry("persistence", "adr2", 6)};
    auto r = build_config(file, {});
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().where.column == 20);
    CHECK(r.error().message == "bad value 'adr2' for persistence: 'adr2' is not one of adr, eadr");
}

TEST_CASE("a bad set value is reported against the set") {
    const std::vector<std::string> sets{"dimm.capacity=lots"};
    auto r = build_config({}, sets);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().format() == "daxsim: error: --set dimm.capacity=lots: bad value 'lots' for "
                                "dimm.capacity: 'lots' is not a size: it has no number\n"
                                "hint: dimm.capacity is in B");
}

TEST_CASE("a set without an equals sign is rejected") {
    const std::vector<std::string> sets{"cpu.count"};
    auto r = build_config({}, sets);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message == "--set cpu.count: expected KEY=VALUE");
}

TEST_CASE("an impossible machine is rejected at the entry that made it so") {
    const std::vector<PlatformEntry> file{entry("dimm.count", "4", 3)};
    auto r = build_config(file, {});
    REQUIRE_FALSE(r.ok());
    // validate() names interleave.ways (default 6), which the file did not set: the entry it mentions.
    CHECK(r.error().where.line == 3);
    CHECK(r.error().message == "impossible machine: interleave.ways: 6 does not divide dimm.count 4");
}

TEST_CASE("an impossible machine from a set names the set") {
    const std::vector<std::string> sets{"interleave.ways=4"};
    auto r = build_config({}, sets);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message ==
          "--set interleave.ways=4: impossible machine: interleave.ways: 4 does not divide dimm.count 6");
}

TEST_CASE("the params listing has every key with its default and unit") {
    const std::string table = format_params_table();
    for (const auto& p : param_registry())
        CHECK(table.find(std::string(p.key)) != std::string::npos);
    CHECK(table.find("dimm.capacity") != std::string::npos);
    CHECK(table.find("128GiB") != std::string::npos);
    CHECK(param_registry().size() >= 29);
}
