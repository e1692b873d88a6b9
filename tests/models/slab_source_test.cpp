#include "models/slab_source.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <iterator>
#include <set>
#include <thread>
#include <vector>

using namespace daxsim::models;

namespace {

// Threads of this process (Linux: one entry per task under /proc/self/task).
std::size_t thread_count() {
    const std::filesystem::directory_iterator tasks("/proc/self/task");
    return static_cast<std::size_t>(std::distance(begin(tasks), end(tasks)));
}

// The count once it settles: a joined thread's /proc entry goes a moment after pthread_join returns (the
// kernel wakes the joiner before it unhashes the task).
std::size_t settled_thread_count(std::size_t expected) {
    for (int i = 0; i < 1000 && thread_count() != expected; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    return thread_count();
}

} // namespace

TEST_CASE("slab source hands out distinct zeroed writable slabs of its size") {
    constexpr std::size_t bytes = 256 << 10;
    SlabSource source(bytes);
    CHECK(source.slab_bytes() == bytes);
    std::vector<Slab> taken;
    std::set<const std::byte*> seen;
    for (int i = 0; i < 12; ++i) {
        Slab s = source.take();
        REQUIRE(s);
        CHECK(s.get_deleter().bytes == bytes);
        // Zero everywhere (first, last and every 4 KiB page in between), then ours to write.
        bool zero = true;
        for (std::size_t at = 0; at < bytes; at += 4096)
            zero = zero && s[at] == std::byte{0};
        CHECK(zero);
        CHECK(s[bytes - 1] == std::byte{0});
        std::fill_n(s.get(), bytes, std::byte{0x5a});
        CHECK(seen.insert(s.get()).second);
        taken.push_back(std::move(s));
    }
    CHECK(std::all_of(taken.begin(), taken.end(), [](const Slab& s) { return s[0] == std::byte{0x5a}; }));
}

TEST_CASE("slab source starts its helper at the first slab taken and stops it when destroyed") {
    const std::size_t before = thread_count();
    {
        SlabSource source(64 << 10);
        CHECK(thread_count() == before); // a media never written costs no thread
        const Slab s = source.take();
        CHECK(thread_count() == before + 1);
    }
    CHECK(settled_thread_count(before) == before);
}

TEST_CASE("slab source with nothing to make ahead makes every slab on demand without a helper") {
    const std::size_t before = thread_count();
    SlabSource source(64 << 10, 0);
    const Slab a = source.take();
    const Slab b = source.take();
    CHECK(a.get() != b.get());
    CHECK(thread_count() == before);
}
