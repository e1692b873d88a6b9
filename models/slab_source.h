// Host memory for the sparse media (models/pmem_media.h), in slabs: zeroed, populated mappings straight
// from the host kernel, made ahead of need on a helper thread.
//
// Why a thread: a stream of writes to fresh media lines needs a new slab every 1024 lines, and the kernel
// spends ~1.4 us per 4 KiB page allocating, zeroing and mapping it (this host: ~13% of `daxsim bench
// speed`'s platform time, measured by making every slab up front). The helper makes the next slabs while
// the simulation runs, on another core when one is free; the simulation takes a ready one, or makes one
// itself when none is (the first, or when the helper falls behind). What a slab holds, and so every
// simulated result, does not depend on which thread made it.
//
// The helper starts at the first take() (a media never written costs no thread and no memory) and keeps
// `ahead` slabs ready: at most that many slabs of resident memory beyond what the media uses.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>

namespace daxsim::models {

struct SlabUnmap {
    std::size_t bytes = 0;
    void operator()(std::byte* p) const;
};
using Slab = std::unique_ptr<std::byte[], SlabUnmap>;

// A zeroed, populated slab of `bytes`, made now; std::bad_alloc when the host has no memory for it.
[[nodiscard]] Slab make_slab(std::size_t bytes);

class SlabSource {
  public:
    explicit SlabSource(std::size_t slab_bytes, std::size_t ahead = 2)
        : slab_bytes_(slab_bytes), ahead_(ahead) {}
    ~SlabSource();
    SlabSource(const SlabSource&) = delete;
    SlabSource& operator=(const SlabSource&) = delete;

    [[nodiscard]] std::size_t slab_bytes() const { return slab_bytes_; }
    // A zeroed, populated slab: one the helper made ahead when there is one, else made now.
    [[nodiscard]] Slab take();

  private:
    void run(); // the helper: keeps `ahead_` slabs ready until stopped

    const std::size_t slab_bytes_;
    const std::size_t ahead_;
    std::mutex mutex_;
    std::condition_variable wake_; // the helper waits on it for a slab taken or for the stop
    std::deque<Slab> ready_;       // guarded by mutex_
    bool stop_ = false;            // guarded by mutex_
    bool failed_ = false; // guarded by mutex_: the host refused a slab or the thread; make them on demand
    std::thread helper_;  // started by the first take()
};

} // namespace daxsim::models
