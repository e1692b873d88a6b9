#include "models/memory_controller.h"
#include "models/patrol_scrubber.h"

#include <doctest/doctest.h>

#include <algorithm>

#include "test_harness.h"

using namespace daxsim;
using namespace daxsim::models;
using daxsim::test::bytes;
using daxsim::test::spa_base;
using sc_core::SC_NS;
using sc_core::sc_time;

namespace {

struct Bench {
    NullTracer null;
    std::vector<std::unique_ptr<PmemDimm>> dimms;
    std::unique_ptr<MemoryController> mc;
    test::Initiator init{"init"};

    Bench() {
        // Two 3-way sets, 4 KiB chunks, six 16 MiB DIMMs.
        MemoryControllerParams p;
        p.dimm_count = 6;
        for (unsigned s = 0; s < 2; ++s) {
            InterleaveSet set;
            set.spa_base = spa_base + s * 3 * test::dimm_bytes;
            set.size = 3 * test::dimm_bytes;
            set.dimms = {3 * s, 3 * s + 1, 3 * s + 2};
            p.sets.push_back(set);
        }
        for (unsigned i = 0; i < 6; ++i) {
            PmemDimmParams dp;
            dp.index = i;
            dp.capacity_bytes = test::dimm_bytes;
            dp.buffer_lines = 0; // every write reaches the media: the WPQ holds it until then
            dimms.push_back(std::make_unique<PmemDimm>(("nmem" + std::to_string(i)).c_str(), dp, null));
        }
        mc = std::make_unique<MemoryController>("mc0", p, null);
        for (unsigned i = 0; i < 6; ++i)
            mc->dimm[i].bind(dimms[i]->socket);
        init.socket.bind(mc->socket);
    }

    tlm::tlm_response_status xfer(tlm::tlm_command cmd, std::uint64_t spa, std::span<std::byte> data,
                                  sc_time& delay, MemoryErrorExtension* err_out = nullptr) {
        tlm::tlm_generic_payload t;
        t.set_command(cmd);
        t.set_address(spa);
        t.set_data_ptr(reinterpret_cast<unsigned char*>(data.data()));
        t.set_data_length(static_cast<unsigned>(data.size()));
        t.set_streaming_width(static_cast<unsigned>(data.size()));
        t.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
        init.socket->b_transport(t, delay);
        if (auto* e = t.get_extension<MemoryErrorExtension>(); e && err_out) *err_out = *e;
        return t.get_response_status();
    }
};

} // namespace

TEST_CASE("controller splits a request at interleave chunks across DIMMs") {
    Bench b;
    test::run_thread([&] {
        auto w = bytes(3 * 4096 + 512, 1);
        sc_time d = sc_core::SC_ZERO_TIME;
        CHECK(b.xfer(tlm::TLM_WRITE_COMMAND, spa_base + 4096 - 256, w, d) == tlm::TLM_OK_RESPONSE);
        // DIMM 0 got the first 256 B at DPA 3840; DIMM 1 a whole chunk at DPA 0; DIMM 2 too; DIMM 0 row 1.
        std::vector<std::byte> got(4096);
        b.dimms[1]->media().read(0, got);
        CHECK(std::equal(got.begin(), got.end(), w.begin() + 256));
        b.dimms[0]->media().read(4096, std::span(got).first(256));
        CHECK(std::equal(got.begin(), got.begin() + 256, w.begin() + 256 + 2 * 4096));
        CHECK(b.dimms[1]->stats().requested_write_bytes.value == 4096 + 256); // chunks 1 and 4
        CHECK(b.mc->stats().write_bytes.value == w.size());
        std::vector<std::byte> r(w.size());
        CHECK(b.xfer(tlm::TLM_READ_COMMAND, spa_base + 4096 - 256, r, d) == tlm::TLM_OK_RESPONSE);
        CHECK(r == w);
        CHECK(b.mc->stats().read_bytes.value == w.size());
    });
}

