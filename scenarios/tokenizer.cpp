#include "scenarios/tokenizer.h"

namespace daxsim::scenarios {
namespace {

bool is_blank(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

// Tokenizes `line` where line[i] sits at source offset map(i).
template <class Map> Tokens tokenize_mapped(std::string_view line, Map map) {
    Tokens out;
    std::size_t i = 0;
    const std::size_t n = line.size();
    while (i < n) {
        while (i < n && is_blank(line[i]))
            ++i;
        if (i >= n) break;
        Word w;
        w.offset = map(i);
        auto put = [&](std::size_t at) {
            w.text.push_back(line[at]);
            w.char_offsets.push_back(map(at));
        };
        while (i < n && !is_blank(line[i])) {
            const char c = line[i];
            if (c == '\\') {
                if (i + 1 >= n) {
                    out.errors.push_back({map(i), "a backslash at the end of the step escapes nothing"});
                    ++i;
                    break;
                }
                put(i + 1);
                i += 2;
            } else if (c == '\'') {
                const std::size_t open = i++;
                while (i < n && line[i] != '\'')
                    put(i++);
                if (i >= n) {
                    out.errors.push_back({map(open), "unterminated ' quote"});
                    break;
                }
                ++i;
            } else if (c == '"') {
                const std::size_t open = i++;
                while (i < n && line[i] != '"') {
                    if (line[i] == '\\' && i + 1 < n &&
                        (line[i + 1] == '"' || line[i + 1] == '\\' || line[i + 1] == '$' ||
                         line[i + 1] == '`')) {
                        put(i + 1);
                        i += 2;
                    } else {
                        put(i++);
                    }
                }
                if (i >= n) {
                    out.errors.push_back({map(open), "unterminated \" quote"});
                    break;
                }
                ++i;
            } else {
                put(i++);
            }
        }
        w.end_offset = i < n ? map(i) : (n == 0 ? map(0) : map(n - 1) + 1);
        out.words.push_back(std::move(w));
    }
    return out;
}

} // namespace

Tokens tokenize(std::string_view line) {
    return tokenize_mapped(line, [](std::size_t i) { return i; });
}

Tokens tokenize_within(const Word& word) {
    return tokenize_mapped(word.text, [&word](std::size_t i) { return word.offset_of(i); });
}

std::vector<Word> split_table_lines(const Word& word) {
    std::vector<Word> lines;
    Word cur;
    cur.offset = word.offset_of(0);
    const std::string& t = word.text;
    for (std::size_t i = 0; i < t.size(); ++i) {
        const bool escaped_newline = t[i] == '\\' && i + 1 < t.size() && t[i + 1] == 'n';
        if (escaped_newline || t[i] == '\n') {
            cur.end_offset = word.offset_of(i);
            lines.push_back(std::move(cur));
            cur = Word{};
            i += escaped_newline ? 1 : 0;
            cur.offset = word.offset_of(i + 1);
            continue;
        }
        cur.text.push_back(t[i]);
        cur.char_offsets.push_back(word.offset_of(i));
    }
    cur.end_offset = word.offset_of(t.size());
    lines.push_back(std::move(cur));
    return lines;
}

} // namespace daxsim::scenarios
