#include "models/pmem_dimm.h"

#include <doctest/doctest.h>

#include "test_harness.h"

using namespace daxsim;
using namespace daxsim::models;
using daxsim::test::bytes;
using daxsim::test::RecordingTracer;
using sc_core::SC_NS;
using sc_core::sc_time;

namespace {

struct Bench {
    RecordingTracer tracer;
    PmemDimm dimm;
    test::Initiator init{"init"};
    explicit Bench(PmemDimmParams p = small()) : dimm("nmem3", p, tracer) { init.socket.bind(dimm.socket); }
    // The media path on its own: no XPBuffer, so every access reaches the media.
    static PmemDimmParams small() {
        PmemDimmParams p;
        p.index = 3;
        p.capacity_bytes = 16ull << 20;
        p.buffer_lines = 0;
        p.media_partitions = 1; // one busy-until time: partitions have their own tests
        return p;
    }
    static PmemDimmParams buffered(std::uint64_t lines = 4) {
        PmemDimmParams p = small();
        p.buffer_lines = lines;
        return p;
    }
    // One blocking transaction; returns the response and the delay it annotated.
    tlm::tlm_response_status xfer(tlm::tlm_command cmd, std::uint64_t dpa, std::span<std::byte> data,
                                  sc_time& delay, MemoryErrorExtension* err_out = nullptr) {
        tlm::tlm_generic_payload t;
        t.set_command(cmd);
        t.set_address(dpa);
        t.set_data_ptr(reinterpret_cast<unsigned char*>(data.data()));
        t.set_data_length(static_cast<unsigned>(data.size()));
        t.set_streaming_width(static_cast<unsigned>(data.size()));
        t.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
        init.socket->b_transport(t, delay);
        if (err_out) {
            if (auto* e = t.get_extension<MemoryErrorExtension>()) *err_out = *e;
        }
        return t.get_response_status();
    }
};

} // namespace

TEST_CASE("poisoned line read returns TLM error response with poison extension") {
    Bench b;
    b.dimm.inject_poison(0x1000 + 300, 1); // line [0x1100, 0x1200)
    test::run_thread([&] {
        std::vector<std::byte> buf(64, std::byte{0x5A});
        sc_time d = sc_core::SC_ZERO_TIME;
        MemoryErrorExtension err;
        CHECK(b.xfer(tlm::TLM_READ_COMMAND, 0x1100 + 64, buf, d, &err) == tlm::TLM_GENERIC_ERROR_RESPONSE);
        CHECK(err.poisoned);
        CHECK(err.dpa == 0x1100);
        CHECK(err.dimm == 3);
        CHECK(buf[0] == std::byte{0x5A}); // no data delivered
        CHECK(b.dimm.stats().poison_reads.value == 1);
        // The neighbouring line reads fine.
        CHECK(b.xfer(tlm::TLM_READ_COMMAND, 0x1000, buf, d) == tlm::TLM_OK_RESPONSE);
    });
    bool instant = false;
    for (const auto& e : b.tracer.events)
        if (e.kind == "instant" && e.track == "nmem3" && e.name == "poison read") instant = true;
    CHECK(instant);
}

TEST_CASE("partial write into poisoned line fails and full line write clears poison") {
    Bench b;
    b.dimm.inject_poison(0x200, 256);
    test::run_thread([&] {
        auto part = bytes(64, 1);
        sc_time d = sc_core::SC_ZERO_TIME;
        MemoryErrorExtension err;
        CHECK(b.xfer(tlm::TLM_WRITE_COMMAND, 0x240, part, d, &err) == tlm::TLM_GENERIC_ERROR_RESPONSE);
        CHECK(err.poisoned);
        CHECK(err.dpa == 0x200);
        CHECK(b.dimm.is_poisoned(0x200));
        CHECK(b.dimm.stats().media_write_bytes.value == 0);
        auto full = bytes(256, 2);
        CHECK(b.xfer(tlm::TLM_WRITE_COMMAND, 0x200, full, d) == tlm::TLM_OK_RESPONSE);
        CHECK_FALSE(b.dimm.is_poisoned(0x200));
        std::vector<std::byte> back(256);
        CHECK(b.xfer(tlm::TLM_READ_COMMAND, 0x200, back, d) == tlm::TLM_OK_RESPONSE);
        CHECK(back == full);
    });
}

