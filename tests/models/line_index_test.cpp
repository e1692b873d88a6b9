#include "models/line_index.h"

#include <doctest/doctest.h>

#include <cstdint>
#include <map>
#include <stdexcept>

using daxsim::models::LineIndex;

namespace {

// Lines drawn from a small range so that inserts, hits and erases of present keys all happen often,
// and clustered (a multiple of the table size apart) so that probe runs wrap and backward shifts move
// entries across the end of the table.
template <typename Index> void check_against_map() {
    Index index;
    std::map<std::uint64_t, std::uint64_t> model;
    std::uint64_t x = 1;
    auto next = [&x] {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        return x >> 33;
    };
    for (int step = 0; step < 200000; ++step) {
        const std::uint64_t r = next();
        const std::uint64_t line = (r % 3000) * ((r & 1) ? 1 : 1024) + (r % 7 == 0 ? 0 : 0x2ffff0000ull);
        switch (r % 4) {
        case 0:
        case 1: {
            bool added = false;
            const std::uint64_t v = index.find_or_insert(
                line, [&] { return static_cast<std::uint64_t>(step); }, added);
            CHECK(added == !model.contains(line));
            if (added) model[line] = static_cast<std::uint64_t>(step);
            CHECK(v == model[line]);
            break;
        }
        case 2:
            index.erase(line);
            model.erase(line);
            break;
        default: {
            const auto it = model.find(line);
            CHECK(index.find(line) == (it == model.end() ? Index::npos : it->second));
        }
        }
        REQUIRE(index.size() == model.size());
    }
    for (const auto& [line, value] : model)
        CHECK(index.find(line) == value);
}

} // namespace

TEST_CASE("line index agrees with an ordered map through random inserts erases and growth") {
    // Neighbouring lines share a home group: runs of consecutive keys fill whole groups and spill.
    check_against_map<LineIndex>();
}

TEST_CASE("line index holds line zero and the largest line number") {
    LineIndex index(4);
    index.set(0, 7);
    index.set(LineIndex::max_line, 9); // the largest line that fits beside a value in one word
    CHECK(index.find(0) == 7);
    CHECK(index.find(LineIndex::max_line) == 9);
    CHECK_THROWS_AS(index.set(LineIndex::max_line + 1, 1), std::length_error);
    CHECK_THROWS_AS(index.set(1, LineIndex::max_value + 1), std::length_error);
    CHECK(index.find(1) == LineIndex::npos);
    index.clear();
    CHECK(index.size() == 0);
    CHECK(index.find(0) == LineIndex::npos);
}
