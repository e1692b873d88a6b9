// Exclusive simulated time per kernel layer along the failure path (hardware, mce, memory_failure, pmem,
// dax holder, xfs rmap walk, signal delivery). A LayerScope charges the time between its construction and
// destruction to its layer, minus the time spent in scopes nested inside it, and draws the span on the
// layer's trace track ("kernel.<layer>").
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace daxsim::kernel {

class Kernel;

class LayerTimes {
  public:
    void add(const std::string& layer, std::uint64_t ns) { ns_[layer] += ns; }
    [[nodiscard]] const std::map<std::string, std::uint64_t>& totals() const { return ns_; }
    void reset() { ns_.clear(); }

  private:
    friend class LayerScope;
    std::map<std::string, std::uint64_t> ns_;
    struct Frame {
        std::string layer;
        std::uint64_t start_ns;
        std::uint64_t child_ns;
    };
    std::vector<Frame> stack_;
};

class LayerScope {
  public:
    LayerScope(Kernel& k, std::string layer, std::string event);
    ~LayerScope();
    LayerScope(const LayerScope&) = delete;
    LayerScope& operator=(const LayerScope&) = delete;

  private:
    Kernel& k_;
    std::string event_;
};

} // namespace daxsim::kernel
