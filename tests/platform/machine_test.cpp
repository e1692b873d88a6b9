#include "platform/machine.h"

#include <doctest/doctest.h>

#include <array>
#include <functional>
#include <stdexcept>
#include <vector>

#include "models/sim_time.h"
#include "platform/functional_memory.h"

using namespace daxsim;
using namespace daxsim::platform;

namespace {

PlatformConfig small_config() {
    PlatformConfig c;
    c.dimm.capacity_bytes = 16ull << 20;
    c.cpu.cache_bytes = 64 << 10; // small, so that random traffic evicts
    return c;
}
constexpr std::uint64_t base = 0x40'0000'0000;

std::vector<std::byte> pattern(std::size_t n, unsigned seed) {
    std::vector<std::byte> v(n);
    for (std::size_t i = 0; i < n; ++i)
        v[i] = static_cast<std::byte>((i * 31 + seed) & 0xFF);
    return v;
}

// Deterministic linear congruential generator (fixed seed; no std::random engines' distributions).
struct Lcg {
    std::uint64_t s;
    std::uint64_t next() {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        return s >> 33;
    }
};

} // namespace

TEST_CASE("machine port load after store clwb sfence returns the stored bytes") {
    NullTracer tr;
    Machine m(small_config(), tr);
    const auto data = pattern(200, 1);
    std::vector<std::byte> back(200);
    std::uint64_t cost = 0;
    m.run([&] {
        auto& p = m.port(0);
        REQUIRE(p.store(base + 0x1010, data).ok());
        REQUIRE(p.clwb(base + 0x1010, 200).ok());
        REQUIRE(p.sfence().ok());
        const auto r = p.load(base + 0x1010, back);
        REQUIRE(r.ok());
        CHECK(r.bytes_done == 200);
        cost = r.cost_ns;
    });
    CHECK(back == data);
    CHECK(cost == 4 * 10); // four cache hits
    const auto met = m.metrics();
    CHECK(met.at("mc.write_bytes") == 4 * 64);
    CHECK(met.at("dimm.requested_write_bytes") == 4 * 64);
    CHECK(met.at("mc.read_bytes") == 4 * 64); // the RFO fills
    // The four 64 B write-backs land in one XPLine, which the RFO fills brought into the XPBuffer:
    // combined there, nothing written to the media yet and no read-modify-write.
    CHECK(met.at("dimm.buffer_write_hits") == 4);
    CHECK(met.at("dimm.media_write_bytes") == 0);
}

TEST_CASE("machine poisoned load gives the same machine check record as the functional machine") {
    NullTracer tr;
    Machine m(small_config(), tr);
    FunctionalMachine f(small_config());
    REQUIRE(m.firmware().inject_error(base + 0x2345, 1));
    REQUIRE(f.firmware().inject_error(base + 0x2345, 1));
    std::vector<std::byte> out(1024);
    AccessResult mr;
    m.run([&] { mr = m.port(1).load(base + 0x2000, out); });
    const AccessResult fr = f.port(1).load(base + 0x2000, out);
    REQUIRE(mr.mce);
    REQUIRE(fr.mce);
    CHECK(mr.status == AccessStatus::machine_check);
    CHECK(mr.bytes_done == fr.bytes_done);
    CHECK(mr.bytes_done == 0x300);
    CHECK(mr.mce->cpu == fr.mce->cpu);
    CHECK(mr.mce->bank == fr.mce->bank);
    CHECK(mr.mce->mcg_status == fr.mce->mcg_status);
    CHECK(mr.mce->mci_status == fr.mce->mci_status);
    CHECK(mr.mce->mci_addr == fr.mce->mci_addr);
    CHECK(mr.mce->mci_addr == base + 0x2300);
    CHECK(mr.mce->mci_misc == fr.mce->mci_misc);
}

