// Writes an output file so that it either appears whole or not at all: the content goes to a hidden
// temporary name in the same directory, which is renamed over the target only once fully written.
// A run that fails or is killed midway therefore never leaves a half-written results.json.
#pragma once

#include <filesystem>
#include <functional>
#include <ostream>

namespace daxsim::scenarios {

// Creates the directory if missing. Throws std::runtime_error (or what `write` throws) on failure,
// after removing the temporary file.
void write_file_atomically(const std::filesystem::path& target,
                           const std::function<void(std::ostream&)>& write);

} // namespace daxsim::scenarios
