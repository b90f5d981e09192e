#!/usr/bin/env bash
# bench/waf.sh: rampart + OWASP CRS against nginx + ModSecurity (same CRS, same paranoia level),
# one worker each pinned to one core, in one run.
#
# Everything runs on loopback, and both proxies share one backend:
#   core 0: the proxy under test: nginx (worker_processes 1) with the ModSecurity-nginx connector
#           (Debian's libnginx-mod-http-modsecurity), or rampart (workers: 1, one heavy and one
#           light inspection thread; the whole process is pinned, inspection threads included).
#           Only one proxy is loaded at a time.
#   core 1: the backend (nginx, worker_processes 1, reads the whole request body, answers 200) and
#           the load generator (wrk, HTTP/1.1 keep-alive, -t1 -c8, bench/waf/wrk.lua).
# Both proxies run the same rules: the SecLang text rampart generates for a route with
# `waf: {mode: block, paranoia_level: 1}` (detectors/modsecurity/rules_set.cpp,
# generateRulesText) is written out for nginx's `modsecurity_rules_file`: the engine settings,
# the body-processor rules 200000-200003, SecAction 900000 (PL1, thresholds 5/4), then
# rules/libmodsecurity-compat.conf, rules/crs-setup.conf, rules/exclusions-before-crs.conf,
# CRS rules/*.conf in name order, rules/exclusions-after-crs.conf; rampart is pointed at the same
# files explicitly. No audit log, no debug log, no per-request log in either (rampart
# decision_log "off"; nginx access_log off and error_log at crit).
# Scenarios (bench/waf/ holds the headers and bodies):
#   GET          Chrome 131 navigation headers and cookies, a product page with a short query: 200
#   POST-JSON-2K a 2 KiB application/json checkout order (nested objects, prose): 200
#   POST-FORM-64K a 64 KiB application/x-www-form-urlencoded admin form (~600 fields of words): 200
#   GET-SQLi     the GET headers, ?id=1' or 1=1-- (URL-encoded): 403 from both
# Before each measured run both proxies are checked with curl for the expected status, and every
# response of every run is counted by status (wrk Lua); unexpected ones are reported.
# For every run: req/s and p99 from wrk, and the proxy's CPU time per request (utime+stime delta
# from /proc/PID/stat, for rampart the whole process with all its threads, for nginx the master
# and its worker, over exactly the measured window, divided by the requests wrk completed).
# The proxies' peak RSS (VmHWM) is reported at the end.
#
# usage: bench/waf.sh [--quick] [--out FILE] [--rampart BIN] [--duration S] [--connections N] [--keep]
#   --quick        3 s per run, 1 s warm-up (smoke run)
#   --out FILE     where the Markdown report goes (default /tmp/rampart-waf-bench.md)
#   --rampart BIN  the binary (default build/release/rampart)
#   --duration S   seconds per measured run (default 10; warm-up 2 s)
#   --connections N  wrk connections (default 8)
#   --keep         keep the temp dir (configs, generated rules, bodies, wrk output)
#   --nginx-jemalloc  also run a third proxy, nginx+ModSecurity with LD_PRELOAD=libjemalloc.so.2
#                  (rampart links jemalloc; libmodsecurity allocates heavily, so this shows how
#                  much of the difference is the allocator)
# Env: BENCH_PORT_BASE (default 18200): ports BASE..BASE+4 on 127.0.0.1 are used.
# Installs libnginx-mod-http-modsecurity with apt-get if its module is missing.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
# shellcheck source=bench/lib.sh
. "$here/lib.sh"
assets="$here/waf"
duration=10
warmup=2
out=/tmp/rampart-waf-bench.md
rampart_bin="$root/build/release/rampart"
keep=0
mode=full
conns=8
nginx_je=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick) duration=3; warmup=1; mode=quick ;;
    --out) out=$2; shift ;;
    --rampart) rampart_bin=$2; shift ;;
    --duration) duration=$2; shift ;;
    --connections) conns=$2; shift ;;
    --keep) keep=1 ;;
    --nginx-jemalloc) nginx_je=1 ;;
    -h|--help) sed -n 2,43p "$0"; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
  shift
done

for tool in nginx wrk curl taskset awk; do
  command -v "$tool" >/dev/null || { echo "missing $tool (apt-get install -y nginx wrk curl util-linux mawk)" >&2; exit 1; }