TEST_CASE("machine and functional machine report a dropped partial write as the same cmci record") {
    NullTracer tr;
    Machine m(small_config(), tr);
    FunctionalMachine f(small_config());
    REQUIRE(m.firmware().inject_error(base + 0x2345, 1));
    REQUIRE(f.firmware().inject_error(base + 0x2345, 1));
    const std::vector<std::byte> in(64, std::byte{7});
    std::vector<MachineCheck> mc;
    m.run([&] {
        REQUIRE(m.port(0).nt_store(base + 0x2340, in).ok()); // posted: no fault for the writer
        REQUIRE(m.port(0).sfence().ok());
        mc = m.ras().cmci_poll();
    });
    REQUIRE(f.port(0).nt_store(base + 0x2340, in).ok());
    const auto fc = f.ras().cmci_poll();
    REQUIRE(mc.size() == 1);
    REQUIRE(fc.size() == 1);
    CHECK(mc[0].bank == fc[0].bank);
    CHECK(mc[0].mci_status == fc[0].mci_status);
    CHECK(mc[0].mci_addr == base + 0x2300);
    CHECK(mc[0].mci_addr == fc[0].mci_addr);
    CHECK(mc[0].mci_misc == fc[0].mci_misc);
    CHECK(f.ras().cmci_poll().empty());
}

TEST_CASE("machine idle random load costs about 305 ns and now advances") {
    NullTracer tr;
    Machine m(PlatformConfig{}, tr); // the default machine: six 128 GiB DIMMs
    m.run([&] {
        auto& p = m.port(0);
        std::array<std::byte, 64> b{};
        const auto t0 = p.now_ns();
        const auto r = p.load(base + (300ull << 30) + 0x40, b);
        REQUIRE(r.ok());
        CHECK(r.cost_ns >= 280);
        CHECK(r.cost_ns <= 330);
        CHECK(p.now_ns() - t0 == r.cost_ns);
        p.cpu_work(5000);
        CHECK(p.now_ns() - t0 == r.cost_ns + 5000);
    });
    CHECK(m.now_ns() == 305 + 5000);
}

TEST_CASE("uncached port loads skip the shared cache and pay the miss latency without the cache lookup") {
    NullTracer tr;
    Machine m(PlatformConfig{}, tr);
    std::uint64_t cached = 0;
    std::uint64_t uncached = 0;
    m.run([&] {
        std::array<std::byte, 64> b{};
        cached = m.port(0).load(base + (300ull << 30) + 0x40, b).cost_ns;
        const auto r = m.uncached_port().load(base + (301ull << 30) + 0x40, b);
        REQUIRE(r.ok());
        uncached = r.cost_ns;
    });
    CHECK(cached == 305);
    CHECK(uncached == 305 - 10); // no 10 ns cache lookup
    CHECK(m.metrics().at("cache.misses") == 1);
    CHECK(m.cpu_count() == 2); // the uncached requester is not a CPU
}

TEST_CASE("uncached port stores reach the media and a poisoned uncached load raises a machine check") {
    NullTracer tr;
    Machine m(small_config(), tr);
    REQUIRE(m.firmware().inject_error(base + 0x8000, 1));
    const auto data = pattern(256, 3);
    std::vector<std::byte> back(256);
    AccessResult poisoned;
    m.run([&] {
        auto& uc = m.uncached_port();
        REQUIRE(uc.nt_store(base + 0x4000, data).ok());
        REQUIRE(uc.sfence().ok());
        REQUIRE(m.port(0).load(base + 0x4000, back).ok()); // through the cache, from the media
        std::array<std::byte, 64> b{};
        poisoned = uc.load(base + 0x8000, b);
    });
    CHECK(back == data);
    CHECK(m.metrics().at("cache.hits") == 0);
    REQUIRE(poisoned.mce);
    CHECK(poisoned.status == AccessStatus::machine_check);
    CHECK(poisoned.mce->mci_addr == base + 0x8000);
    CHECK(poisoned.mce->cpu == 2); // the requester's own banks (index cpu_count())
}

TEST_CASE("guest exception is rethrown after run") {
    NullTracer tr;
    Machine m(small_config(), tr);
    CHECK_THROWS_AS(m.run([] { throw std::runtime_error("guest failed"); }), std::runtime_error);
}

