// Generic-payload extensions shared by the memory-side models.
//  - MemoryOpExtension: what the CPU-side operation behind a read or write is (a load, an RFO for a
//    store, a non-temporal store, a write-back, a flush), so the cache and the controller can treat
//    them differently without guessing from the command.
//  - MemoryErrorExtension: set by the DIMM (and completed by the controller) on a read of a poisoned
//    media line. Such a read completes with TLM_GENERIC_ERROR_RESPONSE plus this extension: a poisoned
//    line never returns silent data.
#pragma once

#include <cstdint>
#include <memory>

#include <tlm>

namespace daxsim::models {

enum class MemOp {
    load,      // cached load, or a cache line fill for one
    store,     // cached store: the cache's fill for it is a read for ownership (RFO)
    nt_store,  // non-temporal store (movnt): bypasses the cache
    writeback, // clwb, or a dirty victim evicted from the cache
    flush,     // clflushopt: write back if dirty, then invalidate
};

[[nodiscard]] constexpr const char* to_string(MemOp op) {
    switch (op) {
    case MemOp::load:
        return "load";
    case MemOp::store:
        return "store";
    case MemOp::nt_store:
        return "nt_store";
    case MemOp::writeback:
        return "writeback";
    case MemOp::flush:
        return "flush";
    }
    return "?";
}

struct MemoryOpExtension final : tlm::tlm_extension<MemoryOpExtension> {
    MemOp op = MemOp::load;

    MemoryOpExtension() = default;
    explicit MemoryOpExtension(MemOp o) : op(o) {}
    [[nodiscard]] tlm::tlm_extension_base* clone() const override {
        return std::make_unique<MemoryOpExtension>(*this).release(); // the payload owns clones
    }
    void copy_from(const tlm::tlm_extension_base& other) override {
        op = static_cast<const MemoryOpExtension&>(other).op;
    }
};

struct MemoryErrorExtension final : tlm::tlm_extension<MemoryErrorExtension> {
    bool poisoned = false;
    std::uint64_t spa = 0; // SPA of the first poisoned media line (filled in by the controller)
    unsigned dimm = 0;     // which DIMM reported it
    std::uint64_t dpa = 0; // DPA of that media line on the DIMM
    // No error recorded. Field by field: assigning a value-initialised extension built a temporary (its
    // tlm_extension base and all) on every transaction.
    void clear() {
        poisoned = false;
        spa = 0;
        dimm = 0;
        dpa = 0;
    }

    [[nodiscard]] tlm::tlm_extension_base* clone() const override {
        return std::make_unique<MemoryErrorExtension>(*this).release();
    }
    void copy_from(const tlm::tlm_extension_base& other) override {
        *this = static_cast<const MemoryErrorExtension&>(other);
    }
};

// The operation a payload carries (a plain read or write from a foreign initiator counts as a load
// or a write-back).
[[nodiscard]] inline MemOp op_of(const tlm::tlm_generic_payload& trans) {
    if (const auto* e = trans.get_extension<MemoryOpExtension>()) return e->op;
    return trans.is_write() ? MemOp::writeback : MemOp::load;
}

// The payload's error extension; attached (owned by the payload) when the initiator did not attach
// one. A payload without a memory manager frees its extensions when it is destroyed.
[[nodiscard]] inline MemoryErrorExtension& memory_error(tlm::tlm_generic_payload& trans) {
    if (auto* e = trans.get_extension<MemoryErrorExtension>()) return *e;
    auto* e = std::make_unique<MemoryErrorExtension>().release();
    if (trans.has_mm())
        trans.set_auto_extension(e);
    else
        trans.set_extension(e);
    return *e;
}

// An extension the initiator owns for the lifetime of one transaction: attached on construction,
// detached on destruction, so the payload never frees it. Declare it after the payload.
template <typename Ext> class ScopedExtension {
  public:
    template <typename... Args>
    explicit ScopedExtension(tlm::tlm_generic_payload& trans, Args&&... args)
        : trans_(trans), ext_(std::forward<Args>(args)...) {
        trans_.set_extension(&ext_);
    }
    ~ScopedExtension() { trans_.clear_extension(&ext_); }
    ScopedExtension(const ScopedExtension&) = delete;
    ScopedExtension& operator=(const ScopedExtension&) = delete;

    Ext& operator*() { return ext_; }
    Ext* operator->() { return &ext_; }

  private:
    tlm::tlm_generic_payload& trans_;
    Ext ext_;
};

// A payload an initiator reuses for every transaction it issues, with both extensions attached for good:
// constructing a payload allocates its extension array, and attaching and detaching extensions per
// transaction is measurable at millions of transactions. Safe because a b_transport in these models never
// waits, so one initiator never has two of its transactions in flight through the same payload.
class ReusablePayload {
  public:
    ReusablePayload() {
        gp_.set_extension(&op_);
        gp_.set_extension(&err_);
    }
    ~ReusablePayload() {
        // Detach before the payload's destructor, which would free attached extensions.
        gp_.clear_extension(&op_);
        gp_.clear_extension(&err_);
    }
    ReusablePayload(const ReusablePayload&) = delete;
    ReusablePayload& operator=(const ReusablePayload&) = delete;

    // Starts a transaction: the operation set, no error recorded yet.
    tlm::tlm_generic_payload& begin(MemOp op) {
        op_.op = op;
        err_.clear();
        return gp_;
    }
    [[nodiscard]] MemoryErrorExtension* error() { return &err_; }

  private:
    tlm::tlm_generic_payload gp_;
    MemoryOpExtension op_;
    MemoryErrorExtension err_;
};

} // namespace daxsim::models
