#include "models/cache.h"

#include <doctest/doctest.h>

#include "test_harness.h"

using namespace daxsim;
using namespace daxsim::models;
using daxsim::test::bytes;
using daxsim::test::spa_base;
using sc_core::SC_NS;
using sc_core::sc_time;

namespace {

// One cache-side request from the raw initiator with the operation extension.
tlm::tlm_response_status request(test::MemorySystem& s, tlm::tlm_command cmd, MemOp op, std::uint64_t spa,
                                 std::span<std::byte> data, sc_time& delay,
                                 MemoryErrorExtension* err_out = nullptr) {
    unsigned char dummy = 0;
    tlm::tlm_generic_payload t;
    t.set_command(cmd);
    t.set_address(spa);
    t.set_data_ptr(data.empty() ? &dummy : reinterpret_cast<unsigned char*>(data.data()));
    t.set_data_length(static_cast<unsigned>(data.size()));
    t.set_streaming_width(static_cast<unsigned>(data.size()));
    t.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    ScopedExtension<MemoryOpExtension> ext(t, op);
    ScopedExtension<MemoryErrorExtension> err(t);
    s.raw.socket->b_transport(t, delay);
    if (err_out) *err_out = *err;
    return t.get_response_status();
}

} // namespace

TEST_CASE("store is not in media until clwb writes it back") {
    test::MemorySystem s;
    test::run_thread([&] {
        auto w = bytes(64, 1);
        sc_time d = sc_core::SC_ZERO_TIME;
        CHECK(request(s, tlm::TLM_WRITE_COMMAND, MemOp::store, spa_base + 0x1000, w, d) ==
              tlm::TLM_OK_RESPONSE);
        CHECK(s.cache->is_dirty(spa_base + 0x1000));
        CHECK(s.media_bytes(spa_base + 0x1000, 64) != w);
        CHECK(s.cache->stats().misses.value == 1); // write-allocate: the RFO fill
        sc_time c = sc_core::SC_ZERO_TIME;
        CHECK(request(s, tlm::TLM_IGNORE_COMMAND, MemOp::writeback, spa_base + 0x1000, {}, c) ==
              tlm::TLM_OK_RESPONSE);
        CHECK(c == sc_time(10 + 70, SC_NS));
        CHECK(s.media_bytes(spa_base + 0x1000, 64) == w);
        CHECK(s.cache->contains(spa_base + 0x1000)); // clwb keeps the line
        CHECK_FALSE(s.cache->is_dirty(spa_base + 0x1000));
        // A second clwb of a clean line writes nothing.
        sc_time c2 = sc_core::SC_ZERO_TIME;
        request(s, tlm::TLM_IGNORE_COMMAND, MemOp::writeback, spa_base + 0x1000, {}, c2);
        CHECK(c2 == sc_time(10, SC_NS));
        CHECK(s.cache->stats().writebacks.value == 1);
    });
}

TEST_CASE("clflushopt writes back and invalidates the line") {
    test::MemorySystem s;
    test::run_thread([&] {
        auto w = bytes(32, 2);
        sc_time d = sc_core::SC_ZERO_TIME;
        request(s, tlm::TLM_WRITE_COMMAND, MemOp::store, spa_base + 0x2020, w, d);
        request(s, tlm::TLM_IGNORE_COMMAND, MemOp::flush, spa_base + 0x2000, {}, d);
        CHECK_FALSE(s.cache->contains(spa_base + 0x2000));
        const auto m = s.media_bytes(spa_base + 0x2020, 32);
        CHECK(std::equal(m.begin(), m.end(), w.begin()));
    });
}

TEST_CASE("nt_store writes back and invalidates a cached copy then writes through") {
    test::MemorySystem s;
    test::run_thread([&] {
        auto a = bytes(64, 3);
        sc_time d = sc_core::SC_ZERO_TIME;
        request(s, tlm::TLM_WRITE_COMMAND, MemOp::store, spa_base, a, d); // dirty line
        auto b = bytes(16, 4);
        sc_time nt = sc_core::SC_ZERO_TIME;
        CHECK(request(s, tlm::TLM_WRITE_COMMAND, MemOp::nt_store, spa_base + 16, b, nt) ==
              tlm::TLM_OK_RESPONSE);
        CHECK_FALSE(s.cache->contains(spa_base));
        const auto m = s.media_bytes(spa_base, 64);
        CHECK(std::equal(m.begin(), m.begin() + 16, a.begin()));      // the dirty copy was written back
        CHECK(std::equal(m.begin() + 16, m.begin() + 32, b.begin())); // then the nt data over it
        CHECK(std::equal(m.begin() + 32, m.end(), a.begin() + 32));
    });
}

