// CPU core as the memory system sees it: the loads, stores, non-temporal stores, cache-line write-backs
// and fences a thread issues, and the machine-check banks that record what went wrong.
//
// Datasheet view:
//  - one TLM-2.0 initiator socket to the shared cache, addressed by SPA
//  - every access is cut at 64 B cache lines; each line is one blocking transaction with annotated
//    delay (loosely timed); a tlm_quantumkeeper accumulates the delay and yields to the SystemC kernel
//    only when the global quantum is exceeded or at sfence, so not every access switches context
//  - machine-check architecture (models/mca.h): a load (or a store's read for ownership) answered with
//    poison logs bank 1 (DCU) as an SRAR data load and raises #MC synchronously: the access stops at
//    the poisoned line and returns machine_check to the caller, the way the exception hits the
//    consuming instruction
//  - posted operations (non-temporal stores, clwb, clflushopt, and independent loads issued with
//    load_nowait, as an out-of-order core overlaps them) hold one of the core's `fill_buffers` from issue
//    until their transaction completes, and cost the core only `issue` unless every fill buffer is busy:
//    then the core waits for the earliest to complete. sfence waits until every posted operation has
//    completed (their writes are then in the persistence domain). Blocking loads and stores wait for their
//    own transaction. This is what lets one thread keep several misses in flight, and what bounds it
//  - writes are posted: a non-temporal store or a write-back that the DIMM cannot complete does not
//    fault the core
// Methods must be called from a SystemC thread (they may wait()).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/tlm_quantumkeeper.h>

#include "models/mca.h"
#include "models/sim_time.h"
#include "models/stats.h"
#include "models/tlm_extensions.h"
#include "models/tracer.h"

namespace daxsim::models {

struct CpuCoreParams {
    unsigned index = 0; // cpu<index>: trace track, MachineCheck::cpu
    // Outstanding posted operations (L1D fill / write-combining buffers). Skylake-SP, the core of the
    // 2nd-gen Xeon that Optane DC PMM shipped with, has 12 (Intel 64 and IA-32 Architectures Optimization
    // Reference Manual, Skylake server microarchitecture). 0: posted operations block like loads.
    unsigned fill_buffers = 12;
    // Core time one posted operation takes to issue (a few cycles at ~2.5 GHz).
    sc_core::sc_time issue{1, sc_core::SC_NS};
    // Synchronise with SystemC time before every transaction (timing=at): no temporal decoupling, so
    // shared resources see requests in simulated-time order.
    bool sync_each_access = false;
};

struct CpuCoreStats {
    Counter machine_checks{"cpu.machine_checks", "events", "#MC raised by consumed poison"};
    Counter load_bytes{"cpu.load_bytes", "B", "bytes loaded"};
    Counter store_bytes{"cpu.store_bytes", "B", "bytes stored (cached and non-temporal)"};

    void collect(MetricMap& out) const {
        for (const Counter* c : {&machine_checks, &load_bytes, &store_bytes})
            add_metric(out, *c);
    }
};

class CpuCore final : public sc_core::sc_module {
  public:
    static constexpr std::uint64_t line_bytes = 64;

    enum class Status {
        ok,
        machine_check, // #MC: see mca() for the logged bank
        bus_error,     // no memory decodes the address
    };
    struct Result {
        Status status = Status::ok;
        sc_core::sc_time cost = sc_core::SC_ZERO_TIME;    // simulated time the core spent on it
        sc_core::sc_time latency = sc_core::SC_ZERO_TIME; // issue to completion (> cost when posted)
        std::size_t bytes_done = 0;                       // before the fault; all of them on ok
        [[nodiscard]] bool ok() const { return status == Status::ok; }
    };

    tlm_utils::simple_initiator_socket<CpuCore> socket;

    CpuCore(sc_core::sc_module_name name, const CpuCoreParams& params, Tracer& tracer);

