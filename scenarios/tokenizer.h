// Shell-like word splitting of one step: blanks separate words, "..." and '...' quote, a backslash
// escapes the next character outside quotes (and " \ $ ` inside double quotes, as sh does). Every
// character of every word remembers its offset in the step, so that a diagnostic about a word inside
// an xfs_io -c "..." string can point at the exact column.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "scenarios/diagnostics.h"

namespace daxsim::scenarios {

struct Word {
    std::string text;
    std::size_t offset = 0;                // 0-based offset of the word's first source character
    std::vector<std::size_t> char_offsets; // source offset of each character of `text`
    std::size_t end_offset = 0;            // one past the word's last source character

    // Source offset of text[i]; i == text.size() gives the end of the word.
    [[nodiscard]] std::size_t offset_of(std::size_t i) const {
        return i < char_offsets.size() ? char_offsets[i] : end_offset;
    }
};

// A tokenizer error: the message and the 0-based offset it is about.
struct TokenizeError {
    std::size_t offset = 0;
    std::string message;
};

struct Tokens {
    std::vector<Word> words;
    std::vector<TokenizeError> errors; // empty on success (an unterminated quote, a trailing backslash)
};

[[nodiscard]] Tokens tokenize(std::string_view line);

// Splits `word` again (the string of xfs_io -c "pwrite 0 4k"); offsets stay those of the outer line.
[[nodiscard]] Tokens tokenize_within(const Word& word);

// Splits a dmsetup table string at a literal backslash-n (or a real newline); each piece keeps the
// source offsets of the word.
[[nodiscard]] std::vector<Word> split_table_lines(const Word& word);

} // namespace daxsim::scenarios