TEST_CASE("untouched media reads zeros and allocates no host memory") {
    PmemDimmParams p = Bench::small();
    p.capacity_bytes = 512ull << 30; // the largest DIMM: nothing is allocated up front
    Bench b(p);
    test::run_thread([&] {
        std::vector<std::byte> buf(256, std::byte{0xEE});
        sc_time d = sc_core::SC_ZERO_TIME;
        CHECK(b.xfer(tlm::TLM_READ_COMMAND, (511ull << 30) + 4096, buf, d) == tlm::TLM_OK_RESPONSE);
        for (auto x : buf)
            CHECK(x == std::byte{0});
        CHECK(b.dimm.media().resident_lines() == 0);
        auto w = bytes(64, 3);
        CHECK(b.xfer(tlm::TLM_WRITE_COMMAND, 300ull << 30, w, d) == tlm::TLM_OK_RESPONSE);
        CHECK(b.dimm.media().resident_lines() == 1);
    });
}

TEST_CASE("partial line write is read modify write and counts write amplification") {
    Bench b;
    test::run_thread([&] {
        auto w = bytes(64, 4);
        sc_time d = sc_core::SC_ZERO_TIME;
        CHECK(b.xfer(tlm::TLM_WRITE_COMMAND, 0x1040, w, d) == tlm::TLM_OK_RESPONSE);
        CHECK(b.dimm.stats().requested_write_bytes.value == 64);
        CHECK(b.dimm.stats().media_write_bytes.value == 256);
        CHECK(b.dimm.stats().media_read_bytes.value == 256); // the RMW read
        CHECK(d == sc_time(225 + 500, SC_NS));
        auto full = bytes(512, 5);
        sc_time d2 = d; // issued once the first write is done: an idle media, no queueing
        CHECK(b.xfer(tlm::TLM_WRITE_COMMAND, 0x2000, full, d2) == tlm::TLM_OK_RESPONSE);
        CHECK(b.dimm.stats().media_write_bytes.value == 256 + 512);
        CHECK(b.dimm.stats().media_read_bytes.value == 256); // full lines need no read
        CHECK(d2 - d == sc_time(1000, SC_NS));
    });
}

TEST_CASE("read costs the media latency for the first line and the burst interval after") {
    Bench b;
    test::run_thread([&] {
        std::vector<std::byte> buf(1024);
        sc_time d = sc_core::SC_ZERO_TIME;
        CHECK(b.xfer(tlm::TLM_READ_COMMAND, 0x80, std::span(buf).first(64), d) == tlm::TLM_OK_RESPONSE);
        CHECK(d == sc_time(225, SC_NS));
        const sc_time issued = d; // after the first read: an idle media, no queueing
        CHECK(b.xfer(tlm::TLM_READ_COMMAND, 0x80, buf, d) == tlm::TLM_OK_RESPONSE); // 5 lines
        CHECK(d - issued == sc_time(225 + 4 * 39, SC_NS));
        CHECK(b.dimm.stats().media_read_bytes.value == 256 + 5 * 256);
    });
    bool complete = false;
    for (const auto& e : b.tracer.events)
        if (e.kind == "complete" && e.track == "nmem3" && e.name == "read" && e.dur_ns == 381)
            complete = true;
    CHECK(complete);
}

TEST_CASE("access beyond capacity returns address error") {
    Bench b;
    test::run_thread([&] {
        std::vector<std::byte> buf(64);
        sc_time d = sc_core::SC_ZERO_TIME;
        CHECK(b.xfer(tlm::TLM_READ_COMMAND, (16ull << 20) - 32, buf, d) == tlm::TLM_ADDRESS_ERROR_RESPONSE);
        CHECK(b.xfer(tlm::TLM_WRITE_COMMAND, 16ull << 20, buf, d) == tlm::TLM_ADDRESS_ERROR_RESPONSE);
        CHECK(d == sc_core::SC_ZERO_TIME);
    });
}

TEST_CASE("label area is bounds checked and separate from media") {
    Bench b;
    const auto lbl = bytes(128, 6);
    CHECK(b.dimm.label_write(0, lbl));
    CHECK(b.dimm.label_write((128 << 10) - 128, lbl));
    CHECK_FALSE(b.dimm.label_write((128 << 10) - 127, lbl));
    std::vector<std::byte> back(128);
    CHECK(b.dimm.label_read(0, back));
    CHECK(back == lbl);
    CHECK_FALSE(b.dimm.label_read(~0ull - 10, back));
    CHECK(b.dimm.media().resident_lines() == 0);
}

