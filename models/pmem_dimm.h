// Persistent-memory DIMM (Intel Optane DC PMM class), App Direct mode.
//
// Datasheet view:
//  - host interface: one TLM-2.0 target socket addressed by DIMM physical address (DPA)
//  - media: 3D XPoint accessed in 256 B XPLines; one poison bit per XPLine (PmemMedia)
//  - reads: a request costs the media read latency for its first XPLine and `read_line_interval` for
//    every further XPLine of the same burst (the DIMM streams them); a poisoned XPLine fails the read
//    (TLM_GENERIC_ERROR_RESPONSE + MemoryErrorExtension), never returning its data
//  - writes: each XPLine touched is written whole; a partial XPLine is read-modify-written (write
//    amplification = media_write_bytes / requested_write_bytes); a partial write into a poisoned XPLine
//    fails its read (error response, poison stays); a full-XPLine write replaces it and clears the poison
//  - label storage area: separate from the media, reached through the firmware (_LSR/_LSW)
//  - XPBuffer (models/xp_buffer.h, params.buffer_lines XPLines, 16 KiB by default): reads are served from
//    buffered lines without a media access; partial writes are combined in the buffer and reach the media
//    as whole XPLines when evicted (read-modify-write when the line was neither read nor fully written).
//    Writes to a poisoned XPLine bypass the buffer and keep the semantics above
//  - media occupancy: the media is `media_partitions` parts working in parallel, XPLine n in partition
//    n mod media_partitions, each with a busy-until time. A media access (reads and RMW reads at
//    `read_bandwidth`, line writes at `write_bandwidth`, whole XPLines) starts when the request arrives
//    (sc_time_stamp() + delay) or when its XPLine's partition is free, whichever is later, and holds that
//    partition for media_partitions * line_bytes / bandwidth per XPLine: the bandwidths are the whole
//    DIMM's, reached when every partition is busy (sequential lines take turns; randomly placed ones
//    sometimes queue on one partition while another idles). One partition is a single media that
//    pipelines without limit. A read returns after its queueing wait plus its latency; a
//    write's delay comes back as the time it is accepted: into the buffer (after waiting for the media
//    to take the line it evicts, which is the back-pressure of a saturated DIMM), or, unbuffered, when
//    its media write completes (the controller's WPQ holds its entry until then).
//    An idle DIMM never waits, so idle latencies are the latency parameters alone.
//    Exception: the RMW read of a partial line the buffer evicts is counted (dimm.media_read_bytes) but
//    does not hold the media. Measured random 64 B non-temporal store bandwidth is a quarter of the
//    256 B figure (Yang et al. FAST'20 Fig. 5: 0.555 vs 2.21 GB/s on one DIMM), i.e. the media's write
//    rate alone bounds it, so the hardware overlaps that read with line writes; holding the media for it
//    too gave 0.43 GB/s (-22%)
// Simplified: a read does not overtake writes queued on its partition (FIFO); lines still dirty in the buffer
// when the run ends are not counted in dimm.media_write_bytes (they would be written on eviction).
#pragma once

#include <cstdint>
#include <string>

#include <systemc>
#include <tlm>

#include "models/blocking_target.h"
#include "models/pmem_media.h"
#include "models/stats.h"
#include "models/tracer.h"
#include "models/xp_buffer.h"

namespace daxsim::models {

struct PmemDimmParams {
    unsigned index = 0;                                      // nmem<index>: trace track and NFIT name
    std::uint64_t capacity_bytes = 128ull << 30;             // media capacity
    std::uint64_t line_bytes = 256;                          // XPLine: media access and poison granularity
    sc_core::sc_time read_latency{225, sc_core::SC_NS};      // first XPLine of a read (see platform_config.h)
    sc_core::sc_time read_line_interval{39, sc_core::SC_NS}; // each further XPLine: 256 B at ~6.6 GB/s
    sc_core::sc_time write_latency{500, sc_core::SC_NS};     // per XPLine written to media
    std::uint64_t label_bytes = 128 << 10;                   // label storage area
    // XPBuffer: XPLines buffered in the DIMM (0: none); a read or write served by the buffer costs
    // `buffer_hit` instead of a media access.
    std::uint64_t buffer_lines = 64;
    sc_core::sc_time buffer_hit{44, sc_core::SC_NS};
    // Media bandwidth in bytes/s (0: no limit): how long one XPLine access holds the media.
    double read_bandwidth = 6.6e9; // see platform_config.h
    double write_bandwidth = 2.3e9;
    // Media partitions working in parallel (see media occupancy above; platform_config.h derives 6).
    unsigned media_partitions = 6;
};

struct PmemDimmStats {
    Counter media_read_bytes{"dimm.media_read_bytes", "B",
                             "bytes read from media, whole XPLines (RMW reads included)"};
    Counter media_write_bytes{"dimm.media_write_bytes", "B", "bytes written to media, whole XPLines"};
    Counter requested_write_bytes{"dimm.requested_write_bytes", "B", "bytes the host asked to write"};
    Counter read_buffer_hits{"dimm.buffer_read_hits", "events", "reads served from the XPBuffer"};
    Counter write_buffer_hits{"dimm.buffer_write_hits", "events",
                              "writes combined into a line already in the XPBuffer"};
    Counter poison_reads{"dimm.poison_reads", "events", "reads that hit a poisoned XPLine"};
    Counter failed_writes{"dimm.failed_rmw_lines", "lines",
                          "partial writes dropped: RMW read of a poisoned XPLine"};

