// DaxSubsystem: every dax_device and the device-dax instances (/dev/daxX.Y).
// Owned by the Kernel (guest_api/kernel/kernel.h); one instance per simulated machine.
#pragma once

namespace daxsim::kernel {

class Kernel;

class DaxSubsystem {
  public:
    explicit DaxSubsystem(Kernel& k) : k_(k) {}
    DaxSubsystem(const DaxSubsystem&) = delete;
    DaxSubsystem& operator=(const DaxSubsystem&) = delete;

  private:
    [[maybe_unused]] Kernel& k_;
};

} // namespace daxsim::kernel