TEST_CASE("clear poison zeroes the line and poisoned lines lists a DPA range") {
    Bench b;
    b.dimm.media().write_raw(0x400, bytes(256, 7));
    b.dimm.inject_poison(0x400, 1);
    b.dimm.inject_poison(0x900, 300); // lines 0x900 and 0xA00
    CHECK(b.dimm.poisoned_lines(0, 0x1000) == std::vector<std::uint64_t>{0x400, 0x900, 0xA00});
    CHECK(b.dimm.poisoned_lines(0x950, 1) == std::vector<std::uint64_t>{0x900});
    CHECK(b.dimm.clear_poison(0x400, 256) == 256);
    CHECK_FALSE(b.dimm.is_poisoned(0x400));
    std::vector<std::byte> back(256, std::byte{1});
    b.dimm.media().read(0x400, back);
    for (auto x : back)
        CHECK(x == std::byte{0});
    CHECK(b.dimm.clear_poison(0x901, 0x1FE) == 0); // no whole line inside
    CHECK(b.dimm.is_poisoned(0x900));
}

TEST_CASE("debug transport reads and writes media without timing or counters") {
    Bench b;
    test::run_thread([&] {
        auto w = bytes(100, 8);
        tlm::tlm_generic_payload t;
        t.set_command(tlm::TLM_WRITE_COMMAND);
        t.set_address(0x3000);
        t.set_data_ptr(reinterpret_cast<unsigned char*>(w.data()));
        t.set_data_length(100);
        CHECK(b.init.socket->transport_dbg(t) == 100);
        std::vector<std::byte> r(100);
        t.set_command(tlm::TLM_READ_COMMAND);
        t.set_data_ptr(reinterpret_cast<unsigned char*>(r.data()));
        CHECK(b.init.socket->transport_dbg(t) == 100);
        CHECK(r == w);
        CHECK(b.dimm.stats().media_write_bytes.value == 0);
        CHECK(sc_core::sc_time_stamp() == sc_core::SC_ZERO_TIME);
    });
}

TEST_CASE("back-to-back line writes to one DIMM are limited by its media write bandwidth") {
    Bench b;
    constexpr unsigned lines = 200;
    std::vector<sc_time> done;
    test::run_thread([&] {
        auto line = bytes(256, 6);
        // All arrive at once, as a full WPQ would hand them over: each must wait for the media.
        for (unsigned i = 0; i < lines; ++i) {
            sc_time d = sc_core::SC_ZERO_TIME;
            CHECK(b.xfer(tlm::TLM_WRITE_COMMAND, 0x10000 + i * 256ull, line, d) == tlm::TLM_OK_RESPONSE);
            done.push_back(d);
        }
    });
    REQUIRE(done.size() == lines);
    CHECK(done.front() == sc_time(500, SC_NS)); // the first finds the media idle: latency only
    for (unsigned i = 1; i < lines; ++i)
        CHECK(done[i] > done[i - 1]);
    const double gbps = (lines - 1) * 256.0 / (done.back() - done.front()).to_seconds() / 1e9;
    CHECK(gbps > 2.25);
    CHECK(gbps < 2.35); // dimm.write_bandwidth 2.3 GB/s, not the 256 B / 500 ns latency bound
    CHECK(b.dimm.stats().media_write_bytes.value == lines * 256ull);
}

TEST_CASE("reads queue behind a busy media and an idle read pays only its latency") {
    Bench b;
    test::run_thread([&] {
        std::vector<std::byte> buf(64);
        sc_time first = sc_core::SC_ZERO_TIME;
        sc_time second = sc_core::SC_ZERO_TIME;
        CHECK(b.xfer(tlm::TLM_READ_COMMAND, 0x0, buf, first) == tlm::TLM_OK_RESPONSE);
        CHECK(b.xfer(tlm::TLM_READ_COMMAND, 0x1000, buf, second) == tlm::TLM_OK_RESPONSE);
        CHECK(first == sc_time(225, SC_NS));
        // 256 B at 6.6 GB/s holds the media 38.79 ns; the second read, arriving together, waits that long.
        CHECK(second == sc_time(225, SC_NS) + sc_time(256.0 / 6.6e9, sc_core::SC_SEC));
        sc_time later{1, sc_core::SC_US};
        CHECK(b.xfer(tlm::TLM_READ_COMMAND, 0x2000, buf, later) == tlm::TLM_OK_RESPONSE);
        CHECK(later == sc_time(1225, SC_NS));
    });
}

