#!/usr/bin/env bash
# bench/run.sh: rampart (inspection off) against nginx as plain reverse proxies, in one run.
#
# Everything runs on loopback, and both proxies share one backend:
#   core 0: the proxy under test (nginx with worker_processes 1, or rampart with workers: 1)
#   core 1: the backend (nginx, worker_processes 1, answers 200 "ok\n") and the load generator
#           (wrk for HTTP/1.1 keep-alive, h2load for h2 over TLS 1.3)
# Scenarios: GET, POST 2 KiB, POST 64 KiB, each over HTTP/1.1 and over h2+TLS, each against
#   nginx, rampart (decision_log "off", like-for-like with nginx's access_log off) and
#   rampart+log (decision_log written to a file in the temp dir, which is part of the product).
#   Two more reference proxies run where installed (scripts/install-deps.sh installs both):
#   nghttpx (nghttp2-proxy) and haproxy, each with one worker thread, TLS 1.3, the same
#   HTTP/1.1 keep-alive upstream pool. Issue 3 names them as reaching about 0.5x nginx's CPU
#   per request on h2 over TLS; measuring them in the same run checks that claim on this machine.
# For every run: req/s and p99 from the tool, and the proxy's CPU time per request
# (utime+stime delta from /proc/PID/stat over exactly the measured window, divided by the
# requests the tool completed). The proxies' peak RSS (VmHWM) is reported at the end.
#
# usage: bench/run.sh [--quick] [--out FILE] [--rampart BIN] [--duration S] [--keep]
#   --quick      3 s per run, 1 s warm-up (smoke run)
#   --out FILE   where the Markdown report goes (default /tmp/rampart-bench.md)
#   --rampart    the binary (default build/release/rampart)
#   --duration   seconds per measured run (default 10)
#   --keep       keep the temp dir (configs, logs, h2load per-request logs)
#   --pool N     idle upstream connections kept by each proxy (default 64, as nginx keepalive 64)
#   --no-references  skip nghttpx and haproxy
#   --h2-conns N / --h2-streams M  h2load's connections and streams per connection (default 16
#                and 10): the ratio between proxies depends on how many requests share a
#                connection (docs/benchmarks.md, "Load shapes")
#   --backend M  read (default): the backend reads the whole request body before answering;
#                discard: plain `return 200`, which answers before reading the body (nginx
#                discards it afterwards), so large POSTs get an early response
# Env: BENCH_PORT_BASE (default 18100): ports BASE..BASE+12 on 127.0.0.1 are used.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
# shellcheck source=bench/lib.sh
. "$here/lib.sh"
duration=10
warmup=2
out=/tmp/rampart-bench.md
rampart_bin="$root/build/release/rampart"
keep=0
mode=full
backend_mode="read"
pool=64
references=1
h2_conns=16
h2_streams=10
while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick) duration=3; warmup=1; mode=quick ;;
    --out) out=$2; shift ;;
    --rampart) rampart_bin=$2; shift ;;
    --duration) duration=$2; shift ;;
    --keep) keep=1 ;;
    --no-references) references=0 ;;
    --h2-conns) h2_conns=$2; shift ;;
    --h2-streams) h2_streams=$2; shift ;;
    --pool) pool=$2; shift ;;  # idle upstream connections kept by each proxy (nginx keepalive N)
    --backend) backend_mode=$2; shift
      [[ $backend_mode == read || $backend_mode == discard ]] || { echo "--backend read|discard" >&2; exit 2; } ;;
    -h|--help) sed -n 2,33p "$0"; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
  shift
done

for tool in nginx wrk h2load curl openssl taskset; do
  command -v "$tool" >/dev/null || { echo "missing $tool (apt-get install -y nginx wrk nghttp2-client curl openssl util-linux)" >&2; exit 1; }
done
[[ -x $rampart_bin ]] || { echo "no rampart binary at $rampart_bin (cmake --preset release && cmake --build --preset release --target rampart)" >&2; exit 1; }
ncpu=$(nproc)
[[ $ncpu -ge 2 ]] || { echo "need at least 2 cores (have $ncpu)" >&2; exit 1; }

