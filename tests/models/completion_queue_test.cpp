#include "models/completion_queue.h"

#include <doctest/doctest.h>

#include <cstdint>
#include <set>

using daxsim::models::CompletionQueue;
using sc_core::SC_NS;
using sc_core::sc_time;

TEST_CASE("completion queue agrees with an ordered multiset through out-of-order pushes and drains") {
    // Mostly ascending completion times with some earlier ones (a buffer hit completing before a media
    // read issued ahead of it) and repeats, drained at a clock that moves forward.
    CompletionQueue queue;
    std::multiset<std::uint64_t> model;
    std::uint64_t x = 1;
    auto next = [&x] {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        return x >> 33;
    };
    std::uint64_t now = 0;
    for (int step = 0; step < 100000; ++step) {
        const std::uint64_t r = next();
        if (r % 3 != 0) {
            const std::uint64_t t = now + (r % 5 == 0 ? r % 50 : 100 + r % 400);
            queue.push(sc_time(static_cast<double>(t), SC_NS));
            model.insert(t);
        } else {
            now += r % 120;
            queue.drain_until(sc_time(static_cast<double>(now), SC_NS));
            model.erase(model.begin(), model.upper_bound(now));
        }
        REQUIRE(queue.size() == model.size());
        if (!model.empty()) CHECK(queue.earliest() == sc_time(static_cast<double>(*model.begin()), SC_NS));
    }
}

TEST_CASE("completion queue drain removes entries completing exactly at the drain time") {
    CompletionQueue queue;
    queue.push(sc_time(20, SC_NS));
    queue.push(sc_time(10, SC_NS));
    queue.push(sc_time(20, SC_NS));
    CHECK(queue.earliest() == sc_time(10, SC_NS));
    queue.drain_until(sc_time(10, SC_NS));
    CHECK(queue.size() == 2);
    queue.drain_until(sc_time(20, SC_NS));
    CHECK(queue.empty());
}
