// MmSubsystem: pages of ZONE_DEVICE memory (struct page, PG_hwpoison), dev_pagemaps, the task list, memory-failure state (queue, counters).
// Owned by the Kernel (guest_api/kernel/kernel.h); one instance per simulated machine.
#pragma once

namespace daxsim::kernel {

class Kernel;

class MmSubsystem {
  public:
    explicit MmSubsystem(Kernel& k) : k_(k) {}
    MmSubsystem(const MmSubsystem&) = delete;
    MmSubsystem& operator=(const MmSubsystem&) = delete;

  private:
    [[maybe_unused]] Kernel& k_;
};

} // namespace daxsim::kernel