base=${BENCH_PORT_BASE:-18100}
port_backend=$base
port_nginx_h1=$((base + 1)) port_nginx_tls=$((base + 2))
port_ra_h1=$((base + 3)) port_ra_tls=$((base + 4)) port_ra_admin=$((base + 5))
port_ral_h1=$((base + 6)) port_ral_tls=$((base + 7)) port_ral_admin=$((base + 8))
port_nghttpx_h1=$((base + 9)) port_nghttpx_tls=$((base + 10))
port_haproxy_h1=$((base + 11)) port_haproxy_tls=$((base + 12))
require_free_ports "$base" $((base + 12))
# Reference proxies: used when installed and not switched off.
use_nghttpx=0 use_haproxy=0
if [[ $references == 1 ]]; then
  command -v nghttpx >/dev/null && use_nghttpx=1 || echo "nghttpx not installed: no nghttpx rows (apt-get install -y nghttp2-proxy)" >&2
  command -v haproxy >/dev/null && use_haproxy=1 || echo "haproxy not installed: no haproxy rows (apt-get install -y haproxy)" >&2
fi

start_run_dir rampart-bench

# ---------------------------------------------------------------- files
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
  -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 \
  -keyout "$tmp/key.pem" -out "$tmp/cert.pem" 2>/dev/null
head -c 1536 /dev/urandom | base64 -w0 >"$tmp/body2k"     # 2048 bytes
head -c 49152 /dev/urandom | base64 -w0 >"$tmp/body64k"   # 65536 bytes
cat >"$tmp/post.lua" <<'EOF'
wrk.method = "POST"
local f = assert(io.open(os.getenv("BENCH_BODY"), "rb"))
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/octet-stream"
EOF


mkdir -p "$tmp/backend/empty" "$tmp/nginx"
if [[ $backend_mode == discard ]]; then
  # nginx's `return` answers at once and discards the body afterwards: for a 64 KiB POST the
  # response can come back before the proxy has finished sending the body.
  backend_location='    location / { return 200 "ok\n"; }'
else
  # Read the whole body before answering, as an application would: the mirror module reads the
  # body (precontent phase) before the content phase; the static handler then fails (403 for
  # GET /, 405 for POST) and error_page turns that into the same 200 "ok\n".
  backend_location="    location / {
      mirror /_sink;
      mirror_request_body on;
      root $tmp/backend/empty;
      error_page 403 404 405 =200 @ok;
    }
    location = /_sink { internal; return 204; }
    location @ok { return 200 \"ok\\n\"; }"
fi
{
  echo "worker_processes 1;"
  nginx_common "$tmp/backend"
  cat <<EOF
  server {
    listen 127.0.0.1:$port_backend backlog=4096;
$backend_location
  }
}
EOF
} >"$tmp/backend/nginx.conf"

