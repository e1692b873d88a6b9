#include "models/xp_buffer.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <utility>
#include <vector>

using daxsim::models::XpBuffer;

TEST_CASE("xpbuffer with no lines buffers nothing") {
    XpBuffer b(0, 256);
    CHECK_FALSE(b.enabled());
    CHECK_FALSE(b.write(1, 0, 64).evicted.has_value());
    CHECK_FALSE(b.read_hit(1, 0, 64));
    CHECK(b.dirty_lines() == 0);
}

TEST_CASE("xpbuffer read hits only the bytes it holds") {
    XpBuffer b(2, 256);
    CHECK_FALSE(b.write(7, 64, 64).evicted.has_value());
    CHECK(b.read_hit(7, 64, 64));
    CHECK(b.read_hit(7, 100, 8));
    CHECK_FALSE(b.read_hit(7, 0, 128)); // bytes 0..63 were never written nor read
    CHECK_FALSE(b.fill(7).has_value());
    CHECK(b.read_hit(7, 0, 256)); // read from the media: all of it
}

TEST_CASE("xpbuffer evicts the least recently used line and says whether it needs a read") {
    XpBuffer b(2, 256);
    (void)b.write(1, 0, 256);  // complete
    (void)b.write(2, 0, 64);   // partial
    (void)b.read_hit(1, 0, 8); // 1 becomes the most recent
    auto e = b.write(3, 0, 64).evicted;
    REQUIRE(e.has_value());
    CHECK(e->line == 2);
    CHECK(e->needs_read);
    e = b.write(4, 0, 64).evicted;
    REQUIRE(e.has_value());
    CHECK(e->line == 1);
    CHECK_FALSE(e->needs_read);
}

TEST_CASE("xpbuffer evicting a clean line writes nothing") {
    XpBuffer b(1, 256);
    (void)b.fill(5);
    CHECK_FALSE(b.write(6, 0, 64).evicted.has_value());
    CHECK(b.contains(6));
    CHECK_FALSE(b.contains(5));
}

TEST_CASE("xpbuffer combines writes across word boundaries of its byte mask") {
    XpBuffer b(1, 256);
    CHECK_FALSE(b.write(9, 0, 100).hit);
    CHECK(b.write(9, 100, 156).hit);
    const auto drained = b.drain();
    REQUIRE(drained.size() == 1);
    CHECK_FALSE(drained[0].needs_read); // the two writes covered the whole line
    CHECK(b.dirty_lines() == 0);
}

TEST_CASE("xpbuffer drain returns dirty lines in ascending order and drop forgets a line") {
    XpBuffer b(4, 256);
    (void)b.write(30, 0, 64);
    (void)b.write(10, 0, 64);
    (void)b.fill(20);
    (void)b.write(40, 0, 64);
    b.drop(40);
    const auto drained = b.drain();
    REQUIRE(drained.size() == 2);
    CHECK(drained[0].line == 10);
    CHECK(drained[1].line == 30);
}

TEST_CASE("xpbuffer finds every line it holds through random fills writes drops and evictions") {
    // Against a plain list of (line, last use): the buffer's index and LRU order must agree with it.
    XpBuffer b(8, 256);
    std::vector<std::pair<std::uint64_t, std::uint64_t>> model; // line, stamp
    std::uint64_t clock = 0;
    std::uint64_t x = 12345;
    for (int step = 0; step < 20000; ++step) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        const std::uint64_t line = (x >> 33) % 40 * 1024; // collide in the hash as well
        const unsigned op = static_cast<unsigned>(x >> 20) % 3;
        auto it = std::find_if(model.begin(), model.end(), [&](const auto& m) { return m.first == line; });
        if (op == 2) {
            b.drop(line);
            if (it != model.end()) model.erase(it);
        } else {
            if (it == model.end()) {
                if (model.size() == 8) {
                    const auto lru = std::min_element(model.begin(), model.end(),
                                                      [](const auto& a, const auto& c) { return a.second < c.second; });
                    model.erase(lru);
                }
                model.emplace_back(line, 0);
                it = model.end() - 1;
            }
            it->second = ++clock;
            if (op == 0)
                (void)b.fill(line);
            else
                (void)b.write(line, 0, 64);
        }
        for (std::uint64_t probe = 0; probe < 40; ++probe) {
            const bool held = std::any_of(model.begin(), model.end(),
                                          [&](const auto& m) { return m.first == probe * 1024; });
            REQUIRE(b.contains(probe * 1024) == held);
        }
    }
}
