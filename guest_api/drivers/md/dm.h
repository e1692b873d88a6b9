// DmSubsystem: device-mapper mapped devices and their tables.
// Owned by the Kernel (guest_api/kernel/kernel.h); one instance per simulated machine.
#pragma once

namespace daxsim::kernel {

class Kernel;

class DmSubsystem {
  public:
    explicit DmSubsystem(Kernel& k) : k_(k) {}
    DmSubsystem(const DmSubsystem&) = delete;
    DmSubsystem& operator=(const DmSubsystem&) = delete;

  private:
    [[maybe_unused]] Kernel& k_;
};

} // namespace daxsim::kernel
