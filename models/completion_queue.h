// The completion times of the requests holding entries of one pending queue (a controller's RPQ or WPQ
// for one DIMM), in ascending order. A request finds which entries have drained by the time it arrives
// and, when the queue is full, when the first entry frees. Completion times arrive almost in order
// (each new request completes after most of those before it), so they are kept sorted in a flat array
// that grows at the back and drains from the front: an insert moves past the few later entries, a drain
// advances an index. A binary heap did the same with O(log n) sift steps on every insert and removal.
#pragma once

#include <cstddef>
#include <utility>
#include <vector>

#include <systemc>

namespace daxsim::models {

class CompletionQueue {
  public:
    [[nodiscard]] std::size_t size() const { return times_.size() - head_; }
    [[nodiscard]] bool empty() const { return size() == 0; }
    // The earliest completion time; the queue must not be empty.
    [[nodiscard]] const sc_core::sc_time& earliest() const { return times_[head_]; }

    // Removes every entry completed by `t` (completion time <= t).
    void drain_until(const sc_core::sc_time& t) {
        while (head_ < times_.size() && times_[head_] <= t)
            ++head_;
        if (head_ == times_.size()) {
            times_.clear();
            head_ = 0;
        }
    }
    // Adds an entry completing at `t`, after any entries completing at the same time.
    void push(const sc_core::sc_time& t) {
        if (head_ > 0 && head_ * 2 >= times_.size()) compact();
        times_.push_back(t);
        for (std::size_t i = times_.size() - 1; i > head_ && times_[i - 1] > t; --i)
            std::swap(times_[i - 1], times_[i]);
    }

  private:
    void compact() {
        times_.erase(times_.begin(), times_.begin() + static_cast<std::ptrdiff_t>(head_));
        head_ = 0;
    }

    std::vector<sc_core::sc_time> times_; // [head_, end) ascending
    std::size_t head_ = 0;
};

} // namespace daxsim::models
