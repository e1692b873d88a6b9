// Where a piece of a scenario came from: the file as the user named it and a 1-based line and column.
// Column 0 means "the whole line" (no single token to point at).
#pragma once

#include <string>

namespace daxsim::scenarios {

struct SourceLocation {
    std::string file; // as the user passed it (no host path rewriting: results stay reproducible)
    int line = 0;     // 1-based; 0 when the problem is not in the file (a --set, the command line)
    int column = 0;   // 1-based
};

} // namespace daxsim::scenarios