TEST_CASE("posted write costs only the front end and is in media when accepted") {
    Bench b;
    test::run_thread([&] {
        auto w = bytes(64, 2);
        sc_time d = sc_core::SC_ZERO_TIME;
        CHECK(b.xfer(tlm::TLM_WRITE_COMMAND, spa_base + 3 * test::dimm_bytes + 64, w, d) ==
              tlm::TLM_OK_RESPONSE);
        CHECK(d == sc_time(70, SC_NS)); // not the 225 + 500 ns RMW on the DIMM
        std::vector<std::byte> m(64);
        b.dimms[3]->media().read(64, m); // ADR: persistent on return
        CHECK(m == w);
        std::vector<std::byte> r(64);
        sc_time rd{1, sc_core::SC_US}; // once the DIMM has finished the RMW: an idle read
        CHECK(b.xfer(tlm::TLM_READ_COMMAND, spa_base + 3 * test::dimm_bytes + 64, r, rd) ==
              tlm::TLM_OK_RESPONSE);
        CHECK(rd == sc_time(1000 + 70 + 225, SC_NS));
    });
}

TEST_CASE("poisoned read returns error with the SPA of the poisoned line") {
    Bench b;
    b.dimms[4]->inject_poison(4096 + 256, 1); // set 1 position 1, row 1: SPA chunk 4
    const std::uint64_t spa = spa_base + 3 * test::dimm_bytes + 4 * 4096 + 256;
    CHECK(b.mc->decode(spa)->dimm == 4);
    test::run_thread([&] {
        std::vector<std::byte> r(64);
        sc_time d = sc_core::SC_ZERO_TIME;
        MemoryErrorExtension err;
        CHECK(b.xfer(tlm::TLM_READ_COMMAND, spa + 128, r, d, &err) == tlm::TLM_GENERIC_ERROR_RESPONSE);
        CHECK(err.poisoned);
        CHECK(err.spa == spa);
        CHECK(err.dimm == 4);
        CHECK(err.dpa == 4096 + 256);
        CHECK(b.mc->stats().poison_responses.value == 1);
    });
}

TEST_CASE("a posted write dropped by a poisoned read-modify-write logs a UCNA for CMCI") {
    Bench b;
    b.dimms[4]->inject_poison(4096 + 256, 1);
    const std::uint64_t spa = spa_base + 3 * test::dimm_bytes + 4 * 4096 + 256;
    test::run_thread([&] {
        auto w = bytes(64, 1);
        sc_time d = sc_core::SC_ZERO_TIME;
        // Posted: the writer sees success; the error goes to the iMC bank.
        CHECK(b.xfer(tlm::TLM_WRITE_COMMAND, spa + 64, w, d) == tlm::TLM_OK_RESPONSE);
    });
    CHECK(b.mc->stats().failed_writes.value == 1);
    const auto cmci = b.mc->take_cmci();
    REQUIRE(cmci.size() == 1);
    using namespace mca::mci_status;
    CHECK(cmci[0].bank == mca::imc_bank_first + 4);
    CHECK(cmci[0].spa == spa);
    CHECK(cmci[0].record.status == (val | uc | en | miscv | addrv | 0x00A4));
    CHECK((cmci[0].record.status & (s | ar | pcc)) == 0); // UCNA: no #MC, nothing to do before resuming
    CHECK(cmci[0].record.addr == spa);
    CHECK(mca::mci_misc::lsb(cmci[0].record.misc) == 8); // the 256 B media line
    CHECK(b.mc->take_cmci().empty());                    // taken once
}

TEST_CASE("controller answers an SPA outside every set with an address error") {
    Bench b;
    test::run_thread([&] {
        std::vector<std::byte> r(64);
        sc_time d = sc_core::SC_ZERO_TIME;
        CHECK(b.xfer(tlm::TLM_READ_COMMAND, spa_base - 64, r, d) == tlm::TLM_ADDRESS_ERROR_RESPONSE);
        // A request running off the end does nothing at all.
        CHECK(b.xfer(tlm::TLM_WRITE_COMMAND, spa_base + 6 * test::dimm_bytes - 32, r, d) ==
              tlm::TLM_ADDRESS_ERROR_RESPONSE);
        CHECK(b.mc->stats().write_bytes.value == 0);
        CHECK(d == sc_core::SC_ZERO_TIME);
    });
}

