#include "models/patrol_scrubber.h"

#include <doctest/doctest.h>

using namespace daxsim::models;

namespace {

constexpr std::uint64_t spa_base = 0x40'0000'0000;

// Two 16 MiB DIMMs in one 2-way 4 KiB interleave set.
struct Rig {
    PmemMedia d0{16ull << 20, 256, 1024};
    PmemMedia d1{16ull << 20, 256, 1024};
    InterleaveSet set{spa_base, 32ull << 20, 4096, {0, 1}, 0};
    PatrolScrubber scrubber{{&d0, &d1}, {set}, PatrolScrubberParams{1ull << 30}};
};

} // namespace

TEST_CASE("patrol scrubber reports each poisoned media line with the iMC SRAO bank fields") {
    Rig r;
    r.d1.inject_poison(0x1000 + 0x300, 1);  // DIMM 1 chunk 1 -> SPA chunk 3: 0x3300
    r.d0.inject_poison(0x2000 + 0x10, 300); // two lines on DIMM 0 chunk 2 -> SPA chunk 4: 0x4000, 0x4100
    const ScrubPass pass = r.scrubber.pass();
    REQUIRE(pass.found.size() == 3);
    CHECK(pass.found[0].spa == spa_base + 0x3300);
    CHECK(pass.found[0].dimm == 1);
    CHECK(pass.found[0].dpa == 0x1300);
    CHECK(pass.found[1].spa == spa_base + 0x4000);
    CHECK(pass.found[2].spa == spa_base + 0x4100);
    const ScrubFinding& f = pass.found[0];
    CHECK(f.bank == mca::imc_bank_first + 1);
    CHECK(f.record.addr == spa_base + 0x3300);
    CHECK(mca::mci_status::mcacod(f.record.status) == (mca::mcacod::scrub_first | 1));
    CHECK((f.record.status & mca::mci_status::val) != 0);
    CHECK((f.record.status & mca::mci_status::uc) != 0);
    CHECK((f.record.status & mca::mci_status::en) != 0);
    CHECK((f.record.status & mca::mci_status::miscv) != 0);
    CHECK((f.record.status & mca::mci_status::addrv) != 0);
    CHECK((f.record.status & mca::mci_status::s) != 0);
    CHECK((f.record.status & mca::mci_status::ar) == 0);
    CHECK((f.record.status & mca::mci_status::pcc) == 0);
    CHECK((f.record.status & mca::mci_status::over) == 0);
    CHECK(mca::mci_misc::lsb(f.record.misc) == 8);
    CHECK(mca::mci_misc::mode(f.record.misc) == mca::mci_misc::mode_physical);
    CHECK(f.mcg_status == (mca::mcg_status::ripv | mca::mcg_status::mcip));
    CHECK(mca::mci_status::mcacod(pass.found[1].record.status) == mca::mcacod::scrub_first);
}

TEST_CASE("patrol scrub pass time is the media size over the scrub rate") {
    Rig r;
    const ScrubPass pass = r.scrubber.pass();
    CHECK(pass.found.empty());
    CHECK(pass.bytes == 32ull << 20);
    CHECK(pass.duration_ns == 31'250'000); // 32 MiB at 1 GiB/s
    (void)r.scrubber.pass();
    CHECK(r.scrubber.stats().passes.value == 2);
    CHECK(r.scrubber.stats().bytes.value == 64ull << 20);
}

TEST_CASE("patrol scrub of the default 768 GiB at the default rate takes 96 s") {
    // Six sparse 128 GiB DIMMs: the pass is O(poisoned lines), not O(capacity).
    std::vector<PmemMedia> dimms;
    dimms.reserve(6);
    std::vector<const PmemMedia*> ptrs;
    InterleaveSet set{spa_base, 768ull << 30, 4096, {0, 1, 2, 3, 4, 5}, 0};
    for (int i = 0; i < 6; ++i) {
        dimms.emplace_back(128ull << 30, 256, 1024);
        ptrs.push_back(&dimms.back());
    }
    dimms[4].inject_poison((100ull << 30) + 0x40, 1);
    PatrolScrubber s(ptrs, {set}, PatrolScrubberParams{});
    const ScrubPass pass = s.pass();
    CHECK(pass.duration_ns == 96'000'000'000ull);
    REQUIRE(pass.found.size() == 1);
    CHECK(pass.found[0].spa == *encode(set, 4, 100ull << 30));
    CHECK(s.stats().errors.value == 1);
}

TEST_CASE("patrol scrub skips poison outside every interleave set") {
    PmemMedia d0{16ull << 20, 256, 1024};
    InterleaveSet half{spa_base, 8ull << 20, 4096, {0}, 0}; // maps only the first 8 MiB of the DIMM
    PatrolScrubber s({&d0}, {half}, PatrolScrubberParams{0});
    d0.inject_poison(12ull << 20, 1);
    d0.inject_poison(4ull << 20, 1);
    const ScrubPass pass = s.pass();
    REQUIRE(pass.found.size() == 1);
    CHECK(pass.found[0].spa == spa_base + (4ull << 20));
    CHECK(pass.duration_ns == 0); // rate 0: untimed
}
