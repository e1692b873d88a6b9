#include "models/xp_buffer.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <optional>
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
                    const auto lru =
                        std::min_element(model.begin(), model.end(),
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

TEST_CASE("xpbuffer evictions and drains agree with a byte-level model through overlapping partial writes") {
    // Each model line keeps which of its bytes were written and whether it was read whole from the media;
    // an evicted or drained line must be reported exactly when some byte was written, and need a read
    // exactly when it was neither read whole nor written to its last byte. Writes overlap one another
    // (bytes written twice count once) and straddle the 64-byte words of the buffer's mask. Lines of 96
    // bytes leave a partial last word.
    for (const std::uint64_t line_bytes : {std::uint64_t{256}, std::uint64_t{96}}) {
        XpBuffer b(4, line_bytes);
        struct Line {
            std::uint64_t line;
            std::uint64_t stamp;
            bool filled;
            std::vector<bool> written;
        };
        std::vector<Line> model;
        std::uint64_t clock = 0;
        std::uint64_t x = 99;
        auto next = [&x] {
            x = x * 6364136223846793005ull + 1442695040888963407ull;
            return x >> 33;
        };
        auto expect_eviction = [&](const std::optional<XpBuffer::Eviction>& got) {
            // The model's least recently used line leaves when a fifth line arrives.
            const auto lru = std::min_element(model.begin(), model.end(),
                                              [](const Line& a, const Line& c) { return a.stamp < c.stamp; });
            const bool dirty =
                std::find(lru->written.begin(), lru->written.end(), true) != lru->written.end();
            const bool whole =
                std::find(lru->written.begin(), lru->written.end(), false) == lru->written.end();
            REQUIRE(got.has_value() == dirty);
            if (dirty) {
                CHECK(got->line == lru->line);
                CHECK(got->needs_read == (!lru->filled && !whole));
            }
            model.erase(lru);
        };
        for (int step = 0; step < 20000; ++step) {
            const std::uint64_t line = next() % 7;
            auto it = std::find_if(model.begin(), model.end(), [&](const Line& m) { return m.line == line; });
            const unsigned op = static_cast<unsigned>(next() % 8);
            if (op == 0) { // the media read the line whole
                const bool present = it != model.end();
                const auto evicted = b.fill(line);
                if (!present) {
                    if (model.size() == 4)
                        expect_eviction(evicted);
                    else
                        CHECK_FALSE(evicted.has_value());
                    model.push_back(Line{line, 0, false, std::vector<bool>(line_bytes)});
                    it = model.end() - 1;
                }
                it->filled = true;
                it->stamp = ++clock;
            } else if (op == 1) {
                b.drop(line);
                if (it != model.end()) model.erase(it);
            } else if (op == 2 && step % 50 == 0) {
                auto drained = b.drain();
                std::vector<std::pair<std::uint64_t, bool>> expected;
                for (const Line& m : model) {
                    const bool dirty = std::find(m.written.begin(), m.written.end(), true) != m.written.end();
                    const bool whole =
                        std::find(m.written.begin(), m.written.end(), false) == m.written.end();
                    if (dirty) expected.emplace_back(m.line, !m.filled && !whole);
                }
                std::sort(expected.begin(), expected.end());
                REQUIRE(drained.size() == expected.size());
                for (std::size_t i = 0; i < drained.size(); ++i) {
                    CHECK(drained[i].line == expected[i].first);
                    CHECK(drained[i].needs_read == expected[i].second);
                }
                model.clear();
            } else { // a write of 1 to 130 bytes anywhere in the line
                const std::uint64_t offset = next() % line_bytes;
                const std::uint64_t len = 1 + next() % std::min<std::uint64_t>(130, line_bytes - offset);
                const bool present = it != model.end();
                const auto w = b.write(line, offset, len);
                CHECK(w.hit == present);
                if (!present) {
                    if (model.size() == 4)
                        expect_eviction(w.evicted);
                    else
                        CHECK_FALSE(w.evicted.has_value());
                    model.push_back(Line{line, 0, false, std::vector<bool>(line_bytes)});
                    it = model.end() - 1;
                }
                for (std::uint64_t i = offset; i < offset + len; ++i)
                    it->written[i] = true;
                it->stamp = ++clock;
            }
            std::uint64_t dirty_model = 0;
            for (const Line& m : model)
                dirty_model += std::find(m.written.begin(), m.written.end(), true) != m.written.end() ? 1 : 0;
            REQUIRE(b.dirty_lines() == dirty_model);
        }
    }
}
