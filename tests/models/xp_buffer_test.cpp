#include "models/xp_buffer.h"

#include <doctest/doctest.h>

using daxsim::models::XpBuffer;

TEST_CASE("xpbuffer with no lines buffers nothing") {
    XpBuffer b(0, 256);
    CHECK_FALSE(b.enabled());
    CHECK_FALSE(b.write(1, 0, 64).has_value());
    CHECK_FALSE(b.read_hit(1, 0, 64));
    CHECK(b.dirty_lines() == 0);
}

TEST_CASE("xpbuffer read hits only the bytes it holds") {
    XpBuffer b(2, 256);
    CHECK_FALSE(b.write(7, 64, 64).has_value());
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
    auto e = b.write(3, 0, 64);
    REQUIRE(e.has_value());
    CHECK(e->line == 2);
    CHECK(e->needs_read);
    e = b.write(4, 0, 64);
    REQUIRE(e.has_value());
    CHECK(e->line == 1);
    CHECK_FALSE(e->needs_read);
}

TEST_CASE("xpbuffer evicting a clean line writes nothing") {
    XpBuffer b(1, 256);
    (void)b.fill(5);
    CHECK_FALSE(b.write(6, 0, 64).has_value());
    CHECK(b.contains(6));
    CHECK_FALSE(b.contains(5));
}

TEST_CASE("xpbuffer combines writes across word boundaries of its byte mask") {
    XpBuffer b(1, 256);
    (void)b.write(9, 0, 100);
    (void)b.write(9, 100, 156);
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
