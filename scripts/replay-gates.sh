#!/usr/bin/env bash
# Replays the shared attack corpora through a real rampart and applies corpus/gates.yaml:
#   1. OWASP CRS 3.3.4 regression suite, PL4, detect mode (corpus/configs/crs-pl4-detect.yaml)
#   2. PayloadsAllTheThings lists, CRS PL1, block (corpus/configs/default-pl1-block.yaml)
#   3. rampart's benign corpus, same config: the false-positive rate
# Usage: scripts/replay-gates.sh RAMPART_BINARY [REPORT_DIR]
# Exits 77 (ctest: skipped) when ../shared/corpora is absent.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$1
reports=${2:-/tmp}
corpora="$(pwd)/../shared/corpora"
if [ ! -d "$corpora/crs-regression/tests" ] || [ ! -d "$corpora/payloadsallthethings" ]; then
  echo "shared corpora not found at $corpora: skipped"
  exit 77
fi
status=0
"$bin" replay --config corpus/configs/crs-pl4-detect.yaml --jobs 8 \
  --ignore corpus/crs-regression.ignore.yaml --gates corpus/gates.yaml --suite crs-regression \
  --report "$reports/replay-crs-regression.json" "$corpora/crs-regression/tests" || status=1
"$bin" replay --config corpus/configs/default-pl1-block.yaml --jobs 8 --expect block --place query \
  --ignore corpus/payloadsallthethings.ignore.yaml \
  --gates corpus/gates.yaml --suite payloadsallthethings \
  --report "$reports/replay-payloadsallthethings.json" "$corpora/payloadsallthethings" || status=1
# Benign corpus (corpus/benign, generated from Debian text by scripts/build-benign-corpus.py):
# realistic requests that must pass the default config; the gate is its false-positive rate.
python3 scripts/build-benign-corpus.py --out corpus/benign/generated >/dev/null
"$bin" replay --config corpus/configs/default-pl1-block.yaml --jobs 8 \
  --gates corpus/gates.yaml --suite benign \
  --report "$reports/replay-benign.json" corpus/benign/generated || status=1
exit $status
