#include "models/cpu_core.h"

#include <doctest/doctest.h>

#include "test_harness.h"

using namespace daxsim;
using namespace daxsim::models;
using daxsim::test::bytes;
using daxsim::test::spa_base;
using sc_core::SC_NS;
using sc_core::sc_time;

namespace {
void poison_spa(test::MemorySystem& s, std::uint64_t spa) {
    const auto at = s.mc->decode(spa);
    s.dimms[at->dimm]->inject_poison(at->dpa, 1);
}
} // namespace

TEST_CASE("poisoned load logs MCi_STATUS with VAL UC EN MISCV ADDRV S AR and MCACOD 0x0134") {
    test::RecordingTracer tracer;
    test::MemorySystem s({}, &tracer);
    poison_spa(s, spa_base + 0x4100); // media line [0x4100, 0x4200)
    test::run_thread([&] {
        std::vector<std::byte> r(512);
        const auto res = s.core->load(spa_base + 0x4000, r);
        CHECK(res.status == CpuCore::Status::machine_check);
        CHECK(res.bytes_done == 0x100);
        const auto& bank = s.core->mca().banks[mca::dcu_bank];
        using namespace mca::mci_status;
        CHECK(bank.status == (val | uc | en | miscv | addrv | mca::mci_status::s | ar | 0x0134));
        CHECK((bank.status & (pcc | over)) == 0);
        CHECK(mcacod(bank.status) == 0x0134);
        CHECK(bank.addr == spa_base + 0x4100);
        CHECK(mca::mci_misc::lsb(bank.misc) == 6);
        CHECK(mca::mci_misc::mode(bank.misc) == mca::mci_misc::mode_physical);
        CHECK(s.core->mca().mcg_status ==
              (mca::mcg_status::ripv | mca::mcg_status::eipv | mca::mcg_status::mcip));
        CHECK((s.core->mca().mcg_status & mca::mcg_status::ripv) != 0); // continuable SRAR
        CHECK(s.core->stats().machine_checks.value == 1);
    });
    bool mc = false;
    for (const auto& e : tracer.events)
        if (e.kind == "instant" && e.track == "cpu0" && e.name == "#MC" &&
            e.args.at(0).value == "0xbd80000000000134")
            mc = true;
    CHECK(mc);
}

TEST_CASE("second machine check before the bank is cleared sets OVER") {
    test::MemorySystem s;
    poison_spa(s, spa_base);
    test::run_thread([&] {
        std::vector<std::byte> r(8);
        CHECK(s.core->load(spa_base, r).status == CpuCore::Status::machine_check);
        CHECK((s.core->mca().banks[1].status & mca::mci_status::over) == 0);
        CHECK(s.core->load(spa_base + 64, r).status == CpuCore::Status::machine_check);
        CHECK((s.core->mca().banks[1].status & mca::mci_status::over) != 0);
        CHECK(s.core->mca().banks[1].addr == spa_base + 64);
        s.core->mca().clear(1);
        CHECK(s.core->load(spa_base + 128, r).status == CpuCore::Status::machine_check);
        CHECK((s.core->mca().banks[1].status & mca::mci_status::over) == 0);
    });
}

TEST_CASE("store whose RFO fill hits poison raises a machine check") {
    test::MemorySystem s;
    poison_spa(s, spa_base + 0x8000);
    test::run_thread([&] {
        const auto w = bytes(128, 1);
        const auto res = s.core->store(spa_base + 0x7FC0, w);
        CHECK(res.status == CpuCore::Status::machine_check);
        CHECK(res.bytes_done == 64);
        CHECK(s.core->mca().banks[1].addr == spa_base + 0x8000);
        // Posted writes do not fault: a non-temporal store into the poisoned line completes.
        CHECK(s.core->nt_store(spa_base + 0x8000, std::span(w).first(64)).ok());
    });
}

TEST_CASE("idle random load costs about 305 ns") {
    test::MemorySystem s;
    tlm_utils::tlm_quantumkeeper::set_global_quantum(sc_time(1, sc_core::SC_US));
    test::run_thread([&] {
        std::vector<std::byte> r(64);
        // Lines far apart so that each misses.
        std::uint64_t total = 0;
        for (unsigned i = 0; i < 16; ++i) {
            const auto res = s.core->load(spa_base + (i * 7919ull % 4096) * 4096 + 64 * (i % 7), r);
            REQUIRE(res.ok());
            const auto ns = to_ns(res.cost);
            CHECK(ns >= 280);
            CHECK(ns <= 330);
            total += ns;
        }
        MESSAGE("mean idle random load latency (ns): " << total / 16);
    });
}

