#include "models/cache.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <stdexcept>

#include "models/tlm_extensions.h"

namespace daxsim::models {

using sc_core::sc_time;

Cache::Cache(sc_core::sc_module_name name, const CacheParams& params)
    : sc_module(name), socket("socket"), mem("mem"), params_(params),
      sets_(params.ways == 0 ? 0 : params.capacity_bytes / line_bytes / params.ways) {
    if (sets_ == 0) throw std::invalid_argument("Cache: capacity must hold at least one line per way");
    if (params_.ways > 65536) throw std::invalid_argument("Cache: more than 65536 ways"); // 16-bit links
    if ((sets_ & (sets_ - 1)) == 0) sets_mask_ = sets_ - 1;
    keys_.assign(sets_ * params_.ways, 0);
    fp_words_ = (params_.ways + 7) / 8;
    fps_.assign(sets_ * fp_words_, 0);
    links_.resize(keys_.size());
    lru_head_.resize(sets_);
    lru_tail_.resize(sets_);
    for (std::size_t set = 0; set < sets_; ++set) { // ways in index order; all invalid at first
        const std::size_t first = set * params_.ways;
        const std::size_t last = first + params_.ways - 1;
        for (std::size_t w = first; w <= last; ++w) {
            const std::size_t i = w - first;
            links_[w].prev = static_cast<std::uint16_t>(w == first ? i : i - 1);
            links_[w].next = static_cast<std::uint16_t>(w == last ? i : i + 1);
        }
        lru_head_[set] = static_cast<std::uint32_t>(first);
        lru_tail_[set] = static_cast<std::uint32_t>(last);
    }
    invalid_ways_.assign(sets_, params_.ways);
    data_.resize(keys_.size() * line_bytes);
    socket.bind(*this);
}

std::size_t Cache::find(std::uint64_t line_addr, std::size_t set) const {
    constexpr std::uint64_t ones = 0x0101010101010101ull;
    constexpr std::uint64_t highs = 0x8080808080808080ull;
    const std::uint64_t key = line_addr | kValid;
    const std::size_t first = set * params_.ways;
    const std::uint64_t* fps = fps_.data() + set * fp_words_;
    const std::uint64_t pattern = fingerprint(line_addr) * ones;
    for (std::size_t j = 0; j < fp_words_; ++j) {
        // Bytes equal to the fingerprint become zero; the classic zero-byte test flags every zero byte
        // (and can flag a byte above one, never below): each flagged way is confirmed by its key.
        const std::uint64_t x = fps[j] ^ pattern;
        for (std::uint64_t m = (x - ones) & ~x & highs; m != 0; m &= m - 1) {
            const std::size_t i = j * 8 + static_cast<std::size_t>(std::countr_zero(m)) / 8;
            if (i < params_.ways && (keys_[first + i] & ~kDirty) == key) return first + i;
        }
    }
    return npos;
}

bool Cache::is_dirty(std::uint64_t spa) const {
    const std::size_t w = find(spa / line_bytes * line_bytes);
    return w != npos && dirty(w);
}

void Cache::write_back(std::size_t way, sc_time& delay) {
    tlm::tlm_generic_payload& wb = wb_.begin(MemOp::writeback);
    wb.set_command(tlm::TLM_WRITE_COMMAND);
    wb.set_address(tag_of(way));
    wb.set_data_ptr(reinterpret_cast<unsigned char*>(data_of(way)));
    wb.set_data_length(line_bytes);
    wb.set_streaming_width(line_bytes);
    wb.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    mem->b_transport(wb, delay);
    keys_[way] &= ~kDirty;
    stats_.writebacks += 1;
}

std::size_t Cache::fill(std::uint64_t line_addr, std::size_t set, MemOp op, tlm::tlm_generic_payload& up,
                        sc_time& delay) {
    std::array<std::byte, line_bytes> buf; // written whole by a successful read, unused otherwise
    tlm::tlm_generic_payload& rd = rd_.begin(op == MemOp::load ? MemOp::load : MemOp::store);
    MemoryErrorExtension* err = rd_.error();
    rd.set_command(tlm::TLM_READ_COMMAND);
    rd.set_address(line_addr);
    rd.set_data_ptr(reinterpret_cast<unsigned char*>(buf.data()));
    rd.set_data_length(line_bytes);
    rd.set_streaming_width(line_bytes);
    rd.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    mem->b_transport(rd, delay);
    if (!rd.is_response_ok()) {
        up.set_response_status(rd.get_response_status());
        if (err->poisoned) {
            memory_error(up) = *err;
            stats_.poisoned_fills += 1;
        }
        return npos;
    }
    // Victim: the first invalid way, else the least recently used one (the tail of the LRU list).
    const std::size_t first = set * params_.ways;
    std::size_t victim = first;
    if (invalid_ways_[set] != 0) {
        while (valid(victim))
            ++victim;
        --invalid_ways_[set];
    } else {
        victim = lru_tail_[set];
    }
    if (dirty(victim)) {
        sc_time posted = delay; // the write-back buffer takes it; the fill does not wait
        write_back(victim, posted);
    }
    keys_[victim] = line_addr | kValid; // clean
    set_fingerprint(set, victim, line_addr);
    std::memcpy(data_of(victim), buf.data(), line_bytes);
    return victim;
}

void Cache::b_transport(tlm::tlm_generic_payload& trans, sc_time& delay) {
    const std::uint64_t addr = trans.get_address();
    const std::uint64_t len = trans.get_data_length();
    const std::uint64_t line_addr = addr / line_bytes * line_bytes;
    const std::uint64_t within = addr - line_addr;
    if (trans.get_byte_enable_ptr() != nullptr) {
        trans.set_response_status(tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
        return;
    }
    if (within + len > line_bytes) { // cores split at line boundaries
        trans.set_response_status(tlm::TLM_BURST_ERROR_RESPONSE);
        return;
    }
    const MemOp op = op_of(trans);
    delay += params_.hit_latency;
    trans.set_response_status(tlm::TLM_OK_RESPONSE);
    const std::size_t set = set_of(line_addr);
    std::size_t line = find(line_addr, set);

    if (trans.is_write() && op == MemOp::nt_store) {
        if (line != npos) {
            if (dirty(line)) write_back(line, delay);
            invalidate(line);
        }
        mem->b_transport(trans, delay); // write-combining buffer -> controller
        return;
    }
    if (trans.is_read() || trans.is_write()) {
        if (line != npos) {
            stats_.hits += 1;
        } else {
            stats_.misses += 1;
            line = fill(line_addr, set, op, trans, delay);
            if (line == npos) return;
        }
        touch(set, line);
        auto* data = reinterpret_cast<std::byte*>(trans.get_data_ptr());
        if (trans.is_read()) {
            std::memcpy(data, data_of(line) + within, len);
        } else {
            std::memcpy(data_of(line) + within, data, len);
            keys_[line] |= kDirty;
        }
        return;
    }
    // Ignore command: cache maintenance on the line.
    if (line == npos) return;
    if (dirty(line)) write_back(line, delay);
    if (op == MemOp::flush) invalidate(line);
}

unsigned int Cache::transport_dbg(tlm::tlm_generic_payload& trans) {
    // Debug reads see the cached copy where there is one; debug writes update both copies.
    const std::uint64_t addr = trans.get_address();
    const std::uint64_t len = trans.get_data_length();
    const unsigned int got = mem->transport_dbg(trans);
    auto* data = reinterpret_cast<std::byte*>(trans.get_data_ptr());
    for (std::uint64_t done = 0; done < got;) {
        const std::uint64_t at = addr + done;
        const std::uint64_t line_addr = at / line_bytes * line_bytes;
        const std::uint64_t n = std::min(len - done, line_addr + line_bytes - at);
        if (const std::size_t w = find(line_addr); w != npos) {
            if (trans.is_read())
                std::memcpy(data + done, data_of(w) + (at - line_addr), n);
            else if (trans.is_write())
                std::memcpy(data_of(w) + (at - line_addr), data + done, n);
        }
        done += n;
    }
    return got;
}

std::uint64_t Cache::drop_dirty() {
    std::uint64_t lost = 0;
    for (std::size_t w = 0; w < keys_.size(); ++w) {
        if (dirty(w)) ++lost;
        invalidate(w);
    }
    return lost;
}

std::uint64_t Cache::writeback_all() {
    std::uint64_t written = 0;
    for (std::size_t w = 0; w < keys_.size(); ++w) { // set-major order: deterministic
        if (dirty(w)) {
            sc_time untimed = sc_core::SC_ZERO_TIME;
            write_back(w, untimed);
            ++written;
        }
    }
    return written;
}

void Cache::flush_range(std::uint64_t spa, std::uint64_t len) {
    if (len == 0) return;
    auto flush = [this](std::size_t w) {
        sc_time untimed = sc_core::SC_ZERO_TIME;
        if (dirty(w)) write_back(w, untimed);
        invalidate(w);
    };
    if (len / line_bytes > keys_.size()) { // a huge range: walk the cache rather than the range
        for (std::size_t w = 0; w < keys_.size(); ++w)
            if (valid(w) && tag_of(w) + line_bytes > spa && tag_of(w) < spa + len) flush(w);
        return;
    }
    for (std::uint64_t a = spa / line_bytes * line_bytes; a < spa + len; a += line_bytes)
        if (const std::size_t w = find(a); w != npos) flush(w);
}

} // namespace daxsim::models
