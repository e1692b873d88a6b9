#include "models/cpu_core.h"

#include <algorithm>

#include <fmt/format.h>

#include "models/sim_time.h"

namespace daxsim::models {

using sc_core::sc_time;

CpuCore::CpuCore(sc_core::sc_module_name name, const CpuCoreParams& params, Tracer& tracer)
    : sc_module(name), socket("socket"), params_(params), tracer_(tracer), tracing_(tracer.enabled()),
      waves_(tracer.waves()), track_(fmt::format("cpu{}", params.index)) {
    qk_.reset();
}

void CpuCore::claim_fill_buffer(const sc_time& stamp) {
    const sc_time now = stamp + qk_.get_local_time();
    std::erase_if(in_flight_, [&](const InFlight& f) { return f.done <= now; });
    if (params_.fill_buffers == 0 || in_flight_.size() < params_.fill_buffers) return;
    const auto first = std::min_element(in_flight_.begin(), in_flight_.end(),
                                        [](const InFlight& a, const InFlight& b) { return a.done < b.done; });
    qk_.set(first->done - stamp);
    in_flight_.erase(first);
}

CpuCore::Result CpuCore::access(tlm::tlm_command cmd, MemOp op, std::uint64_t spa, std::byte* data,
                                std::uint64_t len, bool posted) {
    posted = posted && params_.fill_buffers > 0;
    sc_time stamp = sim_now(); // constant until the next sync()
    const sc_time start = stamp + qk_.get_local_time();
    sc_time complete = start;
    Result r;
    std::uint64_t done = 0;
    // Maintenance operations carry no data; the cache only looks at the address.
    const bool maintenance = (cmd == tlm::TLM_IGNORE_COMMAND);
    while (done < len) {
        const std::uint64_t at = spa + done;
        const std::uint64_t n = std::min(len - done, line_bytes - at % line_bytes);
        unsigned char dummy = 0;
        tlm::tlm_generic_payload& t = txn_.begin(op);
        MemoryErrorExtension* err = txn_.error();
        t.set_command(cmd);
        t.set_address(at);
        t.set_data_ptr(maintenance ? &dummy : reinterpret_cast<unsigned char*>(data + done));
        t.set_data_length(maintenance ? 0 : static_cast<unsigned int>(n));
        t.set_streaming_width(maintenance ? 0 : static_cast<unsigned int>(n));
        t.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
        if (posted) claim_fill_buffer(stamp);
        // timing=at: requests must reach the shared queues in simulated-time order, so the core waits
        // until SystemC time has caught up, unless no other process is due by its time (then it is the
        // earliest, and the wait would change nothing).
        if (params_.sync_each_access && qk_.get_local_time() != sc_core::SC_ZERO_TIME && qk_.others_due()) {
            qk_.sync();
            stamp = sim_now();
        }
        const sc_time issued = qk_.get_local_time();
        sc_time delay = issued;
        socket->b_transport(t, delay);
        complete = std::max(complete, stamp + delay);
        if (posted) {
            // The core goes on once the operation is issued; a fill buffer tracks it until it completes.
            in_flight_.push_back(InFlight{stamp + delay, op == MemOp::load});
            if (waves_) {
                tracer_.level(track_ + ".fill_buffers", to_ns(stamp + issued), +1);
                tracer_.level(track_ + ".fill_buffers", to_ns(stamp + delay), -1);
            }
            qk_.set(issued + params_.issue);
        } else {
            qk_.set(delay);
        }
        if (t.get_response_status() == tlm::TLM_GENERIC_ERROR_RESPONSE && err->poisoned &&
            (op == MemOp::load || op == MemOp::store)) {
            // The data never arrives: the exception is taken when the poisoned data would have.
            if (qk_.get_local_time() < delay) qk_.set(delay);
            raise_machine_check(at / line_bytes * line_bytes);
            r.status = Status::machine_check;
            break;
        }
        if (t.get_response_status() == tlm::TLM_ADDRESS_ERROR_RESPONSE) {
            r.status = Status::bus_error;
            break;
        }
        // Any other error is a posted write the media dropped: nobody waits for it (see header).
        done += n;
        if (qk_.need_sync_at(stamp)) {
            qk_.sync();
            stamp = sim_now();
        }
    }
    r.bytes_done = maintenance ? 0 : static_cast<std::size_t>(done);
    const sc_time now = stamp + qk_.get_local_time();
    r.cost = now - start;
    r.latency = std::max(complete, now) - start;
    return r;
}

void CpuCore::raise_machine_check(std::uint64_t line_addr) {
    mca_.log(mca::dcu_bank, mca::srar_data_load(line_addr));
    mca_.mcg_status = mca::srar_mcg_status;
    stats_.machine_checks += 1;
    if (waves_) {
        tracer_.pulse(track_ + ".machine_check", to_ns(now()));
        tracer_.value(fmt::format("{}.mc{}_status", track_, mca::dcu_bank), to_ns(now()),
                      mca_.banks[mca::dcu_bank].status, 64);
        tracer_.value(track_ + ".mcg_status", to_ns(now()), mca_.mcg_status, 3);
    }
    if (tracing_)
        tracer_.instant(track_, "#MC", to_ns(now()),
                        {{"MCi_STATUS", fmt::format("{:#018x}", mca_.banks[mca::dcu_bank].status)},
                         {"MCi_ADDR", fmt::format("{:#x}", line_addr)}});
}

CpuCore::Result CpuCore::load(std::uint64_t spa, std::span<std::byte> out) {
    auto r = access(tlm::TLM_READ_COMMAND, MemOp::load, spa, out.data(), out.size(), false);
    stats_.load_bytes += r.bytes_done;
    return r;
}

CpuCore::Result CpuCore::load_nowait(std::uint64_t spa, std::span<std::byte> out) {
    auto r = access(tlm::TLM_READ_COMMAND, MemOp::load, spa, out.data(), out.size(), true);
    stats_.load_bytes += r.bytes_done;
    return r;
}

CpuCore::Result CpuCore::store(std::uint64_t spa, std::span<const std::byte> in) {
    // The payload's data pointer is not const; a write transaction only reads through it.
    auto r = access(tlm::TLM_WRITE_COMMAND, MemOp::store, spa, const_cast<std::byte*>(in.data()), in.size(),
                    false);
    stats_.store_bytes += r.bytes_done;
    return r;
}

CpuCore::Result CpuCore::nt_store(std::uint64_t spa, std::span<const std::byte> in) {
    auto r = access(tlm::TLM_WRITE_COMMAND, MemOp::nt_store, spa, const_cast<std::byte*>(in.data()),
                    in.size(), true);
    stats_.store_bytes += r.bytes_done;
    return r;
}

CpuCore::Result CpuCore::clwb(std::uint64_t spa, std::uint64_t len) {
    return access(tlm::TLM_IGNORE_COMMAND, MemOp::writeback, spa, nullptr, len, true);
}

CpuCore::Result CpuCore::clflush(std::uint64_t spa, std::uint64_t len) {
    return access(tlm::TLM_IGNORE_COMMAND, MemOp::flush, spa, nullptr, len, false);
}

CpuCore::Result CpuCore::clflushopt(std::uint64_t spa, std::uint64_t len) {
    return access(tlm::TLM_IGNORE_COMMAND, MemOp::flush, spa, nullptr, len, true);
}

template <typename Which> void CpuCore::drain(Which which) {
    for (const InFlight& f : in_flight_)
        if (which(f) && f.done > absolute(qk_.get_local_time())) qk_.set(f.done - sim_now());
    std::erase_if(in_flight_, which);
}

CpuCore::Result CpuCore::sfence() {
    const sc_time start = qk_.get_current_time();
    // Every posted store and write-back must have completed: the last one to do so sets when sfence
    // retires.
    drain([](const InFlight& f) { return !f.load; });
    qk_.sync();
    const sc_time cost = qk_.get_current_time() - start;
    return Result{Status::ok, cost, cost, 0};
}

CpuCore::Result CpuCore::mfence() {
    const sc_time start = qk_.get_current_time();
    drain([](const InFlight&) { return true; });
    qk_.sync();
    const sc_time cost = qk_.get_current_time() - start;
    return Result{Status::ok, cost, cost, 0};
}

void CpuCore::work(const sc_time& t) {
    qk_.inc(t);
    if (qk_.need_sync_at(sim_now())) qk_.sync();
}

void CpuCore::sync() {
    qk_.sync();
}

} // namespace daxsim::models
