// The completion times of the requests holding entries of one pending queue (a controller's RPQ or WPQ
// for one DIMM), in ascending order. A request finds which entries have drained by the time it arrives
// and, when the queue is full, when the first entry frees. Completion times arrive almost in order
// (each new request completes after most of those before it), so they are kept sorted in a ring that
// fills at the back and drains from the front: an insert moves past the few later entries, a drain
// advances an index. A binary heap did the same with O(log n) sift steps on every insert and removal; a
// flat array compacted now and then had an insert of ~35 instructions, out of line, where the ring's
// inlines into the controller (callgrind, `daxsim bench speed`).
#pragma once

#include <cstddef>
#include <utility>
#include <vector>

#include <systemc>

namespace daxsim::models {

class CompletionQueue {
  public:
    CompletionQueue() : ring_(16), mask_(15) {}
    [[nodiscard]] std::size_t size() const { return count_; }
    [[nodiscard]] bool empty() const { return count_ == 0; }
    // The earliest completion time; the queue must not be empty.
    [[nodiscard]] const sc_core::sc_time& earliest() const { return ring_[head_]; }
    // Removes every entry completed by `t` (completion time <= t).
    void drain_until(const sc_core::sc_time& t) {
        while (count_ != 0 && ring_[head_] <= t) {
            head_ = (head_ + 1) & mask_;
            --count_;
        }
    }
    // Adds an entry completing at `t`, after any entries completing at the same time.
    void push(const sc_core::sc_time& t) {
        if (count_ == ring_.size()) grow();
        std::size_t i = (head_ + count_) & mask_;
        for (std::size_t before = count_; before != 0; --before) {
            const std::size_t prev = (i - 1) & mask_;
            if (!(ring_[prev] > t)) break;
            ring_[i] = ring_[prev];
            i = prev;
        }
        ring_[i] = t;
        ++count_;
    }

  private:
    // Twice the room, the entries moved to the front in order. Out of line, so that push inlines.
    [[gnu::noinline]] void grow() {
        std::vector<sc_core::sc_time> bigger(ring_.size() * 2);
        for (std::size_t k = 0; k < count_; ++k)
            bigger[k] = ring_[(head_ + k) & mask_];
        ring_ = std::move(bigger);
        mask_ = ring_.size() - 1;
        head_ = 0;
    }
    std::vector<sc_core::sc_time> ring_; // a power of two long; entries [head_, head_ + count_) ascending
    std::size_t mask_;                   // ring_.size() - 1
    std::size_t head_ = 0;
    std::size_t count_ = 0;
};

} // namespace daxsim::models