{
  echo "worker_processes 1;"
  nginx_common "$tmp/nginx"
  cat <<EOF
  upstream backend {
    server 127.0.0.1:$port_backend;
    keepalive $pool;
    keepalive_requests 100000000;
  }
  server {
    listen 127.0.0.1:$port_nginx_h1 backlog=4096;
    listen 127.0.0.1:$port_nginx_tls ssl http2 backlog=4096;
    ssl_certificate $tmp/cert.pem;
    ssl_certificate_key $tmp/key.pem;
    ssl_protocols TLSv1.3;
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
EOF
} >"$tmp/nginx/nginx.conf"

rampart_conf() {  # $1 h1 port, $2 tls port, $3 admin port, $4 decision_log path
  cat <<EOF
workers: 1
listeners:
  - name: plain
    address: 127.0.0.1:$1
    protocols: [http1]
  - name: tls
    address: 127.0.0.1:$2
    protocols: [h2, http1]
    tls:
      min_version: "1.3"
      certificates:
        - cert: $tmp/cert.pem
          key: $tmp/key.pem
admin:
  address: 127.0.0.1:$3
limits:
  max_requests_per_connection: 100000000
  keepalive_idle_timeout_ms: 120000
decision_log:
  path: "$4"
clusters:
  - name: backend
    type: static
    endpoints: ["127.0.0.1:$port_backend"]
    max_idle_connections: $pool
routes:
  - name: all
    hosts: ["*"]
    path_prefix: /
    cluster: backend
    max_body_bytes: 1048576
EOF
}
rampart_conf "$port_ra_h1" "$port_ra_tls" "$port_ra_admin" off >"$tmp/rampart.yaml"
rampart_conf "$port_ral_h1" "$port_ral_tls" "$port_ral_admin" "$tmp/decisions.log" >"$tmp/rampart-log.yaml"
# haproxy: one thread, TLS 1.3 only, idle upstream connections reused by any client
# (`http-reuse always`, as rampart and nginx do), at most $pool of them kept idle. No log lines.
if [[ $use_haproxy == 1 ]]; then
  mkdir -p "$tmp/haproxy"
  cat "$tmp/cert.pem" "$tmp/key.pem" >"$tmp/haproxy/cert.pem"
  cat >"$tmp/haproxy/haproxy.cfg" <<EOF
global
  nbthread 1
  maxconn 4000
  ssl-default-bind-options ssl-min-ver TLSv1.3
defaults
  mode http
  timeout connect 5s
  timeout client 120s
  timeout server 120s
  timeout http-keep-alive 120s
  http-reuse always
frontend proxy
  bind 127.0.0.1:$port_haproxy_h1 backlog 4096
  bind 127.0.0.1:$port_haproxy_tls ssl crt $tmp/haproxy/cert.pem alpn h2,http/1.1 backlog 4096
  default_backend backend
backend backend
  server backend 127.0.0.1:$port_backend pool-max-conn $pool
EOF
  haproxy -c -q -f "$tmp/haproxy/haproxy.cfg"
fi

"$rampart_bin" validate "$tmp/rampart.yaml" >/dev/null
"$rampart_bin" validate "$tmp/rampart-log.yaml" >/dev/null

# ---------------------------------------------------------------- start
start_nginx() {  # $1 cpu, $2 instance dir
  taskset -c "$1" nginx -p "$2" -c "$2/nginx.conf" -e "$2/error.log" \
    -g "daemon off; pid $2/nginx.pid; error_log $2/error.log;" &
  pids+=($!)
}
start_rampart() {  # $1 config, $2 log prefix
  taskset -c 0 "$rampart_bin" serve --config "$1" >"$2.stdout" 2>"$2.stderr" &
  pids+=($!)
}
start_nginx 1 "$tmp/backend"; pid_backend=${pids[-1]}
start_nginx 0 "$tmp/nginx"; pid_nginx=${pids[-1]}
start_rampart "$tmp/rampart.yaml" "$tmp/rampart"; pid_ra=${pids[-1]}
pid_nghttpx="" pid_haproxy=""
if [[ $use_nghttpx == 1 ]]; then
  # One worker thread; no access log (its default); TLS 1.3 only; an HTTP/1.1 backend whose
  # idle connections it keeps (--conf /dev/null: ignore the package's sample config).
  taskset -c 0 nghttpx --conf=/dev/null --workers=1 \
    --frontend="127.0.0.1,$port_nghttpx_h1;no-tls" --frontend="127.0.0.1,$port_nghttpx_tls" \
    --backend="127.0.0.1,$port_backend" --tls-min-proto-version=TLSv1.3 \
    --backend-keep-alive-timeout=120s --frontend-keep-alive-timeout=120s \
    --errorlog-file="$tmp/nghttpx.err" "$tmp/key.pem" "$tmp/cert.pem" >"$tmp/nghttpx.stdout" 2>&1 &
  pids+=($!); pid_nghttpx=$!
fi
if [[ $use_haproxy == 1 ]]; then
  taskset -c 0 haproxy -db -f "$tmp/haproxy/haproxy.cfg" >"$tmp/haproxy.stdout" 2>&1 &
  pids+=($!); pid_haproxy=$!
fi
start_rampart "$tmp/rampart-log.yaml" "$tmp/rampart-log"; pid_ral=${pids[-1]}

for u in "http://127.0.0.1:$port_backend/" "http://127.0.0.1:$port_nginx_h1/" \
         "https://127.0.0.1:$port_nginx_tls/" "http://127.0.0.1:$port_ra_h1/" \
         "https://127.0.0.1:$port_ra_tls/" "http://127.0.0.1:$port_ral_h1/" \
         "https://127.0.0.1:$port_ral_tls/"; do
  wait_up "$u"
done
ref_h1_urls=() ref_tls_urls=()
if [[ $use_nghttpx == 1 ]]; then
  ref_h1_urls+=("http://127.0.0.1:$port_nghttpx_h1/"); ref_tls_urls+=("https://127.0.0.1:$port_nghttpx_tls/")
fi
if [[ $use_haproxy == 1 ]]; then
  ref_h1_urls+=("http://127.0.0.1:$port_haproxy_h1/"); ref_tls_urls+=("https://127.0.0.1:$port_haproxy_tls/")
fi
for u in "${ref_h1_urls[@]}" "${ref_tls_urls[@]}"; do wait_up "$u"; done

# Functional check: each proxy returns the backend's body, for GET and a 64 KiB POST, over
# HTTP/1.1 and h2.
check() {  # $1 url, $2 extra curl args
  local got
  # shellcheck disable=SC2086
  got=$(curl -sk --max-time 5 $2 -w ' %{http_code} %{http_version}' "$1") || true
  case "$got" in
    "ok"$'\n'" 200 "*) ;;
    *) echo "functional check failed for $1 $2: '$got'" >&2; exit 1 ;;
  esac
}
for u in "http://127.0.0.1:$port_nginx_h1/" "http://127.0.0.1:$port_ra_h1/" "http://127.0.0.1:$port_ral_h1/" "${ref_h1_urls[@]}"; do
  check "$u" "--http1.1"; check "$u" "--http1.1 --data-binary @$tmp/body64k"
