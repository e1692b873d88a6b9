#include "models/memory_controller.h"

#include <algorithm>

#include <fmt/format.h>

#include "models/patrol_scrubber.h"
#include "models/sim_time.h"
#include "models/tlm_extensions.h"

namespace daxsim::models {

using sc_core::sc_time;

MemoryController::MemoryController(sc_core::sc_module_name name, MemoryControllerParams params,
                                   Tracer& tracer)
    : sc_module(name), socket("socket"), dimm("dimm", params.dimm_count), params_(std::move(params)),
      tracer_(tracer), tracing_(tracer.enabled()), waves_(tracer.waves()), rpq_(params_.dimm_count),
      wpq_(params_.dimm_count) {
    for (const auto& set : params_.sets)
        decoders_.emplace_back(set);
    socket.bind(*this);
}

std::optional<DecodedAddress> MemoryController::decode(std::uint64_t spa) const {
    if (const InterleaveDecoder* d = decoder_for(spa)) return d->decode_inside(spa);
    return std::nullopt;
}

std::optional<std::uint64_t> MemoryController::encode(unsigned dimm_index, std::uint64_t dpa) const {
    for (const auto& set : params_.sets)
        if (auto spa = models::encode(set, dimm_index, dpa)) return spa;
    return std::nullopt;
}

void MemoryController::b_transport(tlm::tlm_generic_payload& trans, sc_time& delay) {
    const std::uint64_t spa = trans.get_address();
    const std::uint64_t len = trans.get_data_length();
    if (trans.get_byte_enable_ptr() != nullptr) {
        trans.set_response_status(tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
        return;
    }
    if (!trans.is_read() && !trans.is_write()) {
        trans.set_response_status(tlm::TLM_OK_RESPONSE);
        return;
    }
    // The common case, a CPU cache line: one piece within one chunk.
    if (DecodedAddress at;
        len != 0 && decode_into(spa, trans.is_write(), at) && len <= at.bytes_left_in_chunk) {
        delay += params_.frontend;
        trans.set_response_status(tlm::TLM_OK_RESPONSE);
        if (trans.is_read())
            issue_read(trans, at, 0, len, delay);
        else
            issue_write(trans, at, 0, len, delay);
        return;
    }
    // Decode the whole request first: a request that leaves the address map does nothing at all.
    std::vector<std::pair<DecodedAddress, std::uint64_t>> pieces;
    for (std::uint64_t done = 0; done < len;) {
        const auto at = decode(spa + done);
        if (!at) {
            trans.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
            return;
        }
        const std::uint64_t n = std::min(len - done, at->bytes_left_in_chunk);
        pieces.emplace_back(*at, n);
        done += n;
    }
    if (pieces.empty()) {
        trans.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
        return;
    }
    delay += params_.frontend;
    trans.set_response_status(tlm::TLM_OK_RESPONSE);
    std::uint64_t offset = 0;
    for (const auto& [at, n] : pieces) {
        if (trans.is_read())
            issue_read(trans, at, offset, n, delay);
        else
            issue_write(trans, at, offset, n, delay);
        if (trans.is_response_error()) return;
        offset += n;
    }
}

namespace {

// The DIMM-side payload for [offset, offset + len) of `up`, decoded to `at` (data shared with `up`).
void piece_of(tlm::tlm_generic_payload& down, tlm::tlm_command cmd, tlm::tlm_generic_payload& up,
              const DecodedAddress& at, std::uint64_t offset, std::uint64_t len) {
    down.set_command(cmd);
    down.set_address(at.dpa);
    down.set_data_ptr(up.get_data_ptr() + offset);
    down.set_data_length(static_cast<unsigned int>(len));
    down.set_streaming_width(static_cast<unsigned int>(len));
    down.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
}

} // namespace

sc_time MemoryController::through_queue(CompletionQueue& queue, unsigned depth, Counter& full,
                                        const char* kind, unsigned dimm_index, tlm::tlm_generic_payload& down,
                                        const sc_time& stamp, sc_time& delay) {
    const sc_time arrival = stamp + delay;
    queue.drain_until(arrival); // entries done by then have left the queue
    if (depth != 0 && queue.size() >= depth) {
        const sc_time room = queue.earliest();
        queue.drain_until(room);
        full += 1;
        delay += room - arrival;
    }
    sc_time done = delay;
    dimm[dimm_index]->b_transport(down, done);
    queue.push(stamp + done);
    if (waves_) wave_queue_entry(kind, dimm_index, stamp + delay, stamp + done);
    return done;
}

void MemoryController::wave_queue_entry(const char* kind, unsigned dimm_index, const sc_time& from,
                                        const sc_time& to) {
    const std::string signal = fmt::format("{}.{}{}", name(), kind, dimm_index);
    tracer_.level(signal, to_ns(from), +1);
    tracer_.level(signal, to_ns(to), -1);
}

void MemoryController::issue_read(tlm::tlm_generic_payload& up, const DecodedAddress& at,
                                  std::uint64_t offset, std::uint64_t len, sc_time& delay) {
    // No wait() happens inside a b_transport here: SystemC time is constant for the whole call.
    const sc_time stamp = sim_now();
    tlm::tlm_generic_payload& down = down_.begin(op_of(up));
    MemoryErrorExtension* err = down_.error();
    piece_of(down, tlm::TLM_READ_COMMAND, up, at, offset, len);
    // The read waits for a free RPQ entry, holds it until its data is back, and is then answered.
    // Pieces on different DIMMs are read one after the other: CPU requests are single cache lines and
    // never span two chunks, so only backdoor-sized requests would gain from overlapping them.
    delay =
        through_queue(rpq_[at.dimm], params_.rpq_depth, stats_.rpq_full, "rpq", at.dimm, down, stamp, delay);
    stats_.read_bytes += len;
    if (down.is_response_ok()) return;
    up.set_response_status(down.get_response_status());
    if (err->poisoned) {
        auto& out = memory_error(up);
        out = *err;
        out.spa = encode(at.dimm, err->dpa).value_or(0);
        stats_.poison_responses += 1;
        if (tracing_)
            tracer_.instant(name(), "poison response", to_ns(stamp + delay),
                            {{"spa", fmt::format("{:#x}", out.spa)}});
        if (waves_) tracer_.pulse(fmt::format("{}.poison_response", name()), to_ns(stamp + delay));
    }
}

void MemoryController::issue_write(tlm::tlm_generic_payload& up, const DecodedAddress& at,
                                   std::uint64_t offset, std::uint64_t len, sc_time& delay) {
    // No wait() happens inside a b_transport here: SystemC time is constant for the whole call.
    const sc_time stamp = sim_now();
    tlm::tlm_generic_payload& down = down_.begin(op_of(up));
    MemoryErrorExtension* err = down_.error();
    piece_of(down, tlm::TLM_WRITE_COMMAND, up, at, offset, len);
    // Posted: the write is persistent once accepted (ADR), so the media write time stays with the DIMM,
    // unless the WPQ is full: then the writer waits until the earliest-completing entry frees room.
    const sc_time media_time =
        through_queue(wpq_[at.dimm], params_.wpq_depth, stats_.wpq_full, "wpq", at.dimm, down, stamp, delay);
    stats_.write_bytes += len;
    // A write the DIMM could not merge into a poisoned line is lost, not reported to the writer: a
    // posted write has nobody waiting for it (a later issue may raise it as a UCNA/CMCI).
    if (!down.is_response_ok()) {
        stats_.failed_writes += 1;
        if (err->poisoned) {
            const std::uint64_t line_spa = encode(at.dimm, err->dpa).value_or(0);
            cmci_.push_back(
                CmciRecord{mca::imc_bank(at.dimm), line_spa, to_ns(stamp + media_time),
                           mca::ucna_memory_write(line_spa, mca::imc_channel(at.dimm), params_.poison_lsb)});
        }
        if (waves_) tracer_.pulse(fmt::format("{}.failed_write", name()), to_ns(stamp + media_time));
    }
}

unsigned int MemoryController::transport_dbg(tlm::tlm_generic_payload& trans) {
    const std::uint64_t spa = trans.get_address();
    const std::uint64_t len = trans.get_data_length();
    std::uint64_t done = 0;
    while (done < len) {
        const auto at = decode(spa + done);
        if (!at) break;
        const std::uint64_t n = std::min(len - done, at->bytes_left_in_chunk);
        tlm::tlm_generic_payload down;
        down.set_command(trans.get_command());
        down.set_address(at->dpa);
        down.set_data_ptr(trans.get_data_ptr() + done);
        down.set_data_length(static_cast<unsigned int>(n));
        const unsigned int got = dimm[at->dimm]->transport_dbg(down);
        done += got;
        if (got < n) break;
    }
    return static_cast<unsigned int>(done);
}

} // namespace daxsim::models