done
[[ -x $rampart_bin ]] || { echo "no rampart binary at $rampart_bin (cmake --preset release && cmake --build build/release --target rampart)" >&2; exit 1; }
ncpu=$(nproc)
[[ $ncpu -ge 2 ]] || { echo "need at least 2 cores (have $ncpu)" >&2; exit 1; }

modsec_module=/usr/lib/nginx/modules/ngx_http_modsecurity_module.so
crs_dir=/usr/share/modsecurity-crs
if [[ ! -f $modsec_module ]]; then
  echo "installing libnginx-mod-http-modsecurity (the ModSecurity-nginx connector)" >&2
  sudo_=()
  [[ $(id -u) == 0 ]] || sudo_=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  if ! "${sudo_[@]}" apt-get install -y libnginx-mod-http-modsecurity >&2; then
    "${sudo_[@]}" apt-get update >&2
    "${sudo_[@]}" apt-get install -y libnginx-mod-http-modsecurity >&2
  fi
fi
[[ -f $modsec_module ]] || { echo "no $modsec_module after installing libnginx-mod-http-modsecurity" >&2; exit 1; }
[[ -d $crs_dir/rules ]] || { echo "no CRS at $crs_dir (apt-get install -y modsecurity-crs)" >&2; exit 1; }
for f in libmodsecurity-compat.conf crs-setup.conf exclusions-before-crs.conf exclusions-after-crs.conf; do
  [[ -f $root/rules/$f ]] || { echo "missing $root/rules/$f" >&2; exit 1; }
done
jemalloc_so=""
if [[ $nginx_je == 1 ]]; then
  jemalloc_so=$(ldconfig -p | awk '/libjemalloc\.so\.2 / {print $NF; exit}')
  [[ -n $jemalloc_so ]] || { echo "--nginx-jemalloc: no libjemalloc.so.2 (apt-get install -y libjemalloc2)" >&2; exit 1; }
fi
pkg_version() { dpkg-query -W -f '${Version}' "$1" 2>/dev/null || echo "?"; }

base=${BENCH_PORT_BASE:-18200}
port_backend=$base port_nginx=$((base + 1)) port_ra=$((base + 2)) port_ra_admin=$((base + 3))
port_nginx_je=$((base + 4))
require_free_ports "$base" $((base + 4))

start_run_dir rampart-waf-bench

# ---------------------------------------------------------------- files
awk -v target=65536 -f "$assets/form.awk" </dev/null >"$tmp/form64k" 2>"$tmp/form.info"
form_fields=$(awk '{print $(NF - 3)}' "$tmp/form.info")   # "... N fields, M bytes"
body_limit=1048576    # rampart's max_body_bytes; its rule set uses it as SecRequestBodyLimit
arguments_limit=1000  # rampart's waf.arguments_limit default

# The rule text of detectors/modsecurity/rules_set.cpp generateRulesText for
# {mode: block, paranoia_level: 1, thresholds 5/4, inspect_response_body: false}, with the
# default waf.response_body_mime_types and the files rampart is given below.
{
  echo "# generated by bench/waf.sh: what rampart compiles for waf {mode: block, paranoia_level: 1}"
  echo "SecRuleEngine On"
  echo "SecRequestBodyAccess On"
  echo "SecRequestBodyLimit $body_limit"
  echo "SecRequestBodyNoFilesLimit $body_limit"
  echo "SecRequestBodyLimitAction Reject"
  echo "SecArgumentsLimit $arguments_limit"
  echo "SecResponseBodyAccess Off"
  echo "SecResponseBodyMimeType application/json text/html text/plain"
  echo "SecResponseBodyLimit 524288"
  echo "SecResponseBodyLimitAction ProcessPartial"
  echo "SecAuditEngine Off"
  cat <<'EOF'
SecRule REQUEST_HEADERS:Content-Type "@rx ^(?:application(?:/soap\+|/)|text/)xml" "id:200000,phase:1,t:none,t:lowercase,pass,nolog,ctl:requestBodyProcessor=XML"
SecRule REQUEST_HEADERS:Content-Type "@rx ^application/json" "id:200001,phase:1,t:none,t:lowercase,pass,nolog,ctl:requestBodyProcessor=JSON"
SecRule REQBODY_ERROR "!@eq 0" "id:200002,phase:2,t:none,log,deny,status:400,msg:'Failed to parse request body.',logdata:'%{reqbody_error_msg}',severity:2"
SecRule MULTIPART_STRICT_ERROR "!@eq 0" "id:200003,phase:2,t:none,log,deny,status:400,msg:'Multipart request body failed strict validation'"
SecAction "id:900000,phase:1,pass,nolog,t:none,setvar:tx.paranoia_level=1,setvar:tx.executing_paranoia_level=1,setvar:tx.inbound_anomaly_score_threshold=5,setvar:tx.outbound_anomaly_score_threshold=4"
EOF
  echo "Include \"$root/rules/libmodsecurity-compat.conf\""
  echo "Include \"$root/rules/crs-setup.conf\""
  echo "Include \"$root/rules/exclusions-before-crs.conf\""
  # std::sort order: bytewise
  find "$crs_dir/rules" -maxdepth 1 -name '*.conf' | LC_ALL=C sort | sed 's/.*/Include "&"/'
  echo "Include \"$root/rules/exclusions-after-crs.conf\""
} >"$tmp/modsec-main.conf"
crs_files=$(grep -c "^Include \"$crs_dir/rules/" "$tmp/modsec-main.conf")


