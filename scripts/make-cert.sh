#!/usr/bin/env bash
# Makes a self-signed certificate for the demo TLS listener (localhost, 127.0.0.1), unless one
# exists. Usage: scripts/make-cert.sh [DIR]   (default: examples/certs)
set -euo pipefail
dir=${1:-"$(dirname "$0")/../examples/certs"}
mkdir -p "$dir"
if [ -s "$dir/demo.crt" ] && [ -s "$dir/demo.key" ]; then exit 0; fi
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 825 \
  -subj "/CN=localhost" -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
  -keyout "$dir/demo.key" -out "$dir/demo.crt" 2>/dev/null
echo "made $dir/demo.crt"