    Result load(std::uint64_t spa, std::span<std::byte> out);
    // An independent load the core does not wait for (data delivered at once; the core moves on after
    // `issue`): `latency` says when its data arrives. Poison still raises #MC at once.
    Result load_nowait(std::uint64_t spa, std::span<std::byte> out);
    Result store(std::uint64_t spa, std::span<const std::byte> in);
    Result nt_store(std::uint64_t spa, std::span<const std::byte> in);
    Result clwb(std::uint64_t spa, std::uint64_t len);
    Result clflushopt(std::uint64_t spa, std::uint64_t len);
    // clflush: write back and invalidate, ordered with other clflushes and stores (Intel SDM: it is not
    // posted like clflushopt): the core waits until each line's write-back is in the persistence domain.
    Result clflush(std::uint64_t spa, std::uint64_t len);
    // sfence: waits until every posted store, non-temporal store, clwb and clflushopt has completed
    // (their writes are then in the persistence domain); independent loads in flight are not waited for.
    Result sfence();
    // mfence: as sfence, and also waits for the independent loads in flight.
    Result mfence();
    // Time spent computing, not accessing memory.
    void work(const sc_core::sc_time& t);
    // Waits until SystemC time has caught up with this core's local time.
    void sync();

    // This core's view of now: SystemC time plus the quantum keeper's local offset.
    [[nodiscard]] sc_core::sc_time now() const { return qk_.get_current_time(); }
    [[nodiscard]] sc_core::sc_time local_offset() const { return qk_.get_local_time(); }
    [[nodiscard]] mca::McaBanks& mca() { return mca_; }
    [[nodiscard]] const mca::McaBanks& mca() const { return mca_; }
    [[nodiscard]] unsigned index() const { return params_.index; }
    [[nodiscard]] const CpuCoreStats& stats() const { return stats_; }

  private:
    // The global quantum is set during elaboration; the keeper computes its first sync point from it.
    void start_of_simulation() override { qk_.reset(); }
    // tlm_quantumkeeper with the quantum test against a SystemC time the caller already holds: SystemC
    // time cannot move between two of this thread's waits, and asking the kernel for it on every line
    // was a measurable part of each transaction. Final, so the keeper's virtual calls inline.
    //
    // A sync at a quantum boundary only lets other processes run up to this core's time. When nothing
    // else has activity due by then (the usual case for one guest thread: no other process exists), the
    // wait would return to the same state, so the keeper moves the boundary one quantum on instead and
    // skips the context switch. Whatever else is pending still runs at the first boundary past it, as
    // before: results do not change.
    class QuantumKeeper final : public tlm_utils::tlm_quantumkeeper {
      public:
        [[nodiscard]] bool need_sync_at(const sc_core::sc_time& stamp) {
            if (stamp + m_local_time < m_next_sync_point) return false;
            const sc_core::sc_time& quantum = get_global_quantum();
            if (quantum == sc_core::SC_ZERO_TIME || others_due()) return true;
            const sc_core::sc_time at = stamp + m_local_time;
            m_next_sync_point = at + quantum - at % quantum; // the next boundary after `at`
            return false;
        }
        // Whether another process has activity due no later than this core's time: only then can a wait
        // change what happens next. sc_time_to_pending_activity() is zero when anything is runnable now,
        // and sc_max_time() - now when nothing is pending at all.
        [[nodiscard]] bool others_due() const {
            return sc_core::sc_time_to_pending_activity() <= m_local_time;
        }
    };
    // One transaction per 64 B line of [spa, spa + len); `data` may be null for maintenance ops. Inlined
    // into each operation (gnu::always_inline), whose arguments then fold into it: a call per access
    // otherwise.
    [[gnu::always_inline]] inline Result access(tlm::tlm_command cmd, MemOp op, std::uint64_t spa,
                                                std::byte* data, std::uint64_t len, bool posted);
    // Before a posted operation: retires completed ones and waits (local time) for a free fill buffer.
    void claim_fill_buffer(const sc_core::sc_time& stamp);
    // Absolute simulated time `local` of this core stands for, and back.
    [[nodiscard]] sc_core::sc_time absolute(const sc_core::sc_time& local) const { return sim_now() + local; }
    void raise_machine_check(std::uint64_t line_addr);

    CpuCoreParams params_;
    Tracer& tracer_;
    // What the tracer records, asked once: it is fixed for the run and checked on every access.
    const bool tracing_;
    const bool waves_;
    std::string track_;
    QuantumKeeper qk_;
    mca::McaBanks mca_;
    struct InFlight {
        sc_core::sc_time done; // absolute completion time
        bool load;             // an independent load (mfence waits for it, sfence does not)
    };
    // Waits (local time) until every posted operation that `which` selects has completed, then drops them.
    template <typename Which> void drain(Which which);
    std::vector<InFlight> in_flight_; // posted operations holding a fill buffer
    ReusablePayload txn_;             // reused for every line (models/tlm_extensions.h)
    CpuCoreStats stats_;
};

} // namespace daxsim::models