TEST_CASE("controller encode inverts decode across two sets") {
    Bench b;
    for (std::uint64_t off : std::initializer_list<std::uint64_t>{0, 4095, 4096 * 5 + 7, 3 * test::dimm_bytes,
                                                                  6 * test::dimm_bytes - 1}) {
        const auto d = b.mc->decode(spa_base + off);
        REQUIRE(d);
        CHECK(b.mc->encode(d->dimm, d->dpa) == spa_base + off);
    }
    CHECK(b.mc->decode(spa_base + 3 * test::dimm_bytes)->dimm == 3);
    CHECK_FALSE(b.mc->decode(spa_base + 6 * test::dimm_bytes));
}

TEST_CASE("cache-line requests reach the DIMM the set decodes as reads and writes change chunks") {
    // The controller remembers the last chunk of each direction: reads and writes that alternate, stay,
    // step to the neighbouring chunk, jump between the two sets or land on a chunk's last line must each
    // reach the DIMM and DPA the plain interleave decode gives, and read back what was written there.
    Bench b;
    test::run_thread([&] {
        std::uint64_t x = 7;
        auto next = [&x] {
            x = x * 6364136223846793005ull + 1442695040888963407ull;
            return x >> 33;
        };
        const std::uint64_t lines = 6 * test::dimm_bytes / 64;
        std::uint64_t spa = spa_base;
        for (int i = 0; i < 4000; ++i) {
            const std::uint64_t r = next();
            switch (r % 5) {
            case 0:
                spa += 64;
                break; // the next line
            case 1:
                spa += 4096;
                break; // the next chunk
            case 2:
                spa = spa_base + (r / 5 % lines) * 64;
                break; // anywhere, either set
            case 3:
                spa = spa / 4096 * 4096 + 4096 - 64;
                break; // a chunk's last line
            default:
                break; // the same line again
            }
            if (spa + 64 > spa_base + 6 * test::dimm_bytes) spa = spa_base;
            const auto where = b.mc->decode(spa);
            REQUIRE(where);
            sc_time d = sc_core::SC_ZERO_TIME;
            auto w = bytes(64, static_cast<unsigned>(i));
            if (r % 2 == 0) {
                REQUIRE(b.xfer(tlm::TLM_WRITE_COMMAND, spa, w, d) == tlm::TLM_OK_RESPONSE);
                std::vector<std::byte> m(64);
                b.dimms[where->dimm]->media().read(where->dpa, m);
                CHECK(m == w);
            } else {
                std::vector<std::byte> m(64);
                b.dimms[where->dimm]->media().read(where->dpa, m);
                std::vector<std::byte> got(64);
                REQUIRE(b.xfer(tlm::TLM_READ_COMMAND, spa, got, d) == tlm::TLM_OK_RESPONSE);
                CHECK(got == m);
            }
        }
    });
}

namespace {

// One interleave set of `ways` DIMMs with 4 KiB chunks, as the platform builds it.
struct InterleavedBench {
    NullTracer null;
    std::vector<std::unique_ptr<PmemDimm>> dimms;
    std::unique_ptr<MemoryController> mc;
    test::Initiator init;

    explicit InterleavedBench(unsigned ways, unsigned wpq_depth = 64, unsigned rpq_depth = 64)
        : init(("init" + std::to_string(ways)).c_str()) {
        MemoryControllerParams p;
        p.dimm_count = ways;
        p.wpq_depth = wpq_depth;
        p.rpq_depth = rpq_depth;
        InterleaveSet set;
        set.spa_base = spa_base;
        set.size = ways * test::dimm_bytes;
        for (unsigned i = 0; i < ways; ++i)
            set.dimms.push_back(i);
        p.sets.push_back(set);
        for (unsigned i = 0; i < ways; ++i) {
            PmemDimmParams dp;
            dp.index = i;
            dp.capacity_bytes = test::dimm_bytes;
            dp.buffer_lines = 0; // the media path: each write holds its WPQ entry until its media write ends
            dp.media_partitions = 1; // one busy-until time: queues fill at the media rate alone
            dimms.push_back(std::make_unique<PmemDimm>(
                ("w" + std::to_string(ways) + "_nmem" + std::to_string(i)).c_str(), dp, null));
        }
        mc = std::make_unique<MemoryController>(("mc_w" + std::to_string(ways)).c_str(), p, null);
        for (unsigned i = 0; i < ways; ++i)
            mc->dimm[i].bind(dimms[i]->socket);
        init.socket.bind(mc->socket);
    }

