#include "models/pmem_dimm.h"

#include <algorithm>
#include <optional>
#include <span>
#include <vector>

#include <fmt/format.h>

#include "models/sim_time.h"
#include "models/tlm_extensions.h"

namespace daxsim::models {

using sc_core::sc_time;

PmemDimm::PmemDimm(sc_core::sc_module_name name, const PmemDimmParams& params, Tracer& tracer)
    : sc_module(name), socket("socket"), params_(params), tracer_(tracer), tracing_(tracer.enabled()),
      waves_(tracer.waves()), buffer_(params.buffer_lines, params.line_bytes),
      track_(fmt::format("nmem{}", params.index)),
      media_(params.capacity_bytes, params.line_bytes, params.label_bytes) {
    auto per_line = [&](double bandwidth) {
        return bandwidth <= 0 ? sc_core::SC_ZERO_TIME
                              : sc_time(static_cast<double>(params_.line_bytes) / bandwidth, sc_core::SC_SEC);
    };
    read_line_time_ = per_line(params_.read_bandwidth);
    write_line_time_ = per_line(params_.write_bandwidth);
    partition_free_at_.assign(std::max(1u, params_.media_partitions), sc_core::SC_ZERO_TIME);
    const auto partitions = static_cast<double>(partition_free_at_.size());
    read_line_hold_ = read_line_time_ * partitions;
    write_line_hold_ = write_line_time_ * partitions;
    socket.bind(*this);
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
    const std::uint64_t lb = params_.line_bytes;
    sc_time cost = params_.buffer_hit;
    std::optional<std::uint64_t> bad; // first poisoned XPLine of the request
    if (media_.line_of(dpa) == media_.line_of(dpa + len - 1)) {
        // The usual request, a cache line within one XPLine: one poison query, one buffer lookup.
        const std::uint64_t line = media_.line_of(dpa);
        if (media_.is_poisoned(dpa)) bad = line * lb;
        if (bad) buffer_.drop(line); // never served from the buffer: its read goes to the media and fails
        if (!bad && buffer_.read_hit(line, media_.offset_in_line(dpa), len)) {
            stats_.read_buffer_hits += 1;
            if (waves_) waves_pulse(".buffer_hit", delay);
        } else {
            cost = params_.read_latency;
            stats_.media_read_bytes += lb;
            delay += occupy_media(delay, read_line_time_, line, 1);
            if (!bad)
                if (const auto evicted = buffer_.fill(line)) (void)write_back(*evicted, delay + cost);
        }
    } else {
        read_lines(dpa, len, cost, delay);
        bad = media_.first_poisoned(dpa, len);
    }
    if (tracing_) trace_access("read", delay, cost, dpa, len);
    if (bad) {
        auto& err = memory_error(trans);
        err.poisoned = true;
        err.dimm = params_.index;
        err.dpa = *bad;
        stats_.poison_reads += 1;
        if (waves_) waves_pulse(".poison_read", delay + cost);
        if (tracing_)
            tracer_.instant(track_, "poison read", to_ns(sim_now() + delay + cost),
                            {{"dpa", fmt::format("{:#x}", *bad)}});
        delay += cost;
        trans.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
        return;
    }
    media_.read(dpa, {reinterpret_cast<std::byte*>(trans.get_data_ptr()), static_cast<std::size_t>(len)});
    delay += cost;
    trans.set_response_status(tlm::TLM_OK_RESPONSE);
}

void PmemDimm::read_lines(std::uint64_t dpa, std::uint64_t len, sc_time& cost, sc_time& delay) {
    const std::uint64_t lb = params_.line_bytes;
    // The XPLines the buffer cannot serve are read from the media as one burst.
    std::vector<std::uint64_t> missed;
    for (std::uint64_t at = dpa; at < dpa + len;) {
        const std::uint64_t line = media_.line_of(at);
        const std::uint64_t n = std::min(dpa + len - at, (line + 1) * lb - at);
        // A poisoned XPLine is never served from the buffer: its read goes to the media and fails there.
        if (media_.is_poisoned(at)) {
            buffer_.drop(line);
            missed.push_back(line);
        } else if (!buffer_.read_hit(line, media_.offset_in_line(at), n)) {
            missed.push_back(line);
        }
        at += n;
    }
    if (missed.empty()) {
        // Served from the buffer: the media is not involved, so a busy media does not delay it.
        stats_.read_buffer_hits += 1;
        if (waves_) waves_pulse(".buffer_hit", delay);
        return;
    }
    const auto lines = static_cast<std::uint64_t>(missed.size());
    cost = params_.read_latency + params_.read_line_interval * static_cast<double>(lines - 1);
    stats_.media_read_bytes += lines * lb;
    delay += occupy_media(delay, line_time(read_line_time_, lines), missed.front(), lines);
    for (const std::uint64_t line : missed)
        if (!media_.is_poisoned(line * lb))
            if (const auto evicted = buffer_.fill(line)) (void)write_back(*evicted, delay + cost);
}

void PmemDimm::waves_pulse(const char* what, const sc_time& delay) {
    tracer_.pulse(track_ + what, to_ns(sim_now() + delay));
}

void PmemDimm::write(tlm::tlm_generic_payload& trans, sc_time& delay) {
    const std::uint64_t dpa = trans.get_address();
    const std::uint64_t len = trans.get_data_length();
    const auto* data = reinterpret_cast<const std::byte*>(trans.get_data_ptr());
    stats_.requested_write_bytes += len;
    std::optional<std::uint64_t> failed;
    if (!buffer_.enabled()) {
        write_through(dpa, {data, static_cast<std::size_t>(len)}, delay, failed);
    } else {
        const std::uint64_t lb = params_.line_bytes;
        for (std::uint64_t at = dpa; at < dpa + len;) {
            const std::uint64_t line = media_.line_of(at);
            const std::uint64_t n = std::min(dpa + len - at, (line + 1) * lb - at);
            const std::span<const std::byte> piece{data + (at - dpa), static_cast<std::size_t>(n)};
            if (media_.first_poisoned(at, n)) {
                // The buffer cannot merge into a line whose data it cannot read: straight to the media,
                // where a partial write fails and a full-line write clears the poison.
                buffer_.drop(line);
                write_through(at, piece, delay, failed);
            } else {
                // The bytes are persistent once in the buffer (power-fail protected): store them now;
                // the media write is charged when the line is evicted.
                media_.write_raw(at, piece);
                const XpBuffer::WriteResult w = buffer_.write(line, media_.offset_in_line(at), n);
                if (w.hit) {
                    stats_.write_buffer_hits += 1;
                    if (waves_) waves_pulse(".buffer_hit", delay);
                }
                if (w.evicted) delay += write_back(*w.evicted, delay);
                delay += params_.buffer_hit;
            }
            at += n;
        }
    }
    if (failed) {
        auto& err = memory_error(trans);
        err.poisoned = true;
        err.dimm = params_.index;
        err.dpa = *failed;
        trans.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
        return;
    }
    trans.set_response_status(tlm::TLM_OK_RESPONSE);
}

void PmemDimm::write_through(std::uint64_t dpa, std::span<const std::byte> in, sc_time& delay,
                             std::optional<std::uint64_t>& failed) {
    const auto r = media_.write(dpa, in);
    stats_.media_write_bytes += r.lines_written * params_.line_bytes;
    // An RMW reads its line first, also when the read finds poison and the write is dropped.
    stats_.media_read_bytes += (r.rmw_lines + r.failed_lines) * params_.line_bytes;
    stats_.failed_writes += r.failed_lines;
    // The RMW reads of one request go to the media together: one read latency, then the line writes.
    const sc_time cost =
        params_.read_latency * static_cast<double>(r.rmw_lines + r.failed_lines > 0 ? 1 : 0) +
        params_.write_latency * static_cast<double>(r.lines_written);
    delay += occupy_media(delay,
                          line_time(read_line_time_, r.rmw_lines + r.failed_lines) +
                              line_time(write_line_time_, r.lines_written),
                          media_.line_of(dpa), media_.lines_touched(dpa, in.size()));
    if (tracing_) trace_access(r.rmw_lines ? "rmw write" : "write", delay, cost, dpa, in.size());
    delay += cost;
    if (r.first_failed && !failed) failed = r.first_failed;
}

sc_time PmemDimm::write_back(const XpBuffer::Eviction& e, const sc_time& delay) {
    const std::uint64_t lb = params_.line_bytes;
    const sc_time& occupancy = write_line_time_;
    if (e.needs_read) stats_.media_read_bytes += lb; // overlapped with line writes (header)
    stats_.media_write_bytes += lb;
    const sc_time wait = occupy_media(delay, occupancy, e.line, 1);
    if (tracing_)
        trace_access(e.needs_read ? "buffer rmw write-back" : "buffer write-back", delay + wait, occupancy,
                     e.line * lb, lb);
    return wait;
}

std::uint64_t PmemDimm::drain_buffer() {
    const auto lines = buffer_.drain();
    for (const auto& e : lines) {
        stats_.media_write_bytes += params_.line_bytes;
        if (e.needs_read) stats_.media_read_bytes += params_.line_bytes;
    }
    return lines.size();
}

sc_time PmemDimm::line_time(const sc_time& per_line, std::uint64_t lines) {
    return lines == 0 ? sc_core::SC_ZERO_TIME : per_line * static_cast<double>(lines);
}

sc_time PmemDimm::occupy_media(const sc_time& delay, const sc_time& occupancy, std::uint64_t first_line,
                               std::uint64_t lines) {
    const sc_time arrival = sim_now() + delay;
    const auto n = static_cast<std::uint64_t>(partition_free_at_.size());
    // Holds a partition from `start` for `hold`; the waveform shows it busy.
    auto hold_partition = [&](sc_time& free_at, const sc_time& start, const sc_time& hold) {
        free_at = start + hold;
        if (waves_ && hold != sc_core::SC_ZERO_TIME) {
            tracer_.level(track_ + ".media_busy", to_ns(start), +1);
            tracer_.level(track_ + ".media_busy", to_ns(free_at), -1);
        }
    };
    if (n == 1 || lines <= 1) {
        // One media, or the usual access of one XPLine: its partition, held n times the line's share (a
        // single media takes a burst whole, as one occupancy). One line's hold is precomputed.
        sc_time& free_at = partition_free_at_[n == 1 ? 0 : first_line % n];
        const sc_time start = std::max(arrival, free_at);
        hold_partition(free_at, start,
                       occupancy == read_line_time_    ? read_line_hold_
                       : occupancy == write_line_time_ ? write_line_hold_
                                                       : occupancy * static_cast<double>(n));
        return start - arrival;
    }
    // A burst: line i would start i line-times after the first on an idle media; the burst waits as
    // long as the most delayed of its lines needs beyond that.
    const sc_time per_line = occupancy / static_cast<double>(lines);
    const sc_time held = per_line * static_cast<double>(n);
    sc_time wait = sc_core::SC_ZERO_TIME;
    for (std::uint64_t i = 0; i < lines; ++i) {
        sc_time& free_at = partition_free_at_[(first_line + i) % n];
        const sc_time start = std::max(arrival, free_at);
        hold_partition(free_at, start, held);
        const sc_time offset = per_line * static_cast<double>(i);
        if (start > arrival + offset) wait = std::max(wait, start - arrival - offset);
    }
    return wait;
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
    tracer_.complete(track_, what, to_ns(sim_now() + start), to_ns(dur),
                     {{"dpa", fmt::format("{:#x}", dpa)}, {"len", std::to_string(len)}});
}

} // namespace daxsim::models
