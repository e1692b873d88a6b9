#include "platform/functional_memory.h"

#include <doctest/doctest.h>

#include <array>
#include <vector>

#include "models/mca.h"

using namespace daxsim::platform;
namespace mca = daxsim::models::mca;

namespace {

PlatformConfig small_config() {
    PlatformConfig c;
    c.dimm.capacity_bytes = 16ull << 20;
    return c; // six 16 MiB DIMMs, 4 KiB x 6, base 256 GiB
}

constexpr std::uint64_t base = 0x40'0000'0000;

std::vector<std::byte> pattern(std::size_t n, unsigned seed) {
    std::vector<std::byte> v(n);
    for (std::size_t i = 0; i < n; ++i)
        v[i] = static_cast<std::byte>((i * 7 + seed) & 0xFF);
    return v;
}

} // namespace

TEST_CASE("build_nfit describes one 4 KiB x 6 set with consecutive positions") {
    const Nfit n = build_nfit(small_config());
    REQUIRE(n.spa_ranges.size() == 1);
    CHECK(n.spa_ranges[0].range_index == 1);
    CHECK(n.spa_ranges[0].base == base);
    CHECK(n.spa_ranges[0].length == 6 * (16ull << 20));
    REQUIRE(n.dimms.size() == 6);
    REQUIRE(n.memdevs.size() == 6);
    for (unsigned i = 0; i < 6; ++i) {
        CHECK(n.memdevs[i].dimm == i);
        CHECK(n.memdevs[i].interleave_position == i);
        CHECK(n.memdevs[i].interleave_ways == 6);
        CHECK(n.memdevs[i].interleave_granularity == 4096);
        CHECK(n.memdevs[i].region_size == (16ull << 20));
        CHECK(n.memdevs[i].dpa_base == 0);
        CHECK(n.dimms[i].capacity == (16ull << 20));
        CHECK(n.dimms[i].label_bytes == (128u << 10));
    }
    CHECK(n.dimms[3].serial == "0x00000003");
}

TEST_CASE("build_nfit lays out two 3 way sets consecutively") {
    PlatformConfig c = small_config();
    c.interleave.ways = 3;
    const Nfit n = build_nfit(c);
    REQUIRE(n.spa_ranges.size() == 2);
    CHECK(n.spa_ranges[1].range_index == 2);
    CHECK(n.spa_ranges[1].base == base + 3 * (16ull << 20));
    CHECK(n.memdevs[4].dimm == 4);
    CHECK(n.memdevs[4].range_index == 2);
    CHECK(n.memdevs[4].interleave_position == 1);
}

TEST_CASE("dimm handles follow the NFIT device handle bit layout") {
    PlatformConfig c = small_config();
    c.dimm_count = 12;
    const Nfit n = build_nfit(c);
    // slot 1; channel 0..2; iMC 0..1; socket 0..1
    CHECK(n.dimms[0].handle == 0x0001);
    CHECK(n.dimms[1].handle == 0x0011);
    CHECK(n.dimms[2].handle == 0x0021);
    CHECK(n.dimms[3].handle == 0x0101);
    CHECK(n.dimms[6].handle == 0x1001);
    CHECK(n.dimms[11].handle == 0x1121);
}

TEST_CASE("store then load returns the stored bytes across interleave chunks") {
    FunctionalMachine m(small_config());
    const auto data = pattern(10000, 3);
    const std::uint64_t at = base + 4096 - 100;
    REQUIRE(m.port(0).store(at, data).ok());
    std::vector<std::byte> back(data.size());
    const auto r = m.port(1).load(at, back);
    REQUIRE(r.ok());
    CHECK(r.bytes_done == data.size());
    CHECK(back == data);
    // The bytes after the first 100 went to the next chunk: DIMM 1, DPA 0.
    const auto t = m.firmware().translate_spa(base + 4096);
    REQUIRE(t);
    CHECK(t->dimm == 1);
    CHECK(t->dpa == 0);
}

TEST_CASE("untouched memory reads zeros") {
    FunctionalMachine m(small_config());
    std::vector<std::byte> out(512, std::byte{0xAA});
    REQUIRE(m.port(0).load(base + (50ull << 20), out).ok());
    for (auto b : out)
        CHECK(b == std::byte{0});
}

