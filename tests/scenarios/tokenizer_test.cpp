#include <doctest/doctest.h>

#include "scenarios/tokenizer.h"

using namespace daxsim::scenarios;

TEST_CASE("words split at blanks and keep their offsets") {
    const Tokens t = tokenize("mount  -o dax /dev/pmem0 /mnt");
    REQUIRE(t.errors.empty());
    REQUIRE(t.words.size() == 5);
    CHECK(t.words[0].text == "mount");
    CHECK(t.words[1].text == "-o");
    CHECK(t.words[1].offset == 7);
    CHECK(t.words[4].text == "/mnt");
    CHECK(t.words[4].offset == 25);
}

TEST_CASE("double and single quotes group words and drop the quotes") {
    const Tokens t = tokenize(R"(xfs_io -c "pwrite 0 4k" -c 'mread 0 4k' /mnt/f)");
    REQUIRE(t.words.size() == 6);
    CHECK(t.words[2].text == "pwrite 0 4k");
    CHECK(t.words[2].offset == 10);
    CHECK(t.words[2].offset_of(0) == 11); // the 'p' after the quote
    CHECK(t.words[4].text == "mread 0 4k");
}

TEST_CASE("backslash escapes outside quotes and selected characters inside double quotes") {
    const Tokens t = tokenize(R"(a\ b "x\"y" "p\nq")");
    REQUIRE(t.words.size() == 3);
    CHECK(t.words[0].text == "a b");
    CHECK(t.words[1].text == "x\"y");
    CHECK(t.words[2].text == "p\\nq"); // sh keeps \n literally inside double quotes
}

TEST_CASE("an unterminated quote is an error at the quote") {
    const Tokens t = tokenize(R"(xfs_io -c "pwrite 0 4k /mnt/f)");
    REQUIRE(t.errors.size() == 1);
    CHECK(t.errors[0].offset == 10);
    CHECK(t.errors[0].message == "unterminated \" quote");
}

TEST_CASE("tokenizing inside a word maps offsets to the outer line") {
    const Tokens outer = tokenize(R"(xfs_io -c "pwrite -S 0xab 0 4k" /f)");
    const Tokens inner = tokenize_within(outer.words[2]);
    REQUIRE(inner.words.size() == 5);
    CHECK(inner.words[0].offset == 11);
    CHECK(inner.words[2].text == "0xab");
    CHECK(inner.words[2].offset == 21);
}

TEST_CASE("table strings split at a literal backslash n") {
    const Tokens outer =
        tokenize(R"(dmsetup create x --table "0 8 linear /dev/pmem0 0\n8 8 linear /dev/pmem1 0")");
    const auto lines = split_table_lines(outer.words[4]);
    REQUIRE(lines.size() == 2);
    CHECK(lines[0].text == "0 8 linear /dev/pmem0 0");
    CHECK(lines[1].text == "8 8 linear /dev/pmem1 0");
    CHECK(lines[1].offset == outer.words[4].offset_of(25));
}