    // Issues `count` accesses of `len` bytes, `stride` bytes apart, all arriving at the current time (as
    // many requests in flight would); returns when each one is done.
    std::vector<sc_time> issue_together(tlm::tlm_command cmd, unsigned count, unsigned len,
                                        std::uint64_t stride) {
        std::vector<std::byte> buf(len);
        std::vector<sc_time> done;
        for (unsigned i = 0; i < count; ++i) {
            tlm::tlm_generic_payload t;
            t.set_command(cmd);
            t.set_address(spa_base + i * stride);
            t.set_data_ptr(reinterpret_cast<unsigned char*>(buf.data()));
            t.set_data_length(len);
            t.set_streaming_width(len);
            t.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
            sc_time d = sc_core::SC_ZERO_TIME;
            init.socket->b_transport(t, d);
            CHECK(t.is_response_ok());
            done.push_back(d);
        }
        return done;
    }
    // The same over consecutive addresses; returns when the last one is done.
    sc_time burst(tlm::tlm_command cmd, unsigned count, unsigned len) {
        const auto done = issue_together(cmd, count, len, len);
        return *std::max_element(done.begin(), done.end());
    }
};

} // namespace

TEST_CASE("reads spread over six interleaved DIMMs sustain about six times one DIMM's bandwidth") {
    constexpr unsigned lines = 6 * 512; // 768 KiB: long enough that the idle latency hardly counts
    sc_time one_dimm;
    sc_time six_dimms;
    {
        InterleavedBench one(1);
        InterleavedBench six(6);
        test::run_thread([&] {
            one_dimm = one.burst(tlm::TLM_READ_COMMAND, lines, 256);
            six_dimms = six.burst(tlm::TLM_READ_COMMAND, lines, 256);
        });
    }
    const double bytes_moved = lines * 256.0;
    const double one_gbps = bytes_moved / one_dimm.to_seconds() / 1e9;
    const double six_gbps = bytes_moved / six_dimms.to_seconds() / 1e9;
    CHECK(one_gbps > 6.3); // media read bandwidth 6.6 GB/s, less the 295 ns idle latency once
    CHECK(one_gbps < 6.6);
    CHECK(six_gbps > 37.0);
    CHECK(six_gbps < 39.6);
    CHECK(six_gbps / one_gbps > 5.7);
    CHECK(six_gbps / one_gbps < 6.05);
}

TEST_CASE("posted writes beyond the WPQ depth wait for the media") {
    InterleavedBench b(1, 8);
    std::vector<sc_time> accepted;
    test::run_thread([&] { accepted = b.issue_together(tlm::TLM_WRITE_COMMAND, 40, 256, 256); });
    REQUIRE(accepted.size() == 40);
    // The first 8 fill the WPQ and are accepted after the front end alone.
    for (unsigned i = 0; i < 8; ++i)
        CHECK(accepted[i] == sc_time(70, SC_NS));
    // Then each waits for a media write to finish: acceptance advances at the media write rate.
    CHECK(accepted[8] > sc_time(500, SC_NS));
    const double gbps = 31 * 256.0 / (accepted[39] - accepted[8]).to_seconds() / 1e9;
    CHECK(gbps > 2.25);
    CHECK(gbps < 2.35);
    CHECK(b.mc->stats().wpq_full.value == 32);
}

TEST_CASE("reads beyond the RPQ depth wait until the earliest read has its data") {
    InterleavedBench b(1, 64, 4);
    std::vector<sc_time> done;
    // Ten reads of different XPLines arriving together on one DIMM.
    test::run_thread([&] { done = b.issue_together(tlm::TLM_READ_COMMAND, 10, 64, 4096); });
    REQUIRE(done.size() == 10);
    CHECK(done[0] == sc_time(70 + 225, SC_NS)); // front end + media read, idle
    // The fifth finds four reads holding the RPQ and starts when the first has returned its data.
    CHECK(done[4] >= done[0] + sc_time(225, SC_NS));
    CHECK(b.mc->stats().rpq_full.value == 6);
    for (unsigned i = 1; i < 10; ++i)
        CHECK(done[i] > done[i - 1]);
}