TEST_CASE("load of a poisoned line stops at the poisoned cache line with an SRAR record") {
    FunctionalMachine m(small_config());
    const auto data = pattern(1024, 9);
    REQUIRE(m.port(0).store(base, data).ok());
    REQUIRE(m.firmware().inject_error(base + 512 + 10, 1)); // poisons media line [512, 768)
    std::vector<std::byte> out(1024);
    const auto r = m.port(1).load(base + 100, out);
    CHECK(r.status == AccessStatus::machine_check);
    CHECK(r.bytes_done == 412); // [base+100, base+512)
    CHECK(std::equal(out.begin(), out.begin() + 412, data.begin() + 100));
    REQUIRE(r.mce);
    CHECK(r.mce->cpu == 1);
    CHECK(r.mce->bank == 1);
    CHECK(r.mce->mci_addr == base + 512);
    CHECK(r.mce->mci_status == 0xBD80'0000'0000'0134ull); // VAL UC EN MISCV ADDRV S AR, MCACOD 0x134
    CHECK((r.mce->mci_status & mca::mci_status::pcc) == 0);
    CHECK(r.mce->mci_misc == (6 | 2 << 6));
    CHECK(r.mce->mcg_status == (mca::mcg_status::ripv | mca::mcg_status::eipv | mca::mcg_status::mcip));
}

TEST_CASE("load starting inside a poisoned line reports zero bytes done") {
    FunctionalMachine m(small_config());
    REQUIRE(m.firmware().inject_error(base + 256, 256));
    std::array<std::byte, 8> out{};
    const auto r = m.port(0).load(base + 300, out);
    CHECK(r.status == AccessStatus::machine_check);
    CHECK(r.bytes_done == 0);
    REQUIRE(r.mce);
    CHECK(r.mce->mci_addr == base + 256);
}

TEST_CASE("partial store into a poisoned line leaves it poisoned and a full line store clears it") {
    FunctionalMachine m(small_config());
    REQUIRE(m.firmware().inject_error(base, 1));
    const auto part = pattern(64, 1);
    CHECK(m.port(0).store(base, part).ok()); // posted: never faults
    std::array<std::byte, 64> out{};
    CHECK(m.port(0).load(base, out).status == AccessStatus::machine_check);
    const auto full = pattern(256, 2);
    CHECK(m.port(0).nt_store(base, full).ok());
    const auto r = m.port(0).load(base, out);
    REQUIRE(r.ok());
    CHECK(std::equal(out.begin(), out.end(), full.begin()));
    CHECK(m.firmware().address_range_scrub(base, 4096).empty());
}

TEST_CASE("access outside every SPA range returns no_device") {
    FunctionalMachine m(small_config());
    std::array<std::byte, 64> buf{};
    CHECK(m.port(0).load(base - 64, buf).status == AccessStatus::no_device);
    const std::uint64_t end = base + 6 * (16ull << 20);
    const auto r = m.port(0).store(end - 16, buf);
    CHECK(r.status == AccessStatus::no_device);
    CHECK(r.bytes_done == 16);
}

TEST_CASE("clock advances one ns per access plus cpu work") {
    FunctionalMachine m(small_config());
    std::array<std::byte, 4096> buf{};
    CHECK(m.port(0).now_ns() == 0);
    CHECK(m.port(0).load(base, buf).cost_ns == 1);
    CHECK(m.port(1).store(base, buf).cost_ns == 1);
    CHECK(m.port(0).clwb(base, 4096).cost_ns == 1);
    CHECK(m.port(0).sfence().cost_ns == 1);
    m.port(1).cpu_work(250);
    CHECK(m.port(0).now_ns() == 254);
    CHECK(m.port(1).cpu() == 1);
    CHECK(m.cpu_count() == 2);
    CHECK(m.ports().size() == 2);
}

TEST_CASE("inject_error rejects a range that leaves persistent memory") {
    FunctionalMachine m(small_config());
    const std::uint64_t end = base + 6 * (16ull << 20);
    CHECK_FALSE(m.firmware().inject_error(end - 256, 512));
    CHECK_FALSE(m.firmware().inject_error(base, 0));
    CHECK(m.firmware().address_range_scrub(base, end - base).empty());
    CHECK(m.firmware().inject_error(end - 256, 256));
}

TEST_CASE("ARS reports poisoned lines merged in SPA order") {
    FunctionalMachine m(small_config());
    REQUIRE(m.firmware().inject_error(base + 8192, 600));            // lines 8192, 8448, 8704 (DIMM 2)
    REQUIRE(m.firmware().inject_error(base + 4096 - 1, 2));          // 3840 (DIMM 0) and 4096 (DIMM 1)
    REQUIRE(m.firmware().inject_error_dpa(DimmAddress{5, 4096}, 1)); // SPA base + 11 * 4096
    const auto recs = m.firmware().address_range_scrub(base, 1 << 20);
    REQUIRE(recs.size() == 3);
    CHECK(recs[0].spa == base + 3840);
    CHECK(recs[0].length == 512);
    CHECK(recs[1].spa == base + 8192);
    CHECK(recs[1].length == 768);
    CHECK(recs[2].spa == base + 11 * 4096);
    CHECK(recs[2].length == 256);
    // A range that only partly overlaps a line still reports the whole line.
    const auto part = m.firmware().address_range_scrub(base + 8200, 8);
    REQUIRE(part.size() == 1);
    CHECK(part[0].spa == base + 8192);
}

TEST_CASE("clear_error zeroes poisoned whole lines and returns the cleared bytes") {
    FunctionalMachine m(small_config());
    REQUIRE(m.port(0).store(base, pattern(1024, 5)).ok());
    REQUIRE(m.firmware().inject_error(base, 1024));
    CHECK(m.firmware().clear_error(base + 10, 600) == 256); // only [256, 512) is whole inside
    CHECK(m.firmware().address_range_scrub(base, 1024).size() == 2);
    CHECK(m.firmware().clear_error(base, 1024) == 1024);
    std::vector<std::byte> out(1024, std::byte{0xFF});
    REQUIRE(m.port(0).load(base, out).ok());
    for (auto b : out)
        CHECK(b == std::byte{0});
}

TEST_CASE("translate_spa and dpa_to_spa are inverse") {
    PlatformConfig c = small_config();
    c.interleave.ways = 3;
    FunctionalMachine m(c);
    for (std::uint64_t off :
         {0ull, 4095ull, 4096ull, 12288ull + 77, (48ull << 20) - 1, (48ull << 20) + 5000}) {
        const auto t = m.firmware().translate_spa(base + off);
        REQUIRE(t);
        CHECK(m.firmware().dpa_to_spa(*t) == base + off);
    }
    CHECK(m.firmware().translate_spa((48ull << 20) + 5000 + base)->dimm == 4);
    CHECK_FALSE(m.firmware().translate_spa(base + (96ull << 20)));
    CHECK_FALSE(m.firmware().dpa_to_spa(DimmAddress{6, 0}));
    CHECK_FALSE(m.firmware().dpa_to_spa(DimmAddress{0, 16ull << 20}));
}

TEST_CASE("label access is bounds checked and separate from media") {
    FunctionalMachine m(small_config());
    const auto data = pattern(256, 4);
    CHECK(m.firmware().label_write(2, (128 << 10) - 256, data));
    std::vector<std::byte> back(256);
    CHECK(m.firmware().label_read(2, (128 << 10) - 256, back));
    CHECK(back == data);
    CHECK_FALSE(m.firmware().label_write(2, (128 << 10) - 255, data));
    CHECK_FALSE(m.firmware().label_read(2, ~0ull, back));
    CHECK_FALSE(m.firmware().label_read(6, 0, back));
    std::vector<std::byte> media(256, std::byte{1});
    REQUIRE(m.port(0).load(base + 2 * 4096, media).ok()); // DIMM 2 DPA 0 untouched
    CHECK(media[0] == std::byte{0});
    CHECK(m.firmware().media_line_bytes() == 256);
}
