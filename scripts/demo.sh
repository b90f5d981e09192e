#!/usr/bin/env bash
# One command from a fresh Debian 12 to a running demo: installs the packages, builds the release
# binary, makes the self-signed certificate, and serves examples/demo.yaml in the foreground
# (Ctrl-C drains and exits). Try it from another terminal:
#   curl -i http://127.0.0.1:8080/hello            # HTTP/1.1
#   curl -i --http2-prior-knowledge http://127.0.0.1:8080/hello   # h2c
#   curl -ik --http2 https://127.0.0.1:8443/hello   # h2 over TLS
#   curl http://127.0.0.1:9901/metrics              # admin
#   curl -i http://127.0.0.1:8080/challenge-demo/   # 403: the proof-of-work page; open it in a browser
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release --target rampart
scripts/make-cert.sh examples/certs
build/release/rampart validate examples/demo.yaml
exec build/release/rampart serve --config examples/demo.yaml