done
for u in "https://127.0.0.1:$port_nginx_tls/" "https://127.0.0.1:$port_ra_tls/" "https://127.0.0.1:$port_ral_tls/" "${ref_tls_urls[@]}"; do
  check "$u" "--http2"; check "$u" "--http2 --data-binary @$tmp/body64k"
done

# ---------------------------------------------------------------- measuring
alive() {
  local p
  for p in "$pid_backend" "$pid_nginx" "$pid_ra" "$pid_ral" $pid_nghttpx $pid_haproxy; do
    kill -0 "$p" 2>/dev/null || { echo "process $p died" >&2; tail -n 30 "$tmp"/*.stderr "$tmp"/*/error.log >&2 2>/dev/null; exit 1; }
  done
}


# run_load PROTO BODY URL SECONDS OUTFILE: run the load generator on core 1.
run_load() {
  local proto=$1 body=$2 url=$3 secs=$4 of=$5
  if [[ $proto == h1 ]]; then
    if [[ $body == none ]]; then
      taskset -c 1 wrk -t1 -c32 -d"${secs}s" --latency "$url" >"$of" 2>&1
    else
      BENCH_BODY=$body taskset -c 1 wrk -t1 -c32 -d"${secs}s" --latency -s "$tmp/post.lua" "$url" >"$of" 2>&1
    fi
  else
    local dflag=()
    [[ $body != none ]] && dflag=(-d "$body")
    taskset -c 1 h2load -c "$h2_conns" -m "$h2_streams" -t 1 -D "$secs" "${dflag[@]}" --log-file="$of.log" "$url" >"$of" 2>&1
  fi
}

results=()   # "scenario|proto|proxy|rps|p99|cpu_us|errors"
declare -A cpu_of
run_one() {  # scenario proto proxy-label pid url body
  local scen=$1 proto=$2 label=$3 pid=$4 url=$5 body=$6
  local tag="${scen}-${proto}-${label}" of
  of="$tmp/load-$tag.txt"
  alive
  run_load "$proto" "$body" "$url" "$warmup" "$tmp/warm-$tag.txt" || true
  sleep 0.3
  local t0 t1 requests rps p99 errors
  t0=$(cpu_ticks "$pid")
  run_load "$proto" "$body" "$url" "$duration" "$of" || { echo "load generator failed ($tag):" >&2; cat "$of" >&2; exit 1; }
  t1=$(cpu_ticks "$pid")
  if [[ $proto == h1 ]]; then
    requests=$(awk '/requests in/ {print $1}' "$of")
    rps=$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' "$of")
    p99=$(to_ms "$(awk '$1 == "99%" {print $2}' "$of")")
    local non2xx sockerr
    non2xx=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' "$of"); non2xx=${non2xx:-0}
    sockerr=$(awk '/Socket errors:/ {sub(/.*Socket errors: /, ""); print}' "$of")
    errors="non2xx=$non2xx"
    [[ -n $sockerr ]] && errors+=" sockerr=[$sockerr]"
    [[ $non2xx == 0 && -z $sockerr ]] && errors=0
  else
    grep -q 'Application protocol: h2' "$of" || { echo "h2load did not negotiate h2 ($tag):" >&2; cat "$of" >&2; exit 1; }
    requests=$(awk '/^requests:/ {print $6}' "$of")   # "N done"
    rps=$(awk '/^finished in/ {gsub(/,/, ""); printf "%.0f", $4}' "$of")
    p99=$(h2load_latency "$of.log" | awk '{ if ($2 == "?") print "?"; else printf "%.2f", $2 }')
    local failed errored timeout s3 s4 s5
    read -r failed errored timeout < <(awk '/^requests:/ {print $10, $12, $14}' "$of")
    read -r s3 s4 s5 < <(awk '/^status codes:/ {print $5, $7, $9}' "$of")
    errors=0
    if [[ "$failed$errored$timeout$s3$s4$s5" != "000000" ]]; then
      errors="failed=$failed errored=$errored timeout=$timeout 3xx=$s3 4xx=$s4 5xx=$s5"
    fi
  fi
  local cpu_us
  cpu_us=$(awk -v d=$((t1 - t0)) -v hz="$clk_tck" -v n="$requests" 'BEGIN { if (n > 0) printf "%.2f", d * 1e6 / hz / n; else print "?" }')
  cpu_of["$scen|$proto|$label"]=$cpu_us
  results+=("$scen|$proto|$label|$rps|$p99|$cpu_us|$errors")
  printf '  %-8s %-7s %-12s %9s req/s  p99 %7s ms  cpu %7s us/req  (%s requests, %s ticks)  errors: %s\n' \
    "$scen" "$proto" "$label" "$rps" "$p99" "$cpu_us" "$requests" $((t1 - t0)) "$errors" >&2
}

