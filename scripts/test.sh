#!/usr/bin/env bash
# One command from a fresh Debian 12 to every test: installs the packages, then builds and runs
# the unit tests, the fuzz-corpus replays and the integration tests (real binary, real clients)
# twice: in the dev preset (-Werror) and in the asan preset (AddressSanitizer + UBSan).
# Usage: scripts/test.sh [--quick]   (--quick: dev preset only)
set -euo pipefail
cd "$(dirname "$0")/.."
quick=0
[ "${1:-}" = "--quick" ] && quick=1
scripts/install-deps.sh
presets=(dev)
[ "$quick" = 1 ] || presets+=(asan)
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# Third-party leaks only, each explained in the file.
export LSAN_OPTIONS="suppressions=$(pwd)/tests/lsan.supp:print_suppressions=0"
for preset in "${presets[@]}"; do
  echo "=== preset $preset: build"
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset"
  echo "=== preset $preset: test"
  ctest --preset "$preset" --timeout 1500
done