TEST_CASE("load miss of a poisoned line is not allocated and propagates the error") {
    test::MemorySystem s;
    const auto at = s.mc->decode(spa_base + 0x3000);
    s.dimms[at->dimm]->inject_poison(at->dpa, 1);
    test::run_thread([&] {
        std::vector<std::byte> r(64);
        sc_time d = sc_core::SC_ZERO_TIME;
        MemoryErrorExtension err;
        CHECK(request(s, tlm::TLM_READ_COMMAND, MemOp::load, spa_base + 0x3040, r, d, &err) ==
              tlm::TLM_GENERIC_ERROR_RESPONSE);
        CHECK(err.poisoned);
        CHECK(err.spa == spa_base + 0x3000);
        CHECK_FALSE(s.cache->contains(spa_base + 0x3040));
        CHECK(s.cache->stats().poisoned_fills.value == 1);
        // A store needs the same fill (RFO): it fails too and allocates nothing.
        MemoryErrorExtension err2;
        CHECK(request(s, tlm::TLM_WRITE_COMMAND, MemOp::store, spa_base + 0x3080, r, d, &err2) ==
              tlm::TLM_GENERIC_ERROR_RESPONSE);
        CHECK(err2.poisoned);
        CHECK_FALSE(s.cache->contains(spa_base + 0x3080));
    });
}

TEST_CASE("dirty victim is written back on eviction by LRU") {
    CacheParams cp;
    cp.capacity_bytes = 4096;
    cp.ways = 2; // 32 sets: lines 2 KiB apart share a set
    test::MemorySystem s(cp);
    test::run_thread([&] {
        auto a = bytes(64, 5);
        std::vector<std::byte> r(64);
        sc_time d = sc_core::SC_ZERO_TIME;
        request(s, tlm::TLM_WRITE_COMMAND, MemOp::store, spa_base, a, d);      // way A, dirty
        request(s, tlm::TLM_READ_COMMAND, MemOp::load, spa_base + 2048, r, d); // way B
        request(s, tlm::TLM_READ_COMMAND, MemOp::load, spa_base, r, d);        // A most recent
        request(s, tlm::TLM_READ_COMMAND, MemOp::load, spa_base + 4096, r, d); // evicts B (LRU)
        CHECK(s.cache->contains(spa_base));
        CHECK_FALSE(s.cache->contains(spa_base + 2048));
        CHECK(s.media_bytes(spa_base, 64) != a);
        request(s, tlm::TLM_READ_COMMAND, MemOp::load, spa_base + 6144, r, d); // evicts A: written back
        CHECK_FALSE(s.cache->contains(spa_base));
        CHECK(s.media_bytes(spa_base, 64) == a);
        CHECK(s.cache->stats().writebacks.value == 1);
    });
}

TEST_CASE("drop_dirty loses dirty lines and writeback_all persists them") {
    test::MemorySystem s;
    test::run_thread([&] {
        auto a = bytes(64, 6);
        auto b = bytes(64, 7);
        sc_time d = sc_core::SC_ZERO_TIME;
        request(s, tlm::TLM_WRITE_COMMAND, MemOp::store, spa_base + 0x100, a, d);
        request(s, tlm::TLM_WRITE_COMMAND, MemOp::store, spa_base + 0x5000, b, d);
        CHECK(s.cache->writeback_all() == 2);
        CHECK(s.media_bytes(spa_base + 0x100, 64) == a);
        auto c = bytes(64, 8);
        request(s, tlm::TLM_WRITE_COMMAND, MemOp::store, spa_base + 0x100, c, d);
        CHECK(s.cache->drop_dirty() == 1);
        CHECK_FALSE(s.cache->contains(spa_base + 0x5000));
        CHECK(s.media_bytes(spa_base + 0x100, 64) == a); // c never reached the media
        std::vector<std::byte> r(64);
        request(s, tlm::TLM_READ_COMMAND, MemOp::load, spa_base + 0x100, r, d);
        CHECK(r == a);
    });
}

TEST_CASE("load hit costs the hit latency and a miss adds controller and media time") {
    test::MemorySystem s;
    test::run_thread([&] {
        std::vector<std::byte> r(64);
        sc_time miss = sc_core::SC_ZERO_TIME;
        request(s, tlm::TLM_READ_COMMAND, MemOp::load, spa_base + 0x7000, r, miss);
        sc_time hit = sc_core::SC_ZERO_TIME;
        request(s, tlm::TLM_READ_COMMAND, MemOp::load, spa_base + 0x7000, r, hit);
        CHECK(miss == sc_time(10 + 70 + 225, SC_NS));
        CHECK(hit == sc_time(10, SC_NS));
        CHECK(s.cache->stats().hits.value == 1);
    });
}
