// Integrated memory controller (iMC) in front of the PMEM DIMMs.
//
// Datasheet view:
//  - host side: one TLM-2.0 target socket addressed by system physical address (SPA), bound by the cache
//    and by any uncached requester
//  - media side: one initiator socket per DIMM, addressed by DPA (`dimm[i]` binds DIMM i)
//  - address decode: interleave sets (models/interleave.h); a request is split at chunk boundaries and
//    each piece goes to the DIMM that owns it; an SPA outside every set is TLM_ADDRESS_ERROR_RESPONSE
//  - timing: `frontend` per request (decode, queue insertion, DDR-T command and data transfer); a read
//    then waits for the DIMM (including the DIMM's media queueing); a write completes once accepted
//  - write pending queue (WPQ), one per DIMM, `wpq_depth` entries: a write holds its entry from
//    acceptance until the DIMM has taken it (its XPBuffer, or the media when unbuffered: the DIMM's
//    returned delay). A write finding the WPQ full waits until the earliest-completing entry leaves
//    (back-pressure), so sustained posted writes are bounded by the DIMM; an idle WPQ costs nothing
//  - read pending queue (RPQ), one per DIMM, `rpq_depth` entries: a read holds its entry from
//    acceptance until its data returns; a read finding the RPQ full waits for the earliest to leave
//  - persistence (ADR): a write accepted by the controller is persistent. Writes are handed to the DIMM
//    inside b_transport, so the media holds them when the call returns; the media write time is the
//    DIMM's, not the writer's (posted write)
//  - errors: a poisoned read returns TLM_GENERIC_ERROR_RESPONSE with MemoryErrorExtension completed
//    with the SPA of the poisoned line
// Simplified: no scheduling between reads and writes beyond the DIMM's FIFO media (no read priority,
// no write drain watermarks).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>

#include "models/blocking_target.h"
#include "models/completion_queue.h"
#include "models/interleave.h"
#include "models/mca.h"
#include "models/stats.h"
#include "models/tlm_extensions.h"
#include "models/tracer.h"

namespace daxsim::models {

struct MemoryControllerParams {
    std::vector<InterleaveSet> sets;               // address map; DIMM indices name dimm sockets
    unsigned dimm_count = 0;                       // initiator sockets to create
    sc_core::sc_time frontend{70, sc_core::SC_NS}; // per request (see platform_config.h)
    unsigned wpq_depth = 64;                       // WPQ entries per DIMM (0: unbounded)
    unsigned rpq_depth = 64;                       // RPQ entries per DIMM (0: unbounded)
    unsigned poison_lsb = 8;                       // log2 of the DIMMs' media line: the UCNA's address LSB
};

// A UCNA the controller logged in its iMC bank, to be signalled to the OS by CMCI.
struct CmciRecord {
    unsigned bank = 0;
    std::uint64_t spa = 0;
    std::uint64_t at_ns = 0;
    mca::McBank record;
};

struct MemoryControllerStats {
    Counter read_bytes{"mc.read_bytes", "B", "bytes read through the memory controller"};
    Counter write_bytes{"mc.write_bytes", "B", "bytes written through the memory controller"};
    Counter poison_responses{"mc.poison_responses", "events", "reads answered with a poison response"};
    Counter failed_writes{"mc.failed_writes", "events",
                          "posted writes the DIMM could not complete (poisoned RMW)"};
    Counter wpq_full{"mc.wpq_full", "events", "writes that waited for room in a full WPQ"};
    Counter rpq_full{"mc.rpq_full", "events", "reads that waited for room in a full RPQ"};

    void collect(MetricMap& out) const {
        for (const Counter* c :
             {&read_bytes, &write_bytes, &poison_responses, &failed_writes, &wpq_full, &rpq_full})
            add_metric(out, *c);
    }
};

class MemoryController final : public sc_core::sc_module, public BlockingTarget {
  public:
    // SPA; the shared cache binds to it, and so may uncached requesters.
    tlm::tlm_target_socket<32, tlm::tlm_base_protocol_types, 0, sc_core::SC_ONE_OR_MORE_BOUND> socket;
    sc_core::sc_vector<tlm_utils::simple_initiator_socket<MemoryController>> dimm; // DPA, one per DIMM

    MemoryController(sc_core::sc_module_name name, MemoryControllerParams params, Tracer& tracer);