TEST_CASE("store clwb sfence on a cached line costs about 90 ns") {
    test::MemorySystem s;
    tlm_utils::tlm_quantumkeeper::set_global_quantum(sc_time(1, sc_core::SC_US));
    test::run_thread([&] {
        std::vector<std::byte> r(64);
        REQUIRE(s.core->load(spa_base + 0x9000, r).ok());
        const auto w = bytes(64, 2);
        const sc_time start = s.core->now();
        REQUIRE(s.core->store(spa_base + 0x9000, w).ok());
        REQUIRE(s.core->clwb(spa_base + 0x9000, 64).ok());
        REQUIRE(s.core->sfence().ok());
        const auto ns = to_ns(s.core->now() - start);
        MESSAGE("store + clwb + sfence (ns): " << ns);
        CHECK(ns >= 80);
        CHECK(ns <= 100);
        CHECK(s.media_bytes(spa_base + 0x9000, 64) == w);
    });
}

namespace {

// Another SystemC process, due at `at`: it records the SystemC time it woke at in `woke`.
void spawn_neighbour(const sc_time& at, sc_time& woke) {
    sc_core::sc_spawn(
        [at, &woke] {
            sc_core::wait(at);
            woke = sc_core::sc_time_stamp();
        },
        "neighbour");
}

} // namespace

TEST_CASE("quantum keeper defers SystemC time until the quantum is exceeded with another process due") {
    test::MemorySystem s;
    tlm_utils::tlm_quantumkeeper::set_global_quantum(sc_time(1, sc_core::SC_US));
    sc_time woke = sc_core::SC_ZERO_TIME;
    test::run_thread([&] {
        // Another process with activity due at 1100 ns: the core must let it run when it passes it.
        spawn_neighbour(sc_time(1100, SC_NS), woke);
        std::vector<std::byte> r(64);
        REQUIRE(s.core->load(spa_base, r).ok()); // 305 ns, within the quantum
        CHECK(sc_core::sc_time_stamp() == sc_core::SC_ZERO_TIME);
        CHECK(s.core->now() == sc_time(305, SC_NS));
        REQUIRE(s.core->load(spa_base + 0x10000, r).ok());
        REQUIRE(s.core->load(spa_base + 0x20000, r).ok());
        CHECK(sc_core::sc_time_stamp() == sc_core::SC_ZERO_TIME); // 915 ns still local
        REQUIRE(s.core->load(spa_base + 0x30000, r).ok());        // 1220 ns: past the quantum, synced
        CHECK(sc_core::sc_time_stamp() == sc_time(1220, SC_NS));
        CHECK(s.core->local_offset() == sc_core::SC_ZERO_TIME);
        s.core->work(sc_time(100, SC_NS));
        CHECK(s.core->now() == sc_time(1320, SC_NS));
        REQUIRE(s.core->sfence().ok()); // sfence synchronises
        CHECK(sc_core::sc_time_stamp() == sc_time(1320, SC_NS));
    });
    CHECK(woke == sc_time(1100, SC_NS));
}

TEST_CASE("a core skips quantum syncs that would let no other process run") {
    test::MemorySystem s;
    tlm_utils::tlm_quantumkeeper::set_global_quantum(sc_time(1, sc_core::SC_US));
    sc_time woke = sc_core::SC_ZERO_TIME;
    test::run_thread([&] {
        // A process due at 2500 ns, started (it runs once, up to its wait) before the core's accesses.
        spawn_neighbour(sc_time(2500, SC_NS), woke);
        sc_core::wait(sc_core::SC_ZERO_TIME);
        std::vector<std::byte> r(64);
        // Idle random loads, 305 ns each. The 1 us boundary passes at 1220 ns and the 2 us one at
        // 2135 ns with nothing due before the core's time: no wait, SystemC time stays at 0.
        for (std::uint64_t i = 0; i < 7; ++i) {
            REQUIRE(s.core->load(spa_base + i * 0x10000, r).ok());
            CHECK(sc_core::sc_time_stamp() == sc_core::SC_ZERO_TIME);
        }
        CHECK(s.core->local_offset() == sc_time(2135, SC_NS));
        CHECK(woke == sc_core::SC_ZERO_TIME);
        // The 3 us boundary passes at 3050 ns, after the neighbour's 2500 ns: the core waits, and the
        // neighbour runs at its own time first.
        for (std::uint64_t i = 7; i < 10; ++i)
            REQUIRE(s.core->load(spa_base + i * 0x10000, r).ok());
        CHECK(sc_core::sc_time_stamp() == sc_time(3050, SC_NS));
        CHECK(s.core->local_offset() == sc_core::SC_ZERO_TIME);
        CHECK(woke == sc_time(2500, SC_NS));
    });
}

TEST_CASE("core splits accesses at 64 B lines and reports bus errors") {
    test::MemorySystem s;
    test::run_thread([&] {
        const auto w = bytes(300, 3);
        REQUIRE(s.core->store(spa_base + 10, w).ok());
        std::vector<std::byte> r(300);
        const auto res = s.core->load(spa_base + 10, r);
        REQUIRE(res.ok());
        CHECK(res.bytes_done == 300);
        CHECK(r == w);
        CHECK(s.cache->stats().hits.value == 5); // [10, 310) touches 5 lines
        const auto bad = s.core->load(spa_base + 6 * test::dimm_bytes - 100, r);
        CHECK(bad.status == CpuCore::Status::bus_error);
        CHECK(bad.bytes_done == 100);
    });
}

