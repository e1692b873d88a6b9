#include "models/pmem_dimm.h"

#include <algorithm>

#include <fmt/format.h>

#include "models/sim_time.h"
#include "models/tlm_extensions.h"

namespace daxsim::models {

using sc_core::sc_time;

PmemDimm::PmemDimm(sc_core::sc_module_name name, const PmemDimmParams& params, Tracer& tracer)
    : sc_module(name), socket("socket"), params_(params), tracer_(tracer),
      track_(fmt::format("nmem{}", params.index)),
      media_(params.capacity_bytes, params.line_bytes, params.label_bytes) {
    socket.register_b_transport(this, &PmemDimm::b_transport);
    socket.register_transport_dbg(this, &PmemDimm::transport_dbg);
}

void PmemDimm::b_transport(tlm::tlm_generic_payload& trans, sc_time& delay) {
    const std::uint64_t len = trans.get_data_length();
    if (trans.get_byte_enable_ptr() != nullptr) {
        trans.set_response_status(tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
        return;
    }
    if (len == 0 || !media_.contains(trans.get_address(), len)) {
        trans.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
        return;
    }
    if (trans.is_read())
        read(trans, delay);
    else if (trans.is_write())
        write(trans, delay);
    else
        trans.set_response_status(tlm::TLM_OK_RESPONSE); // ignore command: nothing to do on media
}

void PmemDimm::read(tlm::tlm_generic_payload& trans, sc_time& delay) {
    const std::uint64_t dpa = trans.get_address();
    const std::uint64_t len = trans.get_data_length();
    const std::uint64_t lines = media_.lines_touched(dpa, len);
    sc_time cost = params_.read_latency + params_.read_line_interval * static_cast<double>(lines - 1);
    if (read_buffer_lookup(dpa, len)) {
        // Served from the buffer: the media is not involved, so a busy media does not delay it.
        cost = params_.read_buffer_hit;
        stats_.read_buffer_hits += 1;
    } else {
        stats_.media_read_bytes += lines * params_.line_bytes;
        const sc_time wait = occupy_media(delay, line_time(params_.read_bandwidth, lines));
        delay += wait;
    }
    trace_access("read", delay, cost, dpa, len);
    if (const auto bad = media_.first_poisoned(dpa, len)) {
        auto& err = memory_error(trans);
        err.poisoned = true;
        err.dimm = params_.index;
        err.dpa = *bad;
        stats_.poison_reads += 1;
        if (tracer_.enabled())
            tracer_.instant(track_, "poison read", to_ns(sc_core::sc_time_stamp() + delay + cost),
                            {{"dpa", fmt::format("{:#x}", *bad)}});
        delay += cost;
        trans.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
        return;
    }
    media_.read(dpa, {reinterpret_cast<std::byte*>(trans.get_data_ptr()), static_cast<std::size_t>(len)});
    delay += cost;
    trans.set_response_status(tlm::TLM_OK_RESPONSE);
}

bool PmemDimm::read_buffer_lookup(std::uint64_t dpa, std::uint64_t len) {
    if (params_.read_buffer_lines == 0) return false;
    const std::uint64_t first = media_.line_of(dpa);
    const std::uint64_t last = media_.line_of(dpa + len - 1);
    bool hit = true;
    for (std::uint64_t line = first; line <= last; ++line) {
        const auto it = std::find(read_buffer_.begin(), read_buffer_.end(), line);
        if (it == read_buffer_.end()) {
            hit = false;
        } else {
            read_buffer_.erase(it);
        }
        read_buffer_.push_back(line);
        if (read_buffer_.size() > params_.read_buffer_lines) read_buffer_.pop_front();
    }
    return hit;
}

void PmemDimm::write(tlm::tlm_generic_payload& trans, sc_time& delay) {
    const std::uint64_t dpa = trans.get_address();
    const std::uint64_t len = trans.get_data_length();
    const auto r = media_.write(
        dpa, {reinterpret_cast<const std::byte*>(trans.get_data_ptr()), static_cast<std::size_t>(len)});
    stats_.requested_write_bytes += len;
    stats_.media_write_bytes += r.lines_written * params_.line_bytes;
    // An RMW reads its line first, also when the read finds poison and the write is dropped.
    stats_.media_read_bytes += (r.rmw_lines + r.failed_lines) * params_.line_bytes;
    stats_.failed_writes += r.failed_lines;
    // The RMW reads of one request go to the media together: one read latency, then the line writes.
    const sc_time cost =
        params_.read_latency * static_cast<double>(r.rmw_lines + r.failed_lines > 0 ? 1 : 0) +
        params_.write_latency * static_cast<double>(r.lines_written);
    delay += occupy_media(delay, line_time(params_.read_bandwidth, r.rmw_lines + r.failed_lines) +
                                     line_time(params_.write_bandwidth, r.lines_written));
    trace_access(r.rmw_lines ? "rmw write" : "write", delay, cost, dpa, len);
    delay += cost;
    if (r.first_failed) {
        auto& err = memory_error(trans);
        err.poisoned = true;
        err.dimm = params_.index;
        err.dpa = *r.first_failed;
        trans.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
        return;
    }
    trans.set_response_status(tlm::TLM_OK_RESPONSE);
}

sc_time PmemDimm::line_time(double bandwidth, std::uint64_t lines) const {
    if (bandwidth <= 0 || lines == 0) return sc_core::SC_ZERO_TIME;
    return sc_time(static_cast<double>(lines * params_.line_bytes) / bandwidth, sc_core::SC_SEC);
}

sc_time PmemDimm::occupy_media(const sc_time& delay, const sc_time& occupancy) {
    const sc_time arrival = sc_core::sc_time_stamp() + delay;
    const sc_time start = std::max(arrival, media_free_at_);
    media_free_at_ = start + occupancy;
    return start - arrival;
}

unsigned int PmemDimm::transport_dbg(tlm::tlm_generic_payload& trans) {
    const std::uint64_t len = trans.get_data_length();
    if (!media_.contains(trans.get_address(), len)) return 0;
    std::span<std::byte> data{reinterpret_cast<std::byte*>(trans.get_data_ptr()),
                              static_cast<std::size_t>(len)};
    if (trans.is_read())
        media_.read(trans.get_address(), data);
    else if (trans.is_write())
        media_.write_raw(trans.get_address(), data);
    trans.set_response_status(tlm::TLM_OK_RESPONSE);
    return static_cast<unsigned int>(len);
}

void PmemDimm::trace_access(const char* what, const sc_time& start, const sc_time& dur, std::uint64_t dpa,
                            std::uint64_t len) {
    if (!tracer_.enabled()) return;
    tracer_.complete(track_, what, to_ns(sc_core::sc_time_stamp() + start), to_ns(dur),
                     {{"dpa", fmt::format("{:#x}", dpa)}, {"len", std::to_string(len)}});
}

} // namespace daxsim::models
