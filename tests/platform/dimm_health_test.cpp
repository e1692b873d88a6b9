// The DIMM health model (platform/dimm_health.h) and the Intel DSM health functions of the firmware over
// it, on the functional machine and (one Machine per TEST_CASE) the SystemC machine.
#include "platform/dimm_health.h"

#include <doctest/doctest.h>

#include <vector>

#include "platform/functional_memory.h"
#include "platform/machine.h"

using namespace daxsim;
using namespace daxsim::platform;

namespace {

constexpr std::uint64_t base = 0x40'0000'0000;
constexpr std::uint64_t line = 256;

// One 16 MiB DIMM in a one-way set: every SPA byte lands on nmem0.
PlatformConfig one_dimm() {
    PlatformConfig c;
    c.dimm_count = 1;
    c.interleave.ways = 1;
    c.dimm.capacity_bytes = 16ull << 20;
    c.cpu.cache_bytes = 64 << 10;
    return c;
}

std::vector<std::byte> bytes(std::size_t n, unsigned char v) {
    return std::vector<std::byte>(n, static_cast<std::byte>(v));
}

double media_celsius(const SmartHealth& h) {
    return smart::decode_temperature(h.media_temperature);
}
double ctrl_celsius(const SmartHealth& h) {
    return smart::decode_temperature(h.ctrl_temperature);
}

} // namespace

TEST_CASE("temperatures encode in sixteenths of a degree with a sign bit") {
    CHECK(smart::encode_temperature(23) == 23 * 16);
    CHECK(smart::encode_temperature(40.5) == 648);
    CHECK(smart::encode_temperature(-10) == (0x8000 | 160));
    CHECK(smart::decode_temperature(0x8000 | 160) == -10.0);
    CHECK(smart::decode_temperature(smart::encode_temperature(45.3125)) == 45.3125);
    CHECK(smart::encode_temperature(5000) == 0x7fff); // saturates at 2047.9375 C
}