    // Backdoor address translation (firmware's Translate SPA, the kernel's badblocks).
    [[nodiscard]] std::optional<DecodedAddress> decode(std::uint64_t spa) const;
    [[nodiscard]] std::optional<std::uint64_t> encode(unsigned dimm_index, std::uint64_t dpa) const;
    [[nodiscard]] const std::vector<InterleaveSet>& sets() const { return params_.sets; }
    [[nodiscard]] const MemoryControllerStats& stats() const { return stats_; }
    // UCNAs logged since the last call (posted writes dropped by a failed read-modify-write), in order.
    std::vector<CmciRecord> take_cmci() { return std::exchange(cmci_, {}); }

  private:
    void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) override;
    unsigned int transport_dbg(tlm::tlm_generic_payload& trans) override;
    // One piece within one interleave chunk, to one DIMM. These and through_queue are inlined into
    // b_transport (gnu::always_inline): three nested calls with up to eight arguments each cost more
    // instructions per request than the decode.
    [[gnu::always_inline]] inline void issue_read(tlm::tlm_generic_payload& up, const DecodedAddress& at,
                                                  std::uint64_t offset, std::uint64_t len,
                                                  sc_core::sc_time& delay);
    [[gnu::always_inline]] inline void issue_write(tlm::tlm_generic_payload& up, const DecodedAddress& at,
                                                   std::uint64_t offset, std::uint64_t len,
                                                   sc_core::sc_time& delay);

    // The decoder of the set holding `spa`, or null. Inline: every request asks it, and returning a
    // DecodedAddress through std::optional from an out-of-line call cost more than the decode itself.
    [[nodiscard]] const InterleaveDecoder* decoder_for(std::uint64_t spa) const {
        for (const auto& d : decoders_)
            if (d.contains(spa)) return &d;
        return nullptr;
    }

    // Decodes `spa` into `out`; false outside every set. Consecutive reads mostly fall in the chunk of
    // the read before (a 4 KiB chunk holds 64 cache lines), and writes in that of the write before (the
    // cache's write-backs stream too, behind the reads): the last chunk of each is remembered and decodes
    // with a subtraction instead of the set's multiplications. A host-side memo: the address map is fixed.
    [[nodiscard]] bool decode_into(std::uint64_t spa, bool write, DecodedAddress& out) {
        Chunk& last = last_chunk_[write ? 1 : 0];
        if (const std::uint64_t off = spa - last.spa; off < last.at.bytes_left_in_chunk) {
            out = DecodedAddress{last.at.dimm, last.at.dpa + off, last.at.bytes_left_in_chunk - off};
            return true;
        }
        const InterleaveDecoder* d = decoder_for(spa);
        if (d == nullptr) return false;
        out = d->decode_inside(spa);
        const std::uint64_t within = d->granularity() - out.bytes_left_in_chunk;
        last = Chunk{spa - within, DecodedAddress{out.dimm, out.dpa - within, d->granularity()}};
        return true;
    }

    MemoryControllerParams params_;
    std::vector<InterleaveDecoder> decoders_; // one per set in params_.sets, same order
    // The chunks decode_into decoded last for a read and for a write: first SPA and its decode (none yet:
    // 0 bytes left).
    struct Chunk {
        std::uint64_t spa = 0;
        DecodedAddress at;
    };
    std::array<Chunk, 2> last_chunk_{};
    Tracer& tracer_;
    // What the tracer records, asked once: it is fixed for the run and checked on every access.
    const bool tracing_;
    const bool waves_;
    ReusablePayload down_; // reused for every DIMM request (models/tlm_extensions.h)
    // Hands `down` to DIMM `dimm_index` through one of its pending queues of `depth` entries (0: unbounded;
    // `kind` "rpq" or "wpq" names the waveform), which holds requests until their completion times
    // (models/completion_queue.h): waits in `delay` for a free entry (counting the wait in `full`), holds
    // the entry until the DIMM's returned time, and returns that time (relative to `stamp`, like `delay`).
    [[gnu::always_inline]] inline sc_core::sc_time
    through_queue(CompletionQueue& queue, unsigned depth, Counter& full, const char* kind,
                  unsigned dimm_index, tlm::tlm_generic_payload& down, const sc_core::sc_time& stamp,
                  sc_core::sc_time& delay);
    // The queue's occupancy waveform: one more entry held over [from, to). Out of line: the access path
    // only tests waves_.
    [[gnu::noinline, gnu::cold]] void wave_queue_entry(const char* kind, unsigned dimm_index,
                                                       const sc_core::sc_time& from,
                                                       const sc_core::sc_time& to);
    // Per DIMM: absolute completion times of the reads holding an RPQ entry (data returned) and of the
    // writes holding a WPQ entry (accepted by the DIMM).
    std::vector<CompletionQueue> rpq_;
    std::vector<CompletionQueue> wpq_;
    std::vector<CmciRecord> cmci_;
    MemoryControllerStats stats_;
};

} // namespace daxsim::models
