#!/usr/bin/env bash
# Installs every build and test dependency of daxsim from Debian's archive.
# Nothing is downloaded at build time; CMake finds these through pkg-config or
# the packages' own CMake config files (see third_party/README.md).
set -euo pipefail
packages=(
  build-essential cmake ninja-build pkg-config
  libsystemc-dev          # SystemC 2.3.4 + TLM-2.0 (pkg-config: systemc)
  libfmt-dev libspdlog-dev
  doctest-dev
  libyaml-cpp-dev
  libcli11-dev            # command-line parsing for `daxsim`
  libre2-dev              # expectation regexes (linear time, no recursion)
  nlohmann-json3-dev      # results.json / trace.json
  python3                 # scenario test helpers (JSON comparison)
  python3-jsonschema      # results.json is validated against docs/results.schema.json
  python3-matplotlib      # bench/studies/*.py draw their plots (Agg backend, no display)
  gtkwave                 # vcd2fst/fst2vcd: an independent VCD reader for the waves.vcd test
  slurm-wlm munge         # the sweep --slurm test starts a one-node Slurm cluster
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