    void collect(MetricMap& out) const {
        for (const Counter* c : {&media_read_bytes, &media_write_bytes, &requested_write_bytes,
                                 &read_buffer_hits, &write_buffer_hits, &poison_reads, &failed_writes})
            add_metric(out, *c);
    }
};

class PmemDimm final : public sc_core::sc_module, public BlockingTarget {
  public:
    tlm::tlm_target_socket<> socket; // DPA

    PmemDimm(sc_core::sc_module_name name, const PmemDimmParams& params, Tracer& tracer);

    // --- firmware backdoor (untimed) ------------------------------------------------------------
    std::uint64_t inject_poison(std::uint64_t dpa, std::uint64_t len) {
        return media_.inject_poison(dpa, len);
    }
    // Clears poison over whole XPLines inside the range and zeroes them, as the firmware clear does.
    std::uint64_t clear_poison(std::uint64_t dpa, std::uint64_t len) { return media_.clear_poison(dpa, len); }
    [[nodiscard]] bool is_poisoned(std::uint64_t dpa) const { return media_.is_poisoned(dpa); }
    [[nodiscard]] std::vector<std::uint64_t> poisoned_lines(std::uint64_t dpa, std::uint64_t len) const {
        return media_.poisoned_lines(dpa, len);
    }
    [[nodiscard]] bool label_read(std::uint64_t offset, std::span<std::byte> out) const {
        return media_.label_read(offset, out);
    }
    [[nodiscard]] bool label_write(std::uint64_t offset, std::span<const std::byte> in) {
        return media_.label_write(offset, in);
    }
    // Power loss: the DIMM's power-fail energy writes every dirty buffered line to the media (counted).
    // Untimed. Returns the lines written.
    std::uint64_t drain_buffer();
    [[nodiscard]] PmemMedia& media() { return media_; }
    [[nodiscard]] const PmemMedia& media() const { return media_; }

    [[nodiscard]] const PmemDimmParams& params() const { return params_; }
    [[nodiscard]] const PmemDimmStats& stats() const { return stats_; }

  private:
    void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) override;
    unsigned int transport_dbg(tlm::tlm_generic_payload& trans) override;
    // Inlined into b_transport, their one caller (gnu::always_inline): a call per request otherwise.
    [[gnu::always_inline]] inline void read(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
    [[gnu::always_inline]] inline void write(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
    // A read spanning several XPLines (backdoor-sized requests): sets `cost` and adds the media wait to
    // `delay`.
    void read_lines(std::uint64_t dpa, std::uint64_t len, sc_core::sc_time& cost, sc_core::sc_time& delay);
    void waves_pulse(const char* what, const sc_core::sc_time& delay); // track_ + what, at now + delay
    // A complete event on the DIMM's track. Callers test tracing_ first: no call on the access path when
    // tracing is off.
    void trace_access(const char* what, const sc_core::sc_time& start, const sc_core::sc_time& dur,
                      std::uint64_t dpa, std::uint64_t len);

    // Writes back a line the XPBuffer evicted: holds the media in the background for the line write (its
    // RMW read, when needed, overlaps: see above)
    // needed) from the arrival time on; returns the wait before the media takes it.
    sc_core::sc_time write_back(const XpBuffer::Eviction& e, const sc_core::sc_time& delay);
    // The unbuffered write of one piece: media write (RMW for a partial line), failing on poison.
    void write_through(std::uint64_t dpa, std::span<const std::byte> in, sc_core::sc_time& delay,
                       std::optional<std::uint64_t>& failed);
    // Reserves the media for `occupancy` (of `lines` XPLines from `first_line`, each in its partition)
    // from the arrival time `sc_time_stamp() + delay` on; returns the wait before the access starts.
    sc_core::sc_time occupy_media(const sc_core::sc_time& delay, const sc_core::sc_time& occupancy,
                                  std::uint64_t first_line, std::uint64_t lines);
    [[nodiscard]] static sc_core::sc_time line_time(const sc_core::sc_time& per_line, std::uint64_t lines);

    PmemDimmParams params_;
    Tracer& tracer_;
    // What the tracer records, asked once: it is fixed for the run and checked on every access.
    const bool tracing_;
    const bool waves_;
    XpBuffer buffer_;
    sc_core::sc_time read_line_time_;  // one XPLine at read_bandwidth (zero: no limit)
    sc_core::sc_time write_line_time_; // one XPLine at write_bandwidth
    // How long one XPLine read or write holds its partition (the line time times the partitions),
    // computed once: a multiplication of sc_time by a double goes through floating point.
    sc_core::sc_time read_line_hold_;
    sc_core::sc_time write_line_hold_;
    // Per media partition: absolute simulated time at which it finishes the accesses queued so far.
    std::vector<sc_core::sc_time> partition_free_at_;
    std::string track_;
    PmemMedia media_;
    PmemDimmStats stats_;
};

} // namespace daxsim::models
