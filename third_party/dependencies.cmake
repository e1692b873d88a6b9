# Finds every dependency once, for the whole tree (see third_party/README.md).
find_package(PkgConfig REQUIRED)
pkg_check_modules(SYSTEMC REQUIRED IMPORTED_TARGET systemc)
add_library(daxsim_systemc INTERFACE)
target_link_libraries(daxsim_systemc INTERFACE PkgConfig::SYSTEMC)
# Debian's libsystemc is compiled as C++17; its API-version check symbol must match.
target_compile_definitions(daxsim_systemc INTERFACE SC_CPLUSPLUS=201703L SC_INCLUDE_DYNAMIC_PROCESSES)
add_library(daxsim::systemc ALIAS daxsim_systemc)

# RE2: the `expect output` / `expect dmesg` patterns. Linear-time matching without recursion, so no
# pattern or output line, however long, can exhaust the stack (std::regex can).
pkg_check_modules(RE2 REQUIRED IMPORTED_TARGET re2)
add_library(daxsim::re2 ALIAS PkgConfig::RE2)

find_package(fmt CONFIG REQUIRED)
find_package(spdlog CONFIG REQUIRED)
find_package(yaml-cpp CONFIG REQUIRED)
find_package(CLI11 CONFIG REQUIRED)
find_package(nlohmann_json CONFIG REQUIRED)
find_package(doctest CONFIG REQUIRED)
include(doctest)
