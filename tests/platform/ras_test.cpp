// Platform RAS events: power failure against the persistence domain (ADR, eADR) and the patrol scrub,
// on the SystemC machine (one Machine per process: every TEST_CASE runs in its own) and the functional one.
#include "platform/ras.h"

#include <doctest/doctest.h>

#include <vector>

#include "models/mca.h"
#include "platform/functional_memory.h"
#include "platform/machine.h"

using namespace daxsim;
using namespace daxsim::platform;

namespace {

constexpr std::uint64_t base = 0x40'0000'0000;

PlatformConfig small_config(Persistence p) {
    PlatformConfig c;
    c.dimm.capacity_bytes = 16ull << 20; // six DIMMs: 96 MiB
    c.persistence = p;
    return c;
}

std::vector<std::byte> bytes(std::size_t n, unsigned char v) {
    return std::vector<std::byte>(n, static_cast<std::byte>(v));
}

} // namespace

TEST_CASE("powerfail under ADR loses a dirty cached line and keeps a flushed one") {
    NullTracer tr;
    Machine m(small_config(Persistence::adr), tr);
    std::vector<std::byte> flushed(64), dirty(64), nt(64);
    PowerfailReport r;
    m.run([&] {
        auto& p = m.port(0);
        REQUIRE(p.store(base + 0x0000, bytes(64, 0xaa)).ok()); // flushed: clwb + sfence
        REQUIRE(p.clwb(base + 0x0000, 64).ok());
        REQUIRE(p.sfence().ok());
        REQUIRE(p.store(base + 0x2000, bytes(64, 0xbb)).ok());    // stays dirty in the cache
        REQUIRE(p.nt_store(base + 0x4000, bytes(64, 0xcc)).ok()); // WPQ: persistent
        r = m.ras().powerfail();
        // The caches come back empty: these loads read the media.
        REQUIRE(p.load(base + 0x0000, flushed).ok());
        REQUIRE(p.load(base + 0x2000, dirty).ok());
        REQUIRE(p.load(base + 0x4000, nt).ok());
    });
    CHECK(r.domain == Persistence::adr);
    CHECK(r.lines_lost == 1);
    CHECK(r.lines_flushed == 0);
    CHECK(flushed == bytes(64, 0xaa));
    CHECK(dirty == bytes(64, 0x00)); // never written: the media still reads zeros
    CHECK(nt == bytes(64, 0xcc));
}

TEST_CASE("powerfail under eADR writes back the dirty cached lines") {
    NullTracer tr;
    Machine m(small_config(Persistence::eadr), tr);
    std::vector<std::byte> dirty(128);
    PowerfailReport r;
    double media_writes_before = 0;
    m.run([&] {
        auto& p = m.port(1);
        REQUIRE(p.store(base + 0x2000, bytes(128, 0xbb)).ok()); // two lines, dirty
        media_writes_before = m.metrics().at("dimm.media_write_bytes");
        r = m.ras().powerfail();
        REQUIRE(p.load(base + 0x2000, dirty).ok());
    });
    CHECK(r.domain == Persistence::eadr);
    CHECK(r.lines_flushed == 2);
    CHECK(r.lines_lost == 0);
    CHECK(dirty == bytes(128, 0xbb));
    // Both lines are in one 256 B XPLine: combined in the XPBuffer, which the DIMM's own power-fail
    // energy writes to the media as one line.
    CHECK(m.metrics().at("dimm.media_write_bytes") == media_writes_before + 256);
}

TEST_CASE("powerfail keeps poison and labels") {
    NullTracer tr;
    Machine m(small_config(Persistence::adr), tr);
    const auto label = bytes(32, 0x5a);
    REQUIRE(m.firmware().label_write(2, 0, label));
    REQUIRE(m.firmware().inject_error(base + 0x8000, 256));
    std::vector<std::byte> out(64);
    AccessStatus status = AccessStatus::ok;
    m.run([&] {
        (void)m.ras().powerfail();
        status = m.port(0).load(base + 0x8000, out).status;
    });
    CHECK(status == AccessStatus::machine_check);
    std::vector<std::byte> back(32);
    REQUIRE(m.firmware().label_read(2, 0, back));
    CHECK(back == label);
}

TEST_CASE("machine patrol scrub reports injected poison as SRAO and charges the pass time") {
    NullTracer tr;
    PlatformConfig c = small_config(Persistence::adr);
    c.mc.scrub_rate_bytes_per_s = 96ull << 20; // 96 MiB in one second
    Machine m(c, tr);
    REQUIRE(m.firmware().inject_error(base + 0x5100, 1));
    REQUIRE(m.firmware().inject_error(base + 0x1000, 1));
    std::vector<MachineCheck> found;
    std::uint64_t t0 = 0;
    std::uint64_t t1 = 0;
    m.run([&] {
        t0 = m.port(0).now_ns();
        found = m.ras().patrol_scrub();
        t1 = m.port(0).now_ns();
    });
    CHECK(t1 - t0 == 1'000'000'000);
    REQUIRE(found.size() == 2);
    using namespace models::mca;
    CHECK(found[0].mci_addr == base + 0x1000); // SPA order
    CHECK(found[1].mci_addr == base + 0x5100);
    // 0x1000 is the second 4 KiB chunk of the 6-way set: DIMM 1, channel 1, bank 14.
    CHECK(found[0].bank == 14);
    CHECK(mci_status::mcacod(found[0].mci_status) == 0x00C1);
    CHECK(found[1].bank == 18); // 0x5000: DIMM 5
    CHECK(mci_status::mcacod(found[1].mci_status) == 0x00C5);
    for (const auto& f : found) {
        const std::uint64_t want = mci_status::val | mci_status::uc | mci_status::en | mci_status::miscv |
                                   mci_status::addrv | mci_status::s;
        CHECK((f.mci_status & ~mci_status::mcacod_mask) == want); // AR=0, PCC=0, OVER=0
        CHECK(mci_misc::lsb(f.mci_misc) == 8);
        CHECK(mci_misc::mode(f.mci_misc) == mci_misc::mode_physical);
        CHECK((f.mcg_status & mcg_status::ripv) != 0);
        CHECK((f.mcg_status & mcg_status::eipv) == 0);
    }
    CHECK(m.metrics().at("mc.scrub_errors") == 2);
    CHECK(m.metrics().at("mc.scrub_bytes") == 96.0 * (1 << 20));
}

TEST_CASE("functional machine patrol scrub finds the same poison and advances its clock") {
    PlatformConfig c = small_config(Persistence::eadr);
    c.mc.scrub_rate_bytes_per_s = 48ull << 20; // two seconds a pass
    FunctionalMachine m(c);
    REQUIRE(m.firmware().inject_error(base + 0x3040, 64));
    const std::uint64_t t0 = m.port(0).now_ns();
    const auto found = m.ras().patrol_scrub();
    CHECK(m.port(0).now_ns() - t0 == 2'000'000'000);
    REQUIRE(found.size() == 1);
    CHECK(found[0].mci_addr == base + 0x3000); // the whole 256 B line
    CHECK(found[0].bank == 16);
    const PowerfailReport r = m.ras().powerfail();
    CHECK(r.domain == Persistence::eadr);
    CHECK(r.lines_lost + r.lines_flushed == 0);
}
