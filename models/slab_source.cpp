#include "models/slab_source.h"

#include <new>
#include <system_error>

#include <sys/mman.h>

namespace daxsim::models {

void SlabUnmap::operator()(std::byte* p) const {
    ::munmap(p, bytes);
}

Slab make_slab(std::size_t bytes) {
    // Zeroed and populated in one call: no page fault every 4 KiB as the lines are first written, and no
    // clearing of fresh lines.
    void* p =
        ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    return Slab(static_cast<std::byte*>(p), SlabUnmap{bytes});
}

SlabSource::~SlabSource() {
    {
        const std::lock_guard lock(mutex_);
        stop_ = true;
    }
    wake_.notify_all();
    if (helper_.joinable()) helper_.join();
}

Slab SlabSource::take() {
    {
        std::unique_lock lock(mutex_);
        if (!helper_.joinable() && ahead_ > 0 && !failed_) {
            try {
                helper_ = std::thread([this] { run(); });
            } catch (const std::system_error&) {
                failed_ = true; // no thread to be had: every slab is made on demand, as without a helper
            }
        }
        if (!ready_.empty()) {
            Slab s = std::move(ready_.front());
            ready_.pop_front();
            lock.unlock();
            wake_.notify_one();
            return s;
        }
    }
    wake_.notify_one();
    return make_slab(slab_bytes_);
}

void SlabSource::run() {
    std::unique_lock lock(mutex_);
    for (;;) {
        wake_.wait(lock, [this] { return stop_ || (!failed_ && ready_.size() < ahead_); });
        if (stop_) return;
        lock.unlock();
        Slab s;
        try {
            s = make_slab(slab_bytes_);
        } catch (const std::bad_alloc&) {
            // take() makes its own and reports the failure where the simulation can handle it.
        }
        lock.lock();
        if (s)
            ready_.push_back(std::move(s));
        else
            failed_ = true;
    }
}

} // namespace daxsim::models