scenarios=("GET:none" "POST-2KiB:$tmp/body2k" "POST-64KiB:$tmp/body64k")
echo "rampart bench ($mode): ${duration}s per run, ${warmup}s warm-up; temp dir $tmp" >&2
started=$(date +%s)
for s in "${scenarios[@]}"; do
  scen=${s%%:*} body=${s#*:}
  for proto in h1 h2tls; do
    if [[ $proto == h1 ]]; then
      run_one "$scen" "$proto" nginx "$pid_nginx" "http://127.0.0.1:$port_nginx_h1/" "$body"
      run_one "$scen" "$proto" rampart "$pid_ra" "http://127.0.0.1:$port_ra_h1/" "$body"
      run_one "$scen" "$proto" rampart+log "$pid_ral" "http://127.0.0.1:$port_ral_h1/" "$body"
      [[ -n $pid_nghttpx ]] && run_one "$scen" "$proto" nghttpx "$pid_nghttpx" "http://127.0.0.1:$port_nghttpx_h1/" "$body"
      [[ -n $pid_haproxy ]] && run_one "$scen" "$proto" haproxy "$pid_haproxy" "http://127.0.0.1:$port_haproxy_h1/" "$body"
    else
      run_one "$scen" "$proto" nginx "$pid_nginx" "https://127.0.0.1:$port_nginx_tls/" "$body"
      run_one "$scen" "$proto" rampart "$pid_ra" "https://127.0.0.1:$port_ra_tls/" "$body"
      run_one "$scen" "$proto" rampart+log "$pid_ral" "https://127.0.0.1:$port_ral_tls/" "$body"
      [[ -n $pid_nghttpx ]] && run_one "$scen" "$proto" nghttpx "$pid_nghttpx" "https://127.0.0.1:$port_nghttpx_tls/" "$body"
      [[ -n $pid_haproxy ]] && run_one "$scen" "$proto" haproxy "$pid_haproxy" "https://127.0.0.1:$port_haproxy_tls/" "$body"
    fi
  done
done
alive
elapsed=$(($(date +%s) - started))
hwm_nginx=$(hwm_kib "$pid_nginx") hwm_ra=$(hwm_kib "$pid_ra") hwm_ral=$(hwm_kib "$pid_ral")
hwm_refs=""
[[ -n $pid_nghttpx ]] && hwm_refs+=", nghttpx $(($(hwm_kib "$pid_nghttpx") / 1024)) MiB"
[[ -n $pid_haproxy ]] && hwm_refs+=", haproxy $(($(hwm_kib "$pid_haproxy") / 1024)) MiB"
ref_versions=""
[[ -n $pid_nghttpx ]] && ref_versions+=", $(nghttpx --version | awk '{sub(/.*\//, "", $2); print "nghttpx", $2}')"
[[ -n $pid_haproxy ]] && ref_versions+=", haproxy $(haproxy -v | awk 'NR == 1 {print $3}')"
log_lines=$(wc -l <"$tmp/decisions.log" 2>/dev/null || echo 0)
log_bytes=$(stat -c %s "$tmp/decisions.log" 2>/dev/null || echo 0)
ral_requests=0
for f in "$tmp"/load-*-rampart+log.txt "$tmp"/warm-*-rampart+log.txt; do
  if grep -q 'requests in' "$f"; then n=$(awk '/requests in/ {print $1}' "$f")
  else n=$(awk '/^requests:/ {print $6}' "$f"); fi
  ral_requests=$((ral_requests + ${n:-0}))
done
sleep 1   # let the log writer flush
log_lines=$(wc -l <"$tmp/decisions.log" 2>/dev/null || echo 0)

# ---------------------------------------------------------------- report
proto_name() { [[ $1 == h1 ]] && echo "HTTP/1.1" || echo "h2+TLS1.3"; }
{
  echo "# rampart vs nginx: reverse proxy benchmark"
  echo
  echo "$(date -u +%Y-%m-%dT%H:%MZ), $(uname -r), $ncpu cores ($(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)),"
  echo "$("$rampart_bin" version), nginx $(nginx -v 2>&1 | sed 's/.*nginx\///'), $(wrk -v 2>&1 | awk 'NR == 1 {print "wrk", $2}'), $(h2load --version | awk '{print $2}')$ref_versions."
  echo "Mode: $mode, ${duration}s per run after ${warmup}s warm-up. Proxy under test on core 0 (one worker);"
  echo "backend nginx (body mode: $backend_mode) and load generator share core 1. wrk -t1 -c32 (HTTP/1.1 keep-alive); h2load -c$h2_conns -m$h2_streams -t1 (h2, TLS 1.3, P-256)."
  echo
  echo "| scenario | protocol | proxy | req/s | p99 ms | CPU µs/req | CPU ratio vs nginx | errors / non-2xx |"
  echo "| --- | --- | --- | ---: | ---: | ---: | ---: | --- |"
  for r in "${results[@]}"; do
    IFS='|' read -r scen proto label rps p99 cpu errors <<<"$r"
    ng=${cpu_of["$scen|$proto|nginx"]}
    ratio=$(awk -v a="$cpu" -v b="$ng" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "?" }')
    [[ $label == nginx ]] && ratio="1.00"
    echo "| $scen | $(proto_name "$proto") | $label | $rps | $p99 | $cpu | $ratio | $errors |"
  done
  echo
  echo "Peak RSS (VmHWM over the whole run): nginx worker $((hwm_nginx / 1024)) MiB, rampart $((hwm_ra / 1024)) MiB, rampart+log $((hwm_ral / 1024)) MiB$hwm_refs."
  echo "Decision log (rampart+log): $log_lines lines, $((log_bytes / 1024)) KiB for $ral_requests requests sent (warm-ups included)."
  echo
  h1_ok=0 h1_n=0 h2_ok=0 h2_n=0 h1_detail="" h2_detail=""
  for s in "${scenarios[@]}"; do
    scen=${s%%:*}
    r=$(awk -v a="${cpu_of["$scen|h1|rampart"]}" -v b="${cpu_of["$scen|h1|nginx"]}" 'BEGIN { printf "%.2f", a / b }')
    h1_n=$((h1_n + 1)); h1_detail+=" $scen=${r}x"
    awk -v r="$r" 'BEGIN { exit !(r <= 1.0) }' && h1_ok=$((h1_ok + 1))
    r=$(awk -v a="${cpu_of["$scen|h2tls|rampart"]}" -v b="${cpu_of["$scen|h2tls|nginx"]}" 'BEGIN { printf "%.2f", a / b }')
    h2_n=$((h2_n + 1)); h2_detail+=" $scen=${r}x"
    awk -v r="$r" 'BEGIN { exit !(r <= 0.6) }' && h2_ok=$((h2_ok + 1))
  done
  verdict() { [[ $1 == "$2" ]] && echo MET || echo MISSED; }
  echo "**Targets** (rampart, decision_log off): HTTP/1.1 CPU/req ≤ 1.0× nginx: $(verdict $h1_ok $h1_n) ($h1_ok/$h1_n;$h1_detail);" \
       "h2+TLS CPU/req ≤ 0.6× nginx: $(verdict $h2_ok $h2_n) ($h2_ok/$h2_n;$h2_detail)."
  for ref in nghttpx haproxy; do
    [[ -n ${cpu_of["GET|h2tls|$ref"]:-} ]] || continue
    detail=""
    for s in "${scenarios[@]}"; do
      scen=${s%%:*}
      detail+=" $scen=$(awk -v a="${cpu_of["$scen|h2tls|$ref"]}" -v b="${cpu_of["$scen|h2tls|nginx"]}" 'BEGIN { printf "%.2f", a / b }')x"
    done
    echo
    echo "Reference: $ref h2+TLS CPU/req against nginx:$detail."
  done
} >"$out"
cat "$out"
echo "(written to $out; ${elapsed}s of load)" >&2
