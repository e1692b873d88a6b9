#include "models/pmem_media.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <vector>

using daxsim::models::PmemMedia;

namespace {

constexpr std::uint64_t kLine = 256;

std::vector<std::byte> pattern(std::size_t n, unsigned seed) {
    std::vector<std::byte> v(n);
    for (std::size_t i = 0; i < n; ++i)
        v[i] = static_cast<std::byte>((i * 31 + seed * 7) & 0xff);
    return v;
}

std::vector<std::byte> read(const PmemMedia& m, std::uint64_t dpa, std::size_t n) {
    std::vector<std::byte> out(n, std::byte{0xee});
    m.read(dpa, out);
    return out;
}

} // namespace

TEST_CASE("sparse media reads zeros where never written and keeps host memory only for written lines") {
    PmemMedia m(512ull << 30, kLine, 0); // 512 GiB: nothing is allocated for it up front
    CHECK(read(m, 0, 64) == std::vector<std::byte>(64, std::byte{0}));
    CHECK(read(m, (512ull << 30) - 4096, 4096) == std::vector<std::byte>(4096, std::byte{0}));
    const auto data = pattern(64, 1);
    m.write_raw(300ull << 30, data);
    CHECK(read(m, 300ull << 30, 64) == data);
    CHECK(m.resident_lines() == 1);
    // The rest of that line, and the same line offset in the next 64 KiB region, still read as zeros.
    CHECK(read(m, (300ull << 30) + 64, 192) == std::vector<std::byte>(192, std::byte{0}));
    CHECK(read(m, (300ull << 30) + (64 << 10), 64) == std::vector<std::byte>(64, std::byte{0}));
}

TEST_CASE("sparse media agrees with a byte map through writes across line and region boundaries") {
    PmemMedia m(64ull << 20, kLine, 0);
    std::map<std::uint64_t, std::byte> model; // bytes written; absent bytes are zero
    std::uint64_t x = 7;
    auto next = [&x] {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        return x >> 33;
    };
    for (unsigned step = 0; step < 3000; ++step) {
        // Clustered around 64 KiB region boundaries, sometimes straddling lines and regions.
        const std::uint64_t region = next() % 64;
        const std::uint64_t dpa = region * (64 << 10) + (next() % 2 ? 0 : (64 << 10) - 300) + next() % 600;
        const std::size_t len = 1 + next() % 700;
        if (dpa + len > m.capacity()) continue;
        const auto data = pattern(len, step);
        m.write_raw(dpa, data);
        for (std::size_t i = 0; i < len; ++i)
            model[dpa + i] = data[i];
        const std::uint64_t probe = region * (64 << 10) + next() % (128 << 10);
        if (probe + 512 > m.capacity()) continue;
        const auto got = read(m, probe, 512);
        for (std::size_t i = 0; i < 512; ++i) {
            const auto it = model.find(probe + i);
            REQUIRE(got[i] == (it == model.end() ? std::byte{0} : it->second));
        }
    }
}

TEST_CASE(
    "a poisoned line cleared by the firmware reads as zeros and its host slot serves the next new line") {
    PmemMedia m(16ull << 20, kLine, 0);
    m.write_raw(0, pattern(kLine, 3));
    m.write_raw(kLine, pattern(kLine, 4));
    CHECK(m.inject_poison(0, 1) == 1);
    CHECK(m.write(0, pattern(64, 5)).failed_lines == 1); // a partial write cannot merge into poison
    CHECK(m.clear_poison(0, kLine) == kLine);
    CHECK(read(m, 0, kLine) == std::vector<std::byte>(kLine, std::byte{0}));
    CHECK(m.resident_lines() == 1);
    // The freed slot still holds the old bytes on the host; a new line given it must read as zeros
    // outside what was written.
    m.write_raw(8 * kLine + 16, pattern(16, 6));
    auto expect = std::vector<std::byte>(kLine, std::byte{0});
    const auto written = pattern(16, 6);
    std::copy(written.begin(), written.end(), expect.begin() + 16);
    CHECK(read(m, 8 * kLine, kLine) == expect);
    CHECK(read(m, kLine, kLine) == pattern(kLine, 4));
}

TEST_CASE("a line written again right after the firmware cleared it gets a slot of its own") {
    // The media remembers the last line written; clearing that line's poison frees its slot, and the
    // next write to the line must go through the index again (a stale memory would write into the freed
    // slot, which the next new line is given, and leave the line itself reading zeros).
    PmemMedia m(16ull << 20, kLine, 0);
    m.write_raw(0, pattern(64, 1));
    CHECK(m.inject_poison(0, 1) == 1);
    CHECK(m.clear_poison(0, kLine) == kLine);
    m.write_raw(64, pattern(64, 2));
    m.write_raw(4 * kLine, pattern(64, 3)); // a new line: it is given the freed slot
    auto expect = std::vector<std::byte>(kLine, std::byte{0});
    const auto second = pattern(64, 2);
    std::copy(second.begin(), second.end(), expect.begin() + 64);
    CHECK(read(m, 0, kLine) == expect);
    CHECK(read(m, 4 * kLine, 64) == pattern(64, 3));
    CHECK(m.resident_lines() == 2);
}

TEST_CASE("sparse media with lines larger than its 64 KiB write-tracking regions reads back every byte") {
    constexpr std::uint64_t big = 128 << 10; // dimm.line_size allows lines up to 1 MiB
    PmemMedia m(16ull << 20, big, 0);
    const auto data = pattern(64, 9);
    m.write_raw(3 * big + big - 64, data); // the last bytes of a line, in the line's second region
    CHECK(read(m, 3 * big + big - 64, 64) == data);
    CHECK(read(m, 3 * big, 64) == std::vector<std::byte>(64, std::byte{0}));
}