TEST_CASE("switching CPUs keeps simulated time monotonic") {
    NullTracer tr;
    Machine m(small_config(), tr);
    m.run([&] {
        std::array<std::byte, 64> b{};
        REQUIRE(m.port(0).load(base, b).ok());
        const auto t0 = m.port(0).now_ns();
        CHECK(t0 > 0);
        REQUIRE(m.port(1).load(base + 0x10000, b).ok());
        CHECK(m.port(1).now_ns() > t0);
        CHECK(m.port(0).now_ns() >= t0);
    });
}

TEST_CASE("ARS in the guest thread takes simulated time and finds injected poison") {
    NullTracer tr;
    Machine m(small_config(), tr);
    REQUIRE(m.firmware().inject_error_dpa(DimmAddress{2, 4096}, 1));
    std::vector<ArsRecord> recs;
    std::uint64_t took = 0;
    m.run([&] {
        const auto t0 = m.port(0).now_ns();
        recs = m.firmware().address_range_scrub(base, 6 * (16ull << 20));
        took = m.port(0).now_ns() - t0;
    });
    REQUIRE(recs.size() == 1);
    CHECK(recs[0].spa == base + 8 * 4096);
    CHECK(recs[0].length == 256);
    // 96 MiB over six DIMMs at 1 GiB/s each: 16 MiB / 1 GiB/s = 15.625 ms.
    CHECK(took == 15'625'000);
}

TEST_CASE("inject flushes a cached line so the next load consumes the poison") {
    NullTracer tr;
    Machine m(small_config(), tr);
    AccessResult r;
    m.run([&] {
        std::array<std::byte, 64> b{};
        REQUIRE(m.port(0).load(base + 0x6000, b).ok()); // line now cached
        REQUIRE(m.firmware().inject_error(base + 0x6000, 64));
        r = m.port(0).load(base + 0x6000, b);
        // Clearing the error zeroes the line; it loads again.
        CHECK(m.firmware().clear_error(base + 0x6000, 256) == 256);
        CHECK(m.port(0).load(base + 0x6000, b).ok());
    });
    CHECK(r.status == AccessStatus::machine_check);
    CHECK(m.metrics().at("cpu.machine_checks") == 1);
}

TEST_CASE("random access sequence gives identical data on machine and functional machine") {
    NullTracer tr;
    const PlatformConfig c = small_config();
    Machine m(c, tr);
    FunctionalMachine f(c);
    constexpr std::uint64_t window = 2ull << 20; // 2 MiB of SPA: interleave and cache eviction both matter
    std::vector<std::vector<std::byte>> m_reads;
    std::vector<std::vector<std::byte>> f_reads;
    auto drive = [&](auto port_of, std::vector<std::vector<std::byte>>& reads) {
        Lcg rng{42};
        for (int i = 0; i < 3000; ++i) {
            MemoryPort& p = port_of(static_cast<unsigned>(rng.next() % 2));
            const std::uint64_t at = base + rng.next() % window;
            const std::size_t len = 1 + rng.next() % 700;
            const unsigned kind = rng.next() % 5;
            if (kind == 0 || kind == 1) {
                std::vector<std::byte> out(len);
                REQUIRE(p.load(at, out).ok());
                reads.push_back(std::move(out));
            } else if (kind == 2) {
                REQUIRE(p.store(at, pattern(len, static_cast<unsigned>(i))).ok());
            } else if (kind == 3) {
                REQUIRE(p.nt_store(at, pattern(len, static_cast<unsigned>(i) + 7)).ok());
            } else {
                REQUIRE(p.clwb(at, len).ok());
                REQUIRE(p.sfence().ok());
            }
        }
    };
    m.run([&] { drive([&](unsigned c) -> MemoryPort& { return m.port(c); }, m_reads); });
    drive([&](unsigned c) -> MemoryPort& { return f.port(c); }, f_reads);
    REQUIRE(m_reads.size() == f_reads.size());
    CHECK(m_reads.size() > 1000);
    std::size_t same = 0;
    for (std::size_t i = 0; i < m_reads.size(); ++i)
        same += (m_reads[i] == f_reads[i]);
    CHECK(same == m_reads.size());
}