TEST_CASE("non-temporal stores are posted into fill buffers and sfence waits for the last to complete") {
    test::MemorySystem s;
    test::run_thread([&] {
        const auto data = bytes(64, 1);
        // Each costs the core only its issue slot while fill buffers are free (12 on the default core).
        for (unsigned i = 0; i < 12; ++i) {
            const auto r = s.core->nt_store(spa_base + i * 4096ull, data);
            CHECK(r.cost == sc_time(1, SC_NS));
            CHECK(r.latency == sc_time(80, SC_NS)); // cache lookup 10 + controller front end 70: in the WPQ
        }
        // The 13th waits for the first, issued at 0, to complete at 80.
        const auto thirteenth = s.core->nt_store(spa_base + 12 * 4096ull, data);
        CHECK(s.core->now() == sc_time(80 + 1, SC_NS));
        CHECK(thirteenth.cost == sc_time(80 + 1 - 12, SC_NS));
        const auto fence = s.core->sfence();
        // The last one, issued at 80, completes at 160.
        CHECK(s.core->now() == sc_time(160, SC_NS));
        CHECK(fence.cost == sc_time(160 - 81, SC_NS));
        CHECK(s.media_bytes(spa_base + 12 * 4096ull, 64) == data);
    });
}

TEST_CASE("independent loads overlap their misses and deliver data at once") {
    test::MemorySystem s;
    test::run_thread([&] {
        std::vector<std::byte> a(64);
        std::vector<std::byte> b(64);
        const auto data = bytes(64, 5);
        for (unsigned i = 0; i < 2; ++i)
            s.dimms[i]->media().write_raw(0x80, data);
        const auto r1 = s.core->load_nowait(spa_base + 0x80, a);
        const auto r2 = s.core->load_nowait(spa_base + 0x1080, b); // next 4 KiB chunk: another DIMM
        CHECK(a == data);
        CHECK(b == data);
        CHECK(r1.cost == sc_time(1, SC_NS));
        CHECK(r1.latency == sc_time(305, SC_NS)); // an idle random load: 10 + 70 + 225
        CHECK(r2.latency == sc_time(305, SC_NS));
        (void)s.core->mfence();
        CHECK(s.core->now() == sc_time(306, SC_NS)); // two misses in 306 ns, not 610
    });
}

TEST_CASE("with no fill buffers posted operations block like loads") {
    test::MemorySystem s;
    CpuCoreParams p;
    p.index = 1;
    p.fill_buffers = 0;
    CpuCore blocking("cpu_blocking", p, s.null);
    blocking.socket.bind(s.cache->socket);
    test::run_thread([&] {
        const auto r = blocking.nt_store(spa_base, bytes(64, 1));
        CHECK(r.cost == sc_time(80, SC_NS));
        CHECK(r.latency == r.cost);
    });
}

TEST_CASE("clflush waits for its write-back while clflushopt is posted until sfence") {
    test::MemorySystem s;
    test::run_thread([&] {
        const auto data = bytes(64, 9);
        REQUIRE(s.core->store(spa_base, data).ok());        // miss: RFO, line now dirty
        REQUIRE(s.core->store(spa_base + 4096, data).ok()); // another dirty line
        const auto opt = s.core->clflushopt(spa_base, 64);
        CHECK(opt.cost == sc_time(1, SC_NS)); // issued only
        CHECK(opt.latency > opt.cost);
        CHECK_FALSE(s.cache->contains(spa_base));
        const auto flush = s.core->clflush(spa_base + 4096, 64);
        CHECK(flush.cost == flush.latency); // ordered: waits for the write-back to reach the WPQ
        CHECK(flush.cost >= sc_time(80, SC_NS));
        CHECK_FALSE(s.cache->contains(spa_base + 4096));
        CHECK(s.media_bytes(spa_base + 4096, 64) == data);
    });
}

TEST_CASE("sfence does not wait for independent loads in flight and mfence does") {
    test::MemorySystem s;
    test::run_thread([&] {
        std::vector<std::byte> buf(64);
        const auto load = s.core->load_nowait(spa_base + 0x80, buf);
        CHECK(load.latency == sc_time(305, SC_NS));
        const auto sf = s.core->sfence();
        CHECK(sf.cost == sc_core::SC_ZERO_TIME); // no store in flight
        const auto mf = s.core->mfence();
        CHECK(s.core->now() == sc_time(305, SC_NS)); // the load's data has arrived
        CHECK(mf.cost == sc_time(305 - 1, SC_NS));
    });
}
