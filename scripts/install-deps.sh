#!/usr/bin/env bash
# Installs every Debian 12 package that building, testing, benchmarking and the demo need.
# Safe to run again; needs root (or sudo).
set -euo pipefail
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi
export DEBIAN_FRONTEND=noninteractive
PACKAGES=(
  # build
  build-essential g++ cmake ninja-build pkg-config git
  libssl-dev libnghttp2-dev libyaml-cpp-dev libev-dev
  # WAF: libmodsecurity v3 + OWASP CRS (found in /usr/share/modsecurity-crs), jemalloc for it
  libmodsecurity-dev modsecurity-crs libjemalloc-dev
  # signature engine (detectors/signatures/)
  libhyperscan-dev
  catch2
  # XML body parser of the canonical request view (detectors/canonical/)
  libxml2-dev
  # distributed rate limits: hiredis (async client); redis-server/redis-tools for the tests
  libhiredis-dev redis-server redis-tools
  # GeoIP/ASN lookups (bot/geoip_database.cpp); the Perl writer builds the tests' small .mmdb
  libmaxminddb-dev libmaxmind-db-writer-perl
  # sanitizer and fuzzing runtimes (asan preset, libFuzzer targets)
  clang libclang-rt-14-dev
  # real clients and tools used by the integration tests and the demo
  curl nghttp2-client openssl python3 python3-pytest python3-h2 python3-httpx
  # clients the bot-score tests fingerprint (tests/integration/test_bot_score.py)
  wget python3-requests sqlmap ffuf chromium
  procps iproute2 psmisc
  # a real browser for the challenge tests (tests/integration/test_challenge.py): it must solve
  # the proof-of-work page that curl and httpx cannot
  chromium
  # text that scripts/build-benign-corpus.py builds the benign corpus from
  wamerican wfrench wngerman wspanish fortunes-min
  # benchmark: nginx as the reference proxy, wrk/h2load as load generators
  nginx-light wrk linux-perf
  # bench/run.sh also measures the two proxies issue 3 names as references
  nghttp2-proxy haproxy
)
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}"