namespace {

// Thread 0 queues 12 independent reads on the one DIMM from time 0, one per ns; thread 1 arrives at 5 ns
// with one read of its own. Returns thread 1's latency.
std::uint64_t late_reader_latency(Timing timing) {
    PlatformConfig c = small_config();
    c.dimm_count = 1;
    c.interleave.ways = 1;
    c.dimm.media_partitions = 1; // one media in arrival order; partitions have their own test
    c.timing = timing;
    NullTracer tr;
    Machine m(c, tr);
    std::uint64_t latency = 0;
    std::vector<std::function<void()>> guests;
    guests.emplace_back([&] {
        auto& p = m.port(0);
        std::array<std::byte, 64> buf{};
        for (std::uint64_t i = 0; i < 12; ++i)
            REQUIRE(p.load_nowait(base + i * 4096, buf).ok());
        (void)p.sfence();
    });
    guests.emplace_back([&] {
        auto& p = m.port(1);
        std::array<std::byte, 64> buf{};
        p.cpu_work(5);
        latency = p.load(base + 1'000'000, buf).latency_ns;
    });
    m.run_parallel(std::move(guests));
    return latency;
}

} // namespace

// One DIMM holds the media 38.8 ns per 256 B XPLine read (6.6 GB/s); an idle read costs 305 ns.
constexpr std::uint64_t media_per_read = 39;

TEST_CASE("at timing serves a contended DIMM in arrival order") {
    // Only the reads thread 0 issued at 0..4 ns (five) are ahead of the one arriving at 5 ns.
    const std::uint64_t at = late_reader_latency(Timing::at);
    CHECK(at > 305);
    CHECK(at < 305 + 6 * media_per_read);
}

TEST_CASE("lt timing lets a core run a quantum ahead of a contending core") {
    // Thread 0 issued all twelve reads, in its own time up to 11 ns, before thread 1 ran at all.
    CHECK(late_reader_latency(Timing::lt) > 305 + 11 * media_per_read);
}

TEST_CASE("run parallel runs each guest on its own core and returns when all have finished") {
    NullTracer tr;
    Machine m(small_config(), tr);
    std::vector<std::uint64_t> end(2);
    std::vector<std::function<void()>> guests;
    for (unsigned i = 0; i < 2; ++i)
        guests.emplace_back([&, i] {
            m.port(i).cpu_work(100 * (i + 1));
            end[i] = m.port(i).now_ns();
        });
    m.run_parallel(std::move(guests));
    CHECK(end[0] == 100);
    CHECK(end[1] == 200);
    CHECK(m.now_ns() >= 200);
}

TEST_CASE("run parallel refuses more guests than cpus") {
    NullTracer tr;
    Machine m(small_config(), tr);
    std::vector<std::function<void()>> guests(3, [] {});
    CHECK_THROWS_AS(m.run_parallel(std::move(guests)), std::invalid_argument);
}

namespace {

// One thread's random operations over its own 512 KiB region: loads (blocking and independent), cached
// and non-temporal stores, clwb and sfence; a few lines poisoned up front. Records every load's outcome.
struct Outcome {
    bool machine_check = false;
    std::uint64_t mci_addr = 0;
    std::size_t bytes_done = 0;
    std::vector<std::byte> data;
    bool operator==(const Outcome&) const = default;
};

void drive_region(MemoryPort& p, unsigned thread, std::vector<Outcome>& out) {
    constexpr std::uint64_t region = 512 << 10;
    const std::uint64_t start = base + thread * region;
    Lcg rng{1000 + thread};
    for (int i = 0; i < 1500; ++i) {
        const std::uint64_t at = start + rng.next() % (region - 1024);
        const std::size_t len = 1 + rng.next() % 300;
        const unsigned kind = rng.next() % 6;
        if (kind <= 1) {
            Outcome o;
            o.data.resize(len);
            const AccessResult r = kind == 0 ? p.load(at, o.data) : p.load_nowait(at, o.data);
            o.machine_check = r.status == AccessStatus::machine_check;
            o.bytes_done = r.bytes_done;
            if (r.mce) o.mci_addr = r.mce->mci_addr;
            o.data.resize(r.bytes_done); // only what the load delivered is defined
            REQUIRE(r.status != AccessStatus::no_device);
            out.push_back(std::move(o));
        } else if (kind == 2) {
            (void)p.store(at, pattern(len, static_cast<unsigned>(i)));
        } else if (kind == 3) {
            REQUIRE(p.nt_store(at, pattern(len, static_cast<unsigned>(i) + 3)).ok());
        } else if (kind == 4) {
            REQUIRE(p.clwb(at, len).ok());
        } else {
            REQUIRE(p.sfence().ok());
        }
    }
}

} // namespace

