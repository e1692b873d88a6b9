#include "guest_api/kernel/layer_timer.h"

#include "guest_api/kernel/kernel.h"

namespace daxsim::kernel {

LayerScope::LayerScope(Kernel& k, std::string layer, std::string event) : k_(k), event_(std::move(event)) {
    k_.layer_times().stack_.push_back(LayerTimes::Frame{std::move(layer), k_.now_ns(), 0});
}

LayerScope::~LayerScope() {
    auto& times = k_.layer_times();
    const LayerTimes::Frame frame = times.stack_.back();
    times.stack_.pop_back();
    const std::uint64_t now = k_.now_ns();
    const std::uint64_t total = now - frame.start_ns;
    const std::uint64_t own = total >= frame.child_ns ? total - frame.child_ns : 0;
    times.add(frame.layer, own);
    if (!times.stack_.empty()) times.stack_.back().child_ns += total;
    k_.tracer().complete("kernel." + frame.layer, event_, frame.start_ns, total);
}

} // namespace daxsim::kernel