TEST_CASE("xpbuffer combines four 64 B writes into one full xpline write on eviction") {
    Bench b(Bench::buffered(1));
    test::run_thread([&] {
        sc_time d = sc_core::SC_ZERO_TIME;
        for (unsigned i = 0; i < 4; ++i) {
            auto w = bytes(64, static_cast<int>(i));
            CHECK(b.xfer(tlm::TLM_WRITE_COMMAND, 0x1000 + i * 64ull, w, d) == tlm::TLM_OK_RESPONSE);
        }
        // Accepted into the buffer: 4 x the hit cost, nothing on the media yet.
        CHECK(d == sc_time(4 * 44, SC_NS));
        CHECK(b.dimm.stats().media_write_bytes.value == 0);
        CHECK(b.dimm.stats().write_buffer_hits.value == 3);
        // The data is already persistent (read back through the debug port).
        std::vector<std::byte> back(64);
        tlm::tlm_generic_payload t;
        t.set_command(tlm::TLM_READ_COMMAND);
        t.set_address(0x1000 + 128);
        t.set_data_ptr(reinterpret_cast<unsigned char*>(back.data()));
        t.set_data_length(64);
        CHECK(b.init.socket->transport_dbg(t) == 64);
        CHECK(back == bytes(64, 2));
        // Another line evicts it: one whole XPLine written, no read-modify-write.
        auto w = bytes(64, 9);
        CHECK(b.xfer(tlm::TLM_WRITE_COMMAND, 0x2000, w, d) == tlm::TLM_OK_RESPONSE);
        CHECK(b.dimm.stats().media_write_bytes.value == 256);
        CHECK(b.dimm.stats().media_read_bytes.value == 0);
        CHECK(b.dimm.stats().requested_write_bytes.value == 5 * 64);
    });
}

TEST_CASE("xpbuffer evicting a partly written line reads it first and counts the amplification") {
    Bench b(Bench::buffered(1));
    test::run_thread([&] {
        sc_time d = sc_core::SC_ZERO_TIME;
        auto w = bytes(64, 1);
        CHECK(b.xfer(tlm::TLM_WRITE_COMMAND, 0x1040, w, d) == tlm::TLM_OK_RESPONSE);
        CHECK(b.xfer(tlm::TLM_WRITE_COMMAND, 0x3000, w, d) == tlm::TLM_OK_RESPONSE);
        CHECK(b.dimm.stats().media_read_bytes.value == 256);  // RMW read of 0x1000's line
        CHECK(b.dimm.stats().media_write_bytes.value == 256); // 4x the 64 B asked for
        CHECK(b.dimm.drain_buffer() == 1);                    // power loss writes the other one
        CHECK(b.dimm.stats().media_write_bytes.value == 512);
    });
}

TEST_CASE("xpbuffer serves reads of a line read before and never serves a poisoned line") {
    Bench b(Bench::buffered(4));
    test::run_thread([&] {
        std::vector<std::byte> buf(64);
        sc_time d = sc_core::SC_ZERO_TIME;
        CHECK(b.xfer(tlm::TLM_READ_COMMAND, 0x100, buf, d) == tlm::TLM_OK_RESPONSE);
        CHECK(d == sc_time(225, SC_NS));
        const sc_time first = d;
        CHECK(b.xfer(tlm::TLM_READ_COMMAND, 0x140, buf, d) == tlm::TLM_OK_RESPONSE);
        CHECK(d - first == sc_time(44, SC_NS)); // same XPLine: from the buffer
        CHECK(b.dimm.stats().read_buffer_hits.value == 1);
        // Poison injected behind the buffer's back: the read goes to the media and reports it.
        b.dimm.inject_poison(0x100, 1);
        const sc_time before = d;
        MemoryErrorExtension err;
        CHECK(b.xfer(tlm::TLM_READ_COMMAND, 0x180, buf, d, &err) == tlm::TLM_GENERIC_ERROR_RESPONSE);
        CHECK(err.poisoned);
        CHECK(d - before == sc_time(225, SC_NS));
        CHECK(b.dimm.stats().read_buffer_hits.value == 1);
        // A partial write to it bypasses the buffer and fails its read-modify-write.
        auto w = bytes(64, 7);
        CHECK(b.xfer(tlm::TLM_WRITE_COMMAND, 0x100, w, d) == tlm::TLM_GENERIC_ERROR_RESPONSE);
        CHECK(b.dimm.is_poisoned(0x100));
        CHECK(b.dimm.stats().failed_writes.value == 1);
    });
}

