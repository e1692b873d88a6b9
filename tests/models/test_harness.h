// Shared fixtures for the model tests: a bare initiator, a way to run a test body in a SystemC thread,
// a tracer that records events, and a small complete memory system (core -> cache -> controller -> DIMMs).
#pragma once

#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>

#include "models/cache.h"
#include "models/cpu_core.h"
#include "models/memory_controller.h"
#include "models/pmem_dimm.h"
#include "models/sim_time.h"
#include "models/tlm_extensions.h"
#include "models/tracer.h"

namespace daxsim::test {

struct Initiator final : sc_core::sc_module {
    tlm_utils::simple_initiator_socket<Initiator> socket;
    explicit Initiator(sc_core::sc_module_name n) : sc_module(n), socket("socket") {}
};

// Runs `body` in a SystemC thread (models may wait()), then stops; rethrows what the body threw.
inline void run_thread(std::function<void()> body) {
    // sc_stop() is how a run ends here, not news: keep it out of the output.
    sc_core::sc_report_handler::set_actions("/OSCI/SystemC", sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
    std::exception_ptr failure;
    sc_core::sc_spawn(
        [&] {
            try {
                body();
            } catch (...) {
                failure = std::current_exception();
            }
            sc_core::sc_stop();
        },
        "test_body");
    sc_core::sc_start();
    if (failure) std::rethrow_exception(failure);
}

struct RecordingTracer final : Tracer {
    struct Event {
        std::string kind, track, name;
        std::uint64_t at_ns, dur_ns;
        std::vector<TraceArg> args;
    };
    std::vector<Event> events;
    void complete(const std::string& t, const std::string& n, std::uint64_t s, std::uint64_t d,
                  std::vector<TraceArg> a) override {
        events.push_back({"complete", t, n, s, d, std::move(a)});
    }
    void instant(const std::string& t, const std::string& n, std::uint64_t at,
                 std::vector<TraceArg> a) override {
        events.push_back({"instant", t, n, at, 0, std::move(a)});
    }
    void flow_begin(const std::string&, std::uint64_t, std::uint64_t) override {}
    void flow_step(const std::string&, std::uint64_t, std::uint64_t) override {}
    void flow_end(const std::string&, std::uint64_t, std::uint64_t) override {}
};

inline constexpr std::uint64_t spa_base = 0x40'0000'0000;
inline constexpr std::uint64_t dimm_bytes = 16ull << 20;

// Six 16 MiB DIMMs, 4 KiB x 6, default timing; an initiator and a core both reach the cache.
struct MemorySystem {
    NullTracer null;
    std::vector<std::unique_ptr<models::PmemDimm>> dimms;
    std::unique_ptr<models::MemoryController> mc;
    std::unique_ptr<models::Cache> cache;
    std::unique_ptr<models::CpuCore> core;
    Initiator raw{"raw"}; // bound to the cache too: plain TLM access for checks

    explicit MemorySystem(models::CacheParams cp = {}, Tracer* tracer = nullptr) {
        Tracer& tr = tracer ? *tracer : null;
        models::MemoryControllerParams mp;
        models::InterleaveSet set;
        set.spa_base = spa_base;
        set.size = 6 * dimm_bytes;
        set.granularity = 4096;
        for (unsigned i = 0; i < 6; ++i) {
            set.dimms.push_back(i);
            models::PmemDimmParams p;
            p.index = i;
            p.capacity_bytes = dimm_bytes;
            dimms.push_back(std::make_unique<models::PmemDimm>(("nmem" + std::to_string(i)).c_str(), p, tr));
        }
        mp.sets = {set};
        mp.dimm_count = 6;
        mc = std::make_unique<models::MemoryController>("mc0", mp, tr);
        for (unsigned i = 0; i < 6; ++i)
            mc->dimm[i].bind(dimms[i]->socket);
        cache = std::make_unique<models::Cache>("llc", cp);
        cache->mem.bind(mc->socket);
        core = std::make_unique<models::CpuCore>("cpu0", models::CpuCoreParams{0}, tr);
        core->socket.bind(cache->socket);
        raw.socket.bind(cache->socket);
    }

    // SPA -> the DIMM media backing it, for white-box checks.
    std::vector<std::byte> media_bytes(std::uint64_t spa, std::size_t n) {
        const auto d = mc->decode(spa);
        std::vector<std::byte> out(n);
        dimms.at(d->dimm)->media().read(d->dpa, out);
        return out;
    }
};

inline std::vector<std::byte> bytes(std::size_t n, unsigned seed) {
    std::vector<std::byte> v(n);
    for (std::size_t i = 0; i < n; ++i)
        v[i] = static_cast<std::byte>((i * 13 + seed) & 0xFF);
    return v;
}

} // namespace daxsim::test