TEST_CASE("four cores in parallel with independent loads and poison give what a functional memory gives") {
    NullTracer tr;
    PlatformConfig c = small_config();
    c.cpu.count = 4;
    Machine m(c, tr);
    FunctionalMachine f(c);
    // Poison a few lines in each thread's region, the same on both machines: every load that touches one
    // must report it (never silent data), at the same line and after the same bytes.
    Lcg poison{7};
    for (unsigned t = 0; t < 4; ++t)
        for (int i = 0; i < 3; ++i) {
            const std::uint64_t at = base + t * (512 << 10) + poison.next() % (500 << 10);
            REQUIRE(m.firmware().inject_error(at, 1));
            REQUIRE(f.firmware().inject_error(at, 1));
        }
    std::vector<std::vector<Outcome>> m_out(4);
    std::vector<std::vector<Outcome>> f_out(4);
    std::vector<std::function<void()>> guests;
    for (unsigned t = 0; t < 4; ++t)
        guests.emplace_back([&m, &m_out, t] { drive_region(m.port(t), t, m_out[t]); });
    m.run_parallel(std::move(guests));
    for (unsigned t = 0; t < 4; ++t)
        drive_region(f.port(t), t, f_out[t]);
    std::size_t loads = 0;
    std::size_t checks = 0;
    for (unsigned t = 0; t < 4; ++t) {
        REQUIRE(m_out[t].size() == f_out[t].size());
        for (std::size_t i = 0; i < m_out[t].size(); ++i) {
            CHECK(m_out[t][i] == f_out[t][i]);
            checks += m_out[t][i].machine_check ? 1 : 0;
        }
        loads += m_out[t].size();
    }
    CHECK(loads > 1500);
    CHECK(checks > 0); // the poison was met, and reported the same way
}

TEST_CASE("every port reads the machine's time while the active core runs ahead of SystemC") {
    NullTracer tr;
    Machine m(small_config(), tr);
    std::uint64_t own = 0;
    std::uint64_t other = 0;
    std::uint64_t systemc = 1;
    m.run([&] {
        m.port(1).cpu_work(300); // within the quantum: local time, SystemC time stays at 0
        systemc = m.now_ns() == 300 ? models::to_ns(sc_core::sc_time_stamp()) : 1;
        own = m.port(1).now_ns();
        other = m.port(0).now_ns(); // not activated: asks without running on cpu 0
    });
    CHECK(systemc == 0);
    CHECK(own == 300);
    CHECK(other == 300);
}

TEST_CASE("at timing lets the one busy core issue without waiting when no other core is due") {
    // Three idle random loads of 305 ns: nothing else in the simulation, so the core is always the earliest
    // and never needs SystemC time to catch up before an access.
    PlatformConfig c = small_config();
    c.timing = Timing::at;
    NullTracer tr;
    Machine m(c, tr);
    std::uint64_t systemc = 1;
    std::uint64_t now = 0;
    m.run([&] {
        std::array<std::byte, 64> buf{};
        for (std::uint64_t i = 0; i < 3; ++i)
            REQUIRE(m.port(0).load(base + i * 0x10000, buf).ok());
        systemc = models::to_ns(sc_core::sc_time_stamp());
        now = m.port(0).now_ns();
    });
    CHECK(systemc == 0);
    CHECK(now == 3 * 305);
}