mkdir -p "$tmp/backend/empty" "$tmp/nginx" "$tmp/nginx-je"
# The backend reads the whole body before answering, as an application would (as bench/run.sh
# --backend read): the mirror module reads the body (precontent phase) before the content phase;
# the static handler then fails (404 for GET, 405 for POST) and error_page turns that into 200.
{
  echo "worker_processes 1;"
  nginx_common "$tmp/backend"
  cat <<EOF
  server {
    listen 127.0.0.1:$port_backend backlog=4096;
    location / {
      mirror /_sink;
      mirror_request_body on;
      root $tmp/backend/empty;
      error_page 403 404 405 =200 @ok;
    }
    location = /_sink { internal; return 204; }
    location @ok { return 200 "ok\n"; }
  }
}
EOF
} >"$tmp/backend/nginx.conf"

proxy_nginx_conf() {  # $1 instance dir, $2 port
  echo "load_module $modsec_module;"
  echo "worker_processes 1;"
  nginx_common "$1"
  cat <<EOF
  modsecurity on;
  modsecurity_rules_file $tmp/modsec-main.conf;
  upstream backend {
    server 127.0.0.1:$port_backend;
    keepalive 64;
    keepalive_requests 100000000;
  }
  server {
    listen 127.0.0.1:$2 backlog=4096;
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
EOF
}
proxy_nginx_conf "$tmp/nginx" "$port_nginx" >"$tmp/nginx/nginx.conf"
proxy_nginx_conf "$tmp/nginx-je" "$port_nginx_je" >"$tmp/nginx-je/nginx.conf"

rampart_conf() {  # $1 = 1 to set waf.inspection_light_threads
  cat <<EOF
workers: 1
listeners:
  - name: plain
    address: 127.0.0.1:$port_ra
    protocols: [http1]
admin:
  address: 127.0.0.1:$port_ra_admin
limits:
  max_requests_per_connection: 100000000
  keepalive_idle_timeout_ms: 120000
decision_log:
  path: "off"
waf:
  crs_path: $crs_dir
  engine_compat: $root/rules/libmodsecurity-compat.conf
  crs_setup: $root/rules/crs-setup.conf
  exclusions_before: $root/rules/exclusions-before-crs.conf
  exclusions_after: $root/rules/exclusions-after-crs.conf
  arguments_limit: $arguments_limit
  inspection_threads: 1
EOF
  [[ $1 == 1 ]] && echo "  inspection_light_threads: 1"
  cat <<EOF
clusters:
  - name: backend
    type: static
    endpoints: ["127.0.0.1:$port_backend"]
    max_idle_connections: 64
routes:
  - name: all
    hosts: ["*"]
    path_prefix: /
    cluster: backend
    max_body_bytes: $body_limit
    waf:
      mode: block
      paranoia_level: 1
      inbound_anomaly_threshold: 5
      outbound_anomaly_threshold: 4
EOF
}
light_threads="1 heavy + 1 light"
rampart_conf 1 >"$tmp/rampart.yaml"
if ! "$rampart_bin" validate "$tmp/rampart.yaml" >"$tmp/validate.txt" 2>&1; then
  if grep -q inspection_light_threads "$tmp/validate.txt"; then
    echo "this rampart does not know waf.inspection_light_threads: left out" >&2
    light_threads="1"
    rampart_conf 0 >"$tmp/rampart.yaml"
    "$rampart_bin" validate "$tmp/rampart.yaml" >/dev/null
  else
    cat "$tmp/validate.txt" >&2; exit 1
  fi
fi

# ---------------------------------------------------------------- start
start_nginx() {  # $1 cpu, $2 instance dir, $3 error_log level
  taskset -c "$1" nginx -p "$2" -c "$2/nginx.conf" -e "$2/error.log" \
    -g "daemon off; pid $2/nginx.pid; error_log $2/error.log $3;" &
  pids+=($!)
}
start_nginx 1 "$tmp/backend" error
# crit: the connector logs every block at "error" and every rule match at "info"; rampart's
# decision log is off, so neither writes a per-request line.
start_nginx 0 "$tmp/nginx" crit; pid_nginx=${pids[-1]}
proxies=("nginx+ModSecurity|$pid_nginx|$port_nginx")
if [[ $nginx_je == 1 ]]; then
  # The master is forked into the worker (no exec), so the preloaded allocator stays.
  LD_PRELOAD=$jemalloc_so start_nginx 0 "$tmp/nginx-je" crit; pid_nginx_je=${pids[-1]}
  proxies+=("nginx+ModSecurity+jemalloc|$pid_nginx_je|$port_nginx_je")
fi
taskset -c 0 "$rampart_bin" serve --config "$tmp/rampart.yaml" >"$tmp/rampart.stdout" 2>"$tmp/rampart.stderr" &
pids+=($!); pid_ra=${pids[-1]}
proxies+=("rampart+CRS|$pid_ra|$port_ra")

wait_up "http://127.0.0.1:$port_backend/"
for x in "${proxies[@]}"; do
  IFS='|' read -r _ _ port <<<"$x"
  wait_up "http://127.0.0.1:$port/"
done

# ---------------------------------------------------------------- scenarios
# name|method|path|headers file|body file|expected status
scenarios=(
  "GET|GET|/products/t-shirts/organic-cotton-tee?color=blue&size=m&ref=home|$assets/headers-get.txt||200"
  "POST-JSON-2K|POST|/api/v1/checkout/orders|$assets/headers-json.txt|$assets/order.json|200"
  "POST-FORM-64K|POST|/admin/catalogue/products/bulk-edit?page=3|$assets/headers-form.txt|$tmp/form64k|200"
  "GET-SQLi|GET|/products?id=1%27%20or%201%3D1--|$assets/headers-get.txt||403"
)

probe() {  # $1 url, $2 method, $3 headers file, $4 body file -> status code
  local args=(-s -o /dev/null --max-time 5 -w '%{http_code}' -X "$2" -H "@$3")
  [[ -n $4 ]] && args+=(--data-binary "@$4")
  curl "${args[@]}" "$1" || true
}

# Both inspect bodies: the same JSON and form with an SQL injection in a value must be blocked.
sed 's/"engraving":"For Paul, with love"/"engraving":"1\x27 or 1=1--"/' "$assets/order.json" >"$tmp/order-sqli.json"
{ cat "$tmp/form64k"; printf '&form-999-title=1%%27%%20union%%20select%%20password%%20from%%20users--'; } >"$tmp/form-sqli"
grep -q "1' or 1=1--" "$tmp/order-sqli.json" || { echo "could not plant the SQLi in the JSON body" >&2; exit 1; }
for x in "${proxies[@]}"; do
  IFS='|' read -r _ _ port <<<"$x"
  for c in "/api/v1/checkout/orders|$assets/headers-json.txt|$tmp/order-sqli.json" \
           "/admin/catalogue/products/bulk-edit?page=3|$assets/headers-form.txt|$tmp/form-sqli"; do
    IFS='|' read -r path hdr body <<<"$c"
    got=$(probe "http://127.0.0.1:$port$path" POST "$hdr" "$body")
    [[ $got == 403 ]] || { echo "body inspection check: port $port answers $got (expected 403) for SQLi in $body" >&2; exit 1; }
  done
done

# ---------------------------------------------------------------- measuring
alive() {
  local p
  for p in "${pids[@]}"; do
    kill -0 "$p" 2>/dev/null || { echo "process $p died" >&2; tail -n 30 "$tmp"/*.stderr "$tmp"/*/error.log >&2 2>/dev/null; exit 1; }
  done
}
run_load() {  # url method headers body seconds outfile: wrk on core 1
  # --timeout 30s: a 64 KiB form costs the WAF ~0.1 s of CPU, so with 8 connections queued on
  # one core a response can take longer than wrk's default 2 s, and wrk does not count those.
  BENCH_METHOD=$2 BENCH_HEADERS=$3 BENCH_BODY=$4 taskset -c 1 \
    wrk -t1 -c"$conns" -d"${5}s" --timeout 30s --latency -s "$assets/wrk.lua" "$1" >"$6" 2>&1
}

results=()   # "scenario|proxy|rps|p99|cpu_us|busy|precheck|unexpected"
declare -A cpu_of
run_one() {  # scenario label pid port method path headers body expect
  local scen=$1 label=$2 pid=$3 url="http://127.0.0.1:$4$6" method=$5 hdr=$7 body=$8 expect=$9
  local tag="${scen}-${label}" of pre
  of="$tmp/load-$tag.txt"
  alive
  pre=$(probe "$url" "$method" "$hdr" "$body")
  [[ $pre == "$expect" ]] || echo "  WARNING: $label answers $pre (expected $expect) for $scen" >&2
  run_load "$url" "$method" "$hdr" "$body" "$warmup" "$tmp/warm-$tag.txt" || true
  settle "$pid"
  local t0 t1 w0 w1 requests rps p99 statuses got unexpected sockerr
  t0=$(cpu_ticks "$pid"); w0=$(date +%s.%N)
  run_load "$url" "$method" "$hdr" "$body" "$duration" "$of" || { echo "wrk failed ($tag):" >&2; cat "$of" >&2; exit 1; }
  t1=$(cpu_ticks "$pid"); w1=$(date +%s.%N)
  requests=$(awk '/requests in/ {print $1}' "$of")
  rps=$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' "$of")
  p99=$(to_ms "$(awk '$1 == "99%" {print $2}' "$of")")
  statuses=$(awk '/^statuses:/ {sub(/^statuses: */, ""); print}' "$of")
  got=$(tr ' ' '\n' <<<"$statuses" | awk -F= -v e="$expect" '$1 == e {print $2}')
  unexpected=$((${requests:-0} - ${got:-0}))
  sockerr=$(awk '/Socket errors:/ {sub(/.*Socket errors: /, ""); print}' "$of")
  local note="$unexpected"
  [[ $unexpected != 0 ]] && note+=" (${statuses:-none})"
  [[ -n $sockerr ]] && note+=", socket errors: $sockerr"
  local cpu_us busy
  cpu_us=$(awk -v d=$((t1 - t0)) -v hz="$clk_tck" -v n="${requests:-0}" 'BEGIN { if (n > 0) printf "%.1f", d * 1e6 / hz / n; else print "?" }')
  busy=$(awk -v d=$((t1 - t0)) -v hz="$clk_tck" -v a="$w0" -v b="$w1" 'BEGIN { printf "%.0f", 100 * d / hz / (b - a) }')
  cpu_of["$scen|$label"]=$cpu_us
  results+=("$scen|$label|$requests|$rps|$p99|$cpu_us|$busy|$pre|$note")
  printf '  %-13s %-17s %7s req/s  p99 %7s ms  cpu %8s us/req  busy %3s%%  (%s requests, %s ticks)  pre-check %s  unexpected %s\n' \
    "$scen" "$label" "$rps" "$p99" "$cpu_us" "$busy" "$requests" $((t1 - t0)) "$pre" "$note" >&2
}

echo "rampart waf bench ($mode): ${duration}s per run, ${warmup}s warm-up, wrk -c$conns; temp dir $tmp" >&2
started=$(date +%s)
for s in "${scenarios[@]}"; do
  IFS='|' read -r scen method path hdr body expect <<<"$s"
  for x in "${proxies[@]}"; do
    IFS='|' read -r label pid port <<<"$x"
    run_one "$scen" "$label" "$pid" "$port" "$method" "$path" "$hdr" "$body" "$expect"
  done
done
alive
elapsed=$(($(date +%s) - started))
hwm_nginx=$(hwm_kib "$pid_nginx") hwm_ra=$(hwm_kib "$pid_ra")
hwm_je=""
[[ $nginx_je == 1 ]] && hwm_je=", nginx+ModSecurity+jemalloc worker $(($(hwm_kib "$pid_nginx_je") / 1024)) MiB"

# ---------------------------------------------------------------- report
{
  echo "# rampart + CRS against nginx + ModSecurity"
  echo
  echo "$(date -u +%Y-%m-%dT%H:%MZ), $(uname -r), $ncpu cores ($(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)),"
  echo "$("$rampart_bin" version | head -n 1), nginx $(nginx -v 2>&1 | sed 's/.*nginx\///') with libnginx-mod-http-modsecurity $(pkg_version libnginx-mod-http-modsecurity),"
  echo "libmodsecurity3 $(pkg_version libmodsecurity3), modsecurity-crs $(pkg_version modsecurity-crs) ($crs_files CRS files), paranoia level 1, block, thresholds 5/4, $(wrk -v 2>&1 | awk 'NR == 1 {print "wrk", $2}')."
  echo "Mode: $mode, ${duration}s per run after ${warmup}s warm-up, wrk -t1 -c$conns HTTP/1.1 keep-alive. Proxy under test on core 0"
  echo "(nginx worker_processes 1; rampart workers 1, inspection threads $light_threads, whole process pinned);"
  echo "backend nginx (reads the body, answers 200) and wrk share core 1."
  echo "Bodies: JSON $(wc -c <"$assets/order.json") bytes; form $(wc -c <"$tmp/form64k") bytes, $form_fields fields. Both proxies were"
  echo "checked to block the same JSON and form with an SQL injection planted in one value (403)."
  echo
  echo "| scenario | expected | proxy | requests | req/s | p99 ms | CPU µs/req | proxy CPU % of a core | CPU ratio vs nginx+ModSecurity | pre-check | unexpected statuses |"
  echo "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"
  for r in "${results[@]}"; do
    IFS='|' read -r scen label requests rps p99 cpu busy pre note <<<"$r"
    expect=""
    for s in "${scenarios[@]}"; do [[ ${s%%|*} == "$scen" ]] && expect=${s##*|}; done
    ratio=""
    if [[ $label != nginx+ModSecurity ]]; then
      ratio=$(awk -v a="$cpu" -v b="${cpu_of["$scen|nginx+ModSecurity"]}" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.2f", a / b; else print "?" }')
      [[ $label == rampart+CRS ]] && ratio="**$ratio**"
    fi
    echo "| $scen | $expect | $label | $requests | $rps | $p99 | $cpu | $busy | $ratio | $pre | $note |"
  done
  echo
  echo "Peak RSS (VmHWM over the whole run): nginx+ModSecurity worker $((hwm_nginx / 1024)) MiB$hwm_je, rampart+CRS $((hwm_ra / 1024)) MiB."
  echo
  ok=0 n=0 detail=""
  for s in "${scenarios[@]}"; do
    scen=${s%%|*}
    r=$(awk -v a="${cpu_of["$scen|rampart+CRS"]}" -v b="${cpu_of["$scen|nginx+ModSecurity"]}" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.2f", a / b; else print "?" }')
    n=$((n + 1)); detail+=" $scen=${r}x"
    [[ $r != "?" ]] && awk -v r="$r" 'BEGIN { exit !(r <= 1.0) }' && ok=$((ok + 1))
  done
  [[ $ok == "$n" ]] && verdict=MET || verdict=MISSED
  echo "**Target** (issue 4): rampart CPU/req ≤ nginx+ModSecurity on every scenario: $verdict ($ok/$n;$detail)."
  if [[ $nginx_je == 1 ]]; then
    detail=""
    for s in "${scenarios[@]}"; do
      scen=${s%%|*}
      detail+=" $scen=$(awk -v a="${cpu_of["$scen|rampart+CRS"]}" -v b="${cpu_of["$scen|nginx+ModSecurity+jemalloc"]}" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.2f", a / b; else print "?" }')x"
    done
    echo
    echo "Allocator control: rampart CPU/req ÷ nginx+ModSecurity+jemalloc (LD_PRELOAD $jemalloc_so):$detail."
  fi
} >"$out"
cat "$out"
echo "(written to $out; ${elapsed}s of load)" >&2
