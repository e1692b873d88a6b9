#include "models/interleave.h"

#include <doctest/doctest.h>

using namespace daxsim::models;

namespace {
InterleaveSet six_way() {
    InterleaveSet s;
    s.spa_base = 0x40'0000'0000;
    s.size = 6 * (16ull << 20);
    s.granularity = 4096;
    s.dimms = {0, 1, 2, 3, 4, 5};
    return s;
}
} // namespace

TEST_CASE("4 KiB x 6 interleave decodes consecutive chunks to consecutive DIMMs") {
    const auto s = six_way();
    for (unsigned chunk = 0; chunk < 14; ++chunk) {
        const auto d = decode(s, s.spa_base + chunk * 4096ull + 100);
        REQUIRE(d);
        CHECK(d->dimm == chunk % 6);
        CHECK(d->dpa == (chunk / 6) * 4096ull + 100);
        CHECK(d->bytes_left_in_chunk == 4096 - 100);
    }
}

TEST_CASE("interleave encode inverts decode over a whole small set") {
    InterleaveSet s;
    s.spa_base = 1ull << 30;
    s.size = 3 * 64 * 1024;
    s.granularity = 1024;
    s.dimms = {7, 8, 9};
    for (std::uint64_t off = 0; off < s.size; off += 97) {
        const auto d = decode(s, s.spa_base + off);
        REQUIRE(d);
        CHECK(encode(s, d->dimm, d->dpa) == s.spa_base + off);
    }
}

TEST_CASE("interleave decode and encode reject addresses outside the set") {
    const auto s = six_way();
    CHECK_FALSE(decode(s, s.spa_base - 1));
    CHECK_FALSE(decode(s, s.spa_base + s.size));
    CHECK_FALSE(encode(s, 6, 0));
    CHECK_FALSE(encode(s, 0, 16ull << 20));
    CHECK(encode(s, 5, (16ull << 20) - 1) == s.spa_base + s.size - 1);
}

TEST_CASE("interleave decode agrees with plain division for an odd granularity and chunk numbers past 2^32") {
    // The decode takes shortcuts (a shift for power-of-two granularity, a 32-bit division for small chunk
    // numbers); these sets take the general paths, checked against the definition.
    for (const std::uint64_t granularity : {std::uint64_t{3000}, std::uint64_t{256}}) {
        InterleaveSet s;
        s.spa_base = 0x10'0000'0000;
        s.granularity = granularity;
        s.dimms = {3, 1, 4, 0, 2};
        s.size = (std::uint64_t{6} << 32) * granularity * 5; // chunk numbers reach 30 * 2^32
        s.dpa_base = 0x1000;
        for (const std::uint64_t off :
             {std::uint64_t{0}, std::uint64_t{2999}, (std::uint64_t{1} << 32) * granularity - 1,
              (std::uint64_t{1} << 32) * granularity + 7, s.size - 1}) {
            const auto d = decode(s, s.spa_base + off);
            REQUIRE(d);
            const std::uint64_t chunk = off / granularity;
            CHECK(d->dimm == s.dimms[chunk % 5]);
            CHECK(d->dpa == s.dpa_base + chunk / 5 * granularity + off % granularity);
            CHECK(d->bytes_left_in_chunk == granularity - off % granularity);
            CHECK(encode(s, d->dimm, d->dpa) == s.spa_base + off);
        }
    }
}

TEST_CASE("prepared interleave decoder agrees with the plain decode for every way count and chunk numbers up "
          "to 2^32") {
    for (unsigned ways = 1; ways <= 12; ++ways) {
        InterleaveSet s;
        s.spa_base = 0x40'0000'0000;
        s.granularity = 4096;
        for (unsigned w = 0; w < ways; ++w)
            s.dimms.push_back((w * 5 + 3) % ways);
        // The largest set the fast path takes: just under 2^32 chunks, rounded down to whole rows.
        s.size = (0xffffffffull / ways) * ways * s.granularity;
        s.dpa_base = 0x2000;
        const InterleaveDecoder d(s);
        std::uint64_t x = ways;
        for (int i = 0; i < 20000; ++i) {
            x = x * 6364136223846793005ull + 1442695040888963407ull;
            const std::uint64_t off =
                i < 4 ? (i < 2 ? i * 4095ull : s.size - 1 - (i - 2) * 4096) : x % s.size;
            const auto want = decode(s, s.spa_base + off);
            REQUIRE(want);
            const DecodedAddress got = d.decode_inside(s.spa_base + off);
            REQUIRE(got.dimm == want->dimm);
            REQUIRE(got.dpa == want->dpa);
            REQUIRE(got.bytes_left_in_chunk == want->bytes_left_in_chunk);
        }
    }
}