TEST_CASE("xpbuffer write waits for the media when the line it evicts cannot be written yet") {
    Bench b(Bench::buffered(1));
    std::vector<sc_time> accepted;
    test::run_thread([&] {
        // Full lines arriving together: each evicts the previous one, so after the first the media's write
        // bandwidth (256 B per 111.3 ns) paces acceptance, which is the DIMM's back-pressure.
        auto line = bytes(256, 3);
        for (unsigned i = 0; i < 20; ++i) {
            sc_time d = sc_core::SC_ZERO_TIME;
            CHECK(b.xfer(tlm::TLM_WRITE_COMMAND, 0x10000 + i * 256ull, line, d) == tlm::TLM_OK_RESPONSE);
            accepted.push_back(d);
        }
    });
    CHECK(accepted[0] == sc_time(44, SC_NS));
    CHECK(accepted[1] == sc_time(44, SC_NS)); // the first eviction finds the media idle
    const double gbps = 18 * 256.0 / (accepted[19] - accepted[1]).to_seconds() / 1e9;
    CHECK(gbps > 2.25);
    CHECK(gbps < 2.35);
}

TEST_CASE("six media partitions serve reads of different partitions together and queue the same one") {
    PmemDimmParams p = Bench::small();
    p.media_partitions = 6;
    Bench b(p);
    std::vector<sc_time> done;
    test::run_thread([&] {
        std::vector<std::byte> buf(64);
        // XPLines 0..6 arriving together: 0..5 each find their own partition idle, 6 shares partition 0.
        for (std::uint64_t line = 0; line < 7; ++line) {
            sc_time d = sc_core::SC_ZERO_TIME;
            CHECK(b.xfer(tlm::TLM_READ_COMMAND, line * 256, buf, d) == tlm::TLM_OK_RESPONSE);
            done.push_back(d);
        }
    });
    REQUIRE(done.size() == 7);
    for (std::uint64_t line = 0; line < 6; ++line)
        CHECK(done[line] == sc_time(225, SC_NS));
    // Partition 0 is held six times one XPLine at the DIMM's 6.6 GB/s: 232.7 ns.
    CHECK(done[6] == sc_time(225, SC_NS) + sc_time(256.0 / 6.6e9, sc_core::SC_SEC) * 6.0);
}

namespace {

// GB/s of 120 XPLine reads `stride_lines` apart arriving together at a DIMM with six media partitions:
// bytes over the time until the last partition is free again (the last read's start plus its hold).
double six_partition_read_gbps(std::uint64_t stride_lines) {
    PmemDimmParams p = Bench::small();
    p.media_partitions = 6;
    Bench b(p);
    constexpr unsigned reads = 120;
    sc_time last = sc_core::SC_ZERO_TIME;
    test::run_thread([&] {
        std::vector<std::byte> buf(64);
        for (unsigned i = 0; i < reads; ++i) {
            sc_time d = sc_core::SC_ZERO_TIME;
            CHECK(b.xfer(tlm::TLM_READ_COMMAND, i * stride_lines * 256, buf, d) == tlm::TLM_OK_RESPONSE);
            last = std::max(last, d);
        }
    });
    const sc_time span = last - sc_time(225, SC_NS) + sc_time(256.0 / 6.6e9, sc_core::SC_SEC) * 6.0;
    return reads * 256.0 / span.to_seconds() / 1e9;
}

} // namespace

TEST_CASE("six media partitions reach the DIMM's read bandwidth on consecutive lines") {
    const double gbps = six_partition_read_gbps(1);
    CHECK(gbps > 6.5);
    CHECK(gbps < 6.7);
}

TEST_CASE("six media partitions give reads that all land in one partition a sixth of the bandwidth") {
    const double gbps = six_partition_read_gbps(6); // every sixth XPLine: all in partition 0
    CHECK(gbps > 1.05);
    CHECK(gbps < 1.15);
}