TEST_CASE("default endurance is Intel's figure for the module size") {
    CHECK(default_endurance_bytes(128ull << 30) == 292'000'000'000'000'000ull);
    CHECK(default_endurance_bytes(256ull << 30) == 363'000'000'000'000'000ull);
    CHECK(default_endurance_bytes(512ull << 30) == 300'000'000'000'000'000ull);
    CHECK(default_endurance_bytes(64ull << 30) == 146'000'000'000'000'000ull); // scaled by capacity
}

TEST_CASE("life used percentage follows media bytes written over the endurance") {
    PlatformConfig c = one_dimm();
    c.dimm.endurance_bytes = 1 << 20; // 1 MiB rated: every 10486 B written is one percent
    FunctionalMachine m(c);
    auto& p = m.port(0);
    CHECK(m.firmware().smart_health(0)->life_used == 0);
    REQUIRE(p.store(base, bytes(256 << 10, 0x11)).ok()); // a quarter of the endurance
    CHECK(m.firmware().smart_health(0)->life_used == 25);
    REQUIRE(p.store(base, bytes(256 << 10, 0x22)).ok()); // rewriting the same lines wears them too
    CHECK(m.firmware().smart_health(0)->life_used == 50);
    // A partial line is written whole (read-modify-write): 64 B of host data cost 256 B of media.
    const auto before = *m.firmware().smart_health(0);
    for (std::uint64_t i = 0; i < 164; ++i)
        REQUIRE(p.store(base + (1 << 20) + i * line, bytes(64, 0x33)).ok()); // 164 lines, 41984 B
    CHECK(m.firmware().smart_health(0)->life_used == before.life_used + 4);
    CHECK(m.firmware().smart_health(0)->health == 0);
    REQUIRE(p.store(base, bytes(512 << 10, 0x44)).ok()); // past the rated endurance
    const auto worn = *m.firmware().smart_health(0);
    CHECK(worn.life_used == 104);
    CHECK(worn.health == smart::critical_health);
}

TEST_CASE("media temperature rises under sustained writes and relaxes when idle") {
    DimmHealthParams p; // ambient 35 C, idle 3.5 W, 5 nJ per byte written, 3.0 / 3.5 C per W
    p.time_constant_s = 0.001;
    DimmHealth h(p);
    const SmartHealth idle = h.evaluate({}, 0);
    CHECK(media_celsius(idle) == doctest::Approx(35 + 3.5 * 3.0).epsilon(0.002));
    CHECK(ctrl_celsius(idle) == doctest::Approx(35 + 3.5 * 3.5).epsilon(0.002));
    // 2.3 GB/s of media writes (11.5 W more, 15 W in all), queried every 100 us for 10 time constants.
    MediaActivity traffic;
    std::uint64_t t = 0;
    double previous = media_celsius(idle);
    double after_one_tau = 0;
    for (int i = 1; i <= 100; ++i) {
        t += 100'000;
        traffic.write_bytes += 230'000;
        const double now = media_celsius(h.evaluate(traffic, t));
        CHECK(now >= previous); // rises monotonically towards the steady state
        previous = now;
        if (i == 10) after_one_tau = now;
    }
    // One time constant covers 63 % of the way from 45.5 C to 80 C; ten reach it.
    CHECK(after_one_tau == doctest::Approx(45.5 + 0.632 * 34.5).epsilon(0.01));
    const SmartHealth hot = h.evaluate(traffic, t);
    CHECK(media_celsius(hot) == doctest::Approx(80).epsilon(0.002));
    CHECK(ctrl_celsius(hot) == doctest::Approx(35 + 15 * 3.5).epsilon(0.002));
    CHECK(hot.alarm_flags == 0); // 80 C is under the 82 C default threshold
    // Idle again: back to the idle temperature within a few time constants.
    const SmartHealth cooled = h.evaluate(traffic, t + 5'000'000);
    CHECK(media_celsius(cooled) == doctest::Approx(45.5).epsilon(0.01));
    CHECK(media_celsius(cooled) < media_celsius(hot) - 30);
}

TEST_CASE("a media temperature over its threshold trips the alarm and makes health non-critical") {
    DimmHealthParams p;
    p.time_constant_s = 0.001;
    p.media_c_per_w = 5.0; // 35 + 15 W x 5 = 110 C under full writes
    DimmHealth h(p);
    const SmartHealth hot = h.evaluate({0, 2'300'000'000}, 1'000'000'000); // one second at 2.3 GB/s
    CHECK(media_celsius(hot) > 82);
    CHECK(hot.alarm_flags == smart::temp_trip);
    CHECK(hot.health == smart::non_critical_health);
    // The same heat with the alarm disabled: no trip, health ok.
    SmartThreshold t = h.threshold();
    t.alarm_control &= static_cast<std::uint16_t>(~smart::temp_trip);
    h.set_threshold(t);
    const SmartHealth quiet = h.evaluate({0, 2'300'000'000}, 1'000'000'000);
    CHECK(quiet.alarm_flags == 0);
    CHECK(quiet.health == 0);
}

TEST_CASE("injected spares below threshold make health non-critical and raise alarm_spares") {
    FunctionalMachine m(one_dimm());
    auto& fw = m.firmware();
    const SmartHealth fresh = *fw.smart_health(0);
    CHECK(fresh.spares == 100);
    CHECK(fresh.health == 0);
    CHECK(fresh.alarm_flags == 0);
    SmartInject inj;
    inj.flags = smart::inject_spare;
    inj.spare_enable = true;
    inj.spares = 5; // default threshold 10 %
    REQUIRE(fw.smart_inject(0, inj));
    const SmartHealth low = *fw.smart_health(0);
    CHECK(low.spares == 5);
    CHECK(low.alarm_flags == smart::spare_trip);
    CHECK(low.health == smart::non_critical_health);
    inj.spare_enable = false; // uninject: the model's value again
    REQUIRE(fw.smart_inject(0, inj));
    CHECK(fw.smart_health(0)->spares == 100);
    CHECK(fw.smart_health(0)->health == 0);
    CHECK_FALSE(fw.smart_health(1)); // one DIMM only
    CHECK_FALSE(fw.smart_inject(1, inj));
}

TEST_CASE("injected fatal status wins over every other state") {
    FunctionalMachine m(one_dimm());
    SmartInject inj;
    inj.flags = smart::inject_fatal | smart::inject_mtemp;
    inj.fatal_enable = true;
    inj.mtemp_enable = true;
    inj.media_temperature = smart::encode_temperature(90);
    REQUIRE(m.firmware().smart_inject(0, inj));
    const SmartHealth h = *m.firmware().smart_health(0);
    CHECK(h.health == smart::fatal_health);
    CHECK(media_celsius(h) == 90);
    CHECK(h.alarm_flags == smart::temp_trip);
}

TEST_CASE("clearing poisoned lines retires them to spares until the pool is empty") {
    PlatformConfig c = one_dimm();
    c.dimm.spare_bytes = 2 * line; // two spare lines
    FunctionalMachine m(c);
    auto& fw = m.firmware();
    REQUIRE(fw.inject_error(base, 3 * line));
    // Clearing a range with no poison uses no spare.
    CHECK(fw.clear_error(base + 8 * line, line) == line);
    CHECK(fw.smart_health(0)->spares == 100);
    // Three poisoned lines, two spares: the third cannot be remapped and stays poisoned.
    CHECK(fw.clear_error(base, 3 * line) == 2 * line);
    const auto left = fw.address_range_scrub(base, 4 * line);
    REQUIRE(left.size() == 1);
    CHECK(left[0].spa == base + 2 * line);
    const SmartHealth h = *fw.smart_health(0);
    CHECK(h.spares == 0);
    CHECK(h.alarm_flags == smart::spare_trip);
    CHECK(h.health == smart::critical_health);
}

TEST_CASE("a retired line halves a two line pool") {
    PlatformConfig c = one_dimm();
    c.dimm.spare_bytes = 2 * line;
    FunctionalMachine m(c);
    REQUIRE(m.firmware().inject_error(base, 1));
    CHECK(m.firmware().clear_error(base, line) == line);
    CHECK(m.firmware().smart_health(0)->spares == 50);
}

TEST_CASE("unsafe shutdown count survives powerfail") {
    FunctionalMachine m(one_dimm());
    auto& fw = m.firmware();
    CHECK(fw.smart_health(0)->shutdown_state == 0);
    CHECK(fw.smart_health(0)->shutdown_count == 0);
    SmartInject inj;
    inj.flags = smart::inject_shutdown;
    inj.unsafe_shutdown_enable = true;
    REQUIRE(fw.smart_inject(0, inj));
    REQUIRE(fw.smart_inject(0, inj));
    CHECK(fw.smart_health(0)->shutdown_state == 1);
    CHECK(fw.smart_health(0)->shutdown_count == 2);
    // Powerfail through the ADR domain is a clean shutdown: the count lives on the DIMM.
    (void)m.ras().powerfail();
    const SmartHealth after = *fw.smart_health(0);
    CHECK(after.shutdown_state == 0);
    CHECK(after.shutdown_count == 2);
}

TEST_CASE("thresholds are per DIMM and read back as set") {
    PlatformConfig c = one_dimm();
    c.dimm_count = 2;
    FunctionalMachine m(c);
    SmartThreshold t = *m.firmware().smart_threshold(1);
    CHECK(t.alarm_control == (smart::spare_trip | smart::temp_trip | smart::ctemp_trip));
    CHECK(smart::decode_temperature(t.media_temperature) == 82);
    t.spares = 100; // any spare use trips
    REQUIRE(m.firmware().smart_set_threshold(1, t));
    CHECK(m.firmware().smart_threshold(1)->spares == 100);
    CHECK(m.firmware().smart_threshold(0)->spares == 10);
    CHECK(m.firmware().smart_health(1)->alarm_flags == smart::spare_trip);
    CHECK(m.firmware().smart_health(0)->alarm_flags == 0);
}

TEST_CASE("machine life used and temperature follow the DIMM media write counter") {
    PlatformConfig c = one_dimm();
    c.dimm.endurance_bytes = 1 << 20;
    c.dimm.thermal_time_constant_ns = 10'000; // 10 us: the run below is many time constants
    NullTracer tr;
    Machine m(c, tr);
    SmartHealth before, after;
    double written = 0;
    m.run([&] {
        auto& p = m.port(0);
        before = *m.firmware().smart_health(0);
        // 512 KiB of non-temporal stores: whole XPLines to the media.
        for (std::uint64_t off = 0; off < (512u << 10); off += 4096)
            REQUIRE(p.nt_store(base + off, bytes(4096, 0x5a)).ok());
        REQUIRE(p.sfence().ok());
        after = *m.firmware().smart_health(0);
        written = m.metrics().at("dimm.media_write_bytes");
    });
    CHECK(before.life_used == 0);
    CHECK(written >= 400 << 10); // most lines reached the media (some may still sit in the XPBuffer)
    CHECK(after.life_used == static_cast<int>(written * 100 / (1 << 20)));
    CHECK(media_celsius(after) > media_celsius(before) + 10); // writing near full bandwidth heats it
}
