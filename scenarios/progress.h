// A one-line progress report on stderr for long commands (sweep): shown only when stderr is a terminal,
// so logs and CI output stay free of carriage returns.
#pragma once

#include <cstddef>

namespace daxsim::scenarios {

class Progress {
  public:
    explicit Progress(std::size_t total);
    Progress(const Progress&) = delete;
    Progress& operator=(const Progress&) = delete;
    ~Progress();

    void update(std::size_t done, std::size_t failed);
    void finish(); // ends the line (idempotent)

    [[nodiscard]] bool enabled() const { return enabled_; }

  private:
    std::size_t total_;
    bool enabled_;
    bool open_ = false;
};

} // namespace daxsim::scenarios
