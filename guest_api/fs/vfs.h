// Vfs: mounts, path lookup, regular files and directories of the mounted file systems.
// Owned by the Kernel (guest_api/kernel/kernel.h); one instance per simulated machine.
#pragma once

namespace daxsim::kernel {

class Kernel;

class Vfs {
  public:
    explicit Vfs(Kernel& k) : k_(k) {}
    Vfs(const Vfs&) = delete;
    Vfs& operator=(const Vfs&) = delete;

  private:
    [[maybe_unused]] Kernel& k_;
};

} // namespace daxsim::kernel
