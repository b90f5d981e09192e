#!/usr/bin/env bash
# bench/ratelimit.sh: what a rate-limit decision costs, in one run: rampart with no rule, with one
# rule on the in-process store, the same rule on Redis (without and with quota leases), and three
# rules on Redis.
#
# Everything runs on loopback:
#   core 0: rampart (workers: 1, the whole process pinned); four instances run side by side, one
#           per configuration, and only one is loaded at a time. Upstream: the built-in echo
#           cluster (no backend process), so the proxy's own work is all that is counted.
#   core 1: redis-server (own port, no persistence) and the load generator.
# Configurations (identical apart from rate_limits):
#   none          no rate_limits section
#   local         one rule, key client_ip, sliding window, store: local
#   redis         the same rule with store: redis (one EVALSHA per request)
#   redis-lease   the same Redis rule with quota leases (lease_max: 64): one EVALSHA reserves
#                 up to 64 admissions, which the worker hands out without a call
#   redis-3rules  three rules on Redis (client_ip, the x-api-key header, the route): three
#                 EVALSHA per request, issued together and pipelined
# Every limit is 100,000,000 per 60 s, so nothing is refused; every response must be a 200.
# Load: h2load --h1 (HTTP/1.1 keep-alive), C clients each at --rps RATE/C, so the offered load is
# fixed (RATE req/s) and the same for every configuration. h2load's clients fire in step, so C
# requests arrive together every C/RATE seconds: the load shape decides how many decisions one
# pipeline flush to Redis carries, and that decides the cost per decision. Two shapes are run by
# default (--conns "32 4"): 32 connections (bursts of 32 every 3.2 ms at 10,000 req/s) and 4
# connections (bursts of 4 every 0.4 ms, close to steady arrivals). For each shape the
# configurations are interleaved (none, local, redis, redis-lease, redis-3rules, then again) for --reps
# rounds; each run gets a warm-up of the same load first. Per run:
#   rampart CPU µs/req  utime+stime delta of the rampart process (/proc/PID/stat, all threads)
#                       over the measured window / responses received
#   p50 / p99 ms        from h2load's per-request log (send to end of response)
#   sleeps/req          voluntary context switches of rampart's threads (/proc/PID/task/*/status)
#                       / responses: how often the worker blocked in epoll_wait, i.e. waited
#   redis CPU µs/req    the same delta for redis-server (reported apart: the target is rampart's)
#   EVALSHA/req         INFO commandstats delta / responses: Redis really answered the calls
#   calls/read          EVALSHA delta / total_reads_processed delta on Redis: how many decisions
#                       reach Redis per read event, i.e. per pipeline flush of rampart (rampart
#                       does not count its flushes itself)
# The summary takes the median of the rounds and reports each configuration's added CPU/request
# and added p99 against "none", with the issue 6 targets: Redis-backed decisions at most 5 µs of
# rampart CPU per request and at most 0.5 ms added p99.
#
# usage: bench/ratelimit.sh [--quick] [--out FILE] [--rampart BIN] [--duration S] [--rate N]
#                           [--conns N] [--reps N] [--keep]
#   --quick        3 s per run, 1 s warm-up, 2 rounds (smoke run)
#   --out FILE     where the Markdown report goes (default /tmp/rampart-ratelimit-bench.md)
#   --rampart BIN  the binary (default build/release/rampart)
#   --duration S   seconds per measured run (default 6; warm-up 2 s)
#   --rate N       offered load in requests per second (default 10000)
#   --conns "N..."  h2load connections, one load shape per number (default "32 4")
#   --reps N       rounds over the four configurations (default 3)
#   --keep         keep the temp dir (configs, h2load output and per-request logs, redis log)
# Env: BENCH_PORT_BASE (default 18400): ports BASE..BASE+8 on 127.0.0.1 are used.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
# shellcheck source=bench/lib.sh
. "$here/lib.sh"
duration=6
warmup=2
reps=3
rate=10000
conns="32 4"
out=/tmp/rampart-ratelimit-bench.md
rampart_bin="$root/build/release/rampart"
keep=0
mode=full
while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick) duration=3; warmup=1; reps=2; mode=quick ;;
    --out) out=$2; shift ;;
    --rampart) rampart_bin=$2; shift ;;
    --duration) duration=$2; shift ;;
    --rate) rate=$2; shift ;;
    --conns) conns=$2; shift ;;
    --reps) reps=$2; shift ;;
    --keep) keep=1 ;;
    -h|--help) sed -n 2,40p "$0"; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
  shift
done

for tool in h2load redis-server redis-cli curl taskset; do
  command -v "$tool" >/dev/null || { echo "missing $tool (apt-get install -y nghttp2-client redis-server redis-tools curl util-linux)" >&2; exit 1; }
done
[[ -x $rampart_bin ]] || { echo "no rampart binary at $rampart_bin (cmake --preset release && cmake --build build/release --target rampart)" >&2; exit 1; }
ncpu=$(nproc)
[[ $ncpu -ge 2 ]] || { echo "need at least 2 cores (have $ncpu)" >&2; exit 1; }
read -r -a shapes <<<"$conns"
for n in "${shapes[@]}"; do
  [[ $n =~ ^[1-9][0-9]*$ && $rate -ge $n ]] || { echo "--conns: positive numbers up to --rate" >&2; exit 2; }
  [[ $((rate % n)) == 0 ]] || echo "note: --rate $rate is not a multiple of $n connections; that shape offers $((rate / n * n)) req/s" >&2
done

base=${BENCH_PORT_BASE:-18400}
port_redis=$base
configs=(none local redis redis-lease redis-3rules)
declare -A port_of admin_of pid_of
i=1
for c in "${configs[@]}"; do
  port_of[$c]=$((base + i)); admin_of[$c]=$((base + i + 1)); i=$((i + 2))
done
require_free_ports "$base" $((base + 2 * ${#configs[@]}))

start_run_dir rampart-ratelimit-bench

# ---------------------------------------------------------------- configs
rule_yaml() {  # $1 name, $2 key part, $3 store
  cat <<EOF
    - name: $1
      key: [$2]
      limit: 100000000
      window_ms: 60000
      store: $3
EOF
}
rampart_conf() {  # $1 configuration
  cat <<EOF
workers: 1
listeners:
  - name: plain
    address: 127.0.0.1:${port_of[$1]}
    protocols: [http1]
admin:
  address: 127.0.0.1:${admin_of[$1]}
limits:
  max_requests_per_connection: 100000000
  keepalive_idle_timeout_ms: 120000
decision_log:
  path: "off"
clusters:
  - name: echo
    type: echo
routes:
  - name: all
    hosts: ["*"]
    path_prefix: /
    cluster: echo
EOF
  [[ $1 == none ]] && return 0
  cat <<EOF
rate_limits:
  redis:
    address: 127.0.0.1:$port_redis
  rules:
EOF
  case "$1" in
    local) rule_yaml per-client client_ip local ;;
    redis) rule_yaml per-client client_ip redis ;;
    redis-lease)
      rule_yaml per-client client_ip redis
      echo "      lease_max: 64" ;;
    redis-3rules)
      rule_yaml per-client client_ip redis
      rule_yaml per-api-key "{header: x-api-key}" redis
      rule_yaml per-route route redis ;;
  esac
}
for c in "${configs[@]}"; do
  rampart_conf "$c" >"$tmp/rampart-$c.yaml"
  "$rampart_bin" validate "$tmp/rampart-$c.yaml" >/dev/null
done

# ---------------------------------------------------------------- start
taskset -c 1 redis-server --port "$port_redis" --bind 127.0.0.1 --save "" --appendonly no \
  --daemonize no --dir "$tmp" --logfile "$tmp/redis.log" &
pids+=($!); pid_redis=${pids[-1]}
rcli() { redis-cli -p "$port_redis" "$@"; }
for _ in $(seq 100); do
  [[ $(rcli PING 2>/dev/null) == PONG ]] && break
  sleep 0.05
done
[[ $(rcli PING 2>/dev/null) == PONG ]] || { echo "redis-server did not start" >&2; tail "$tmp/redis.log" >&2; exit 1; }

for c in "${configs[@]}"; do
  taskset -c 0 "$rampart_bin" serve --config "$tmp/rampart-$c.yaml" >"$tmp/rampart-$c.stdout" 2>"$tmp/rampart-$c.stderr" &
  pids+=($!); pid_of[$c]=${pids[-1]}
done
for c in "${configs[@]}"; do wait_up "http://127.0.0.1:${port_of[$c]}/"; done

# Functional check: 200 from every configuration, and the Redis ones really call Redis.
for c in "${configs[@]}"; do
  got=$(curl -s -o /dev/null -w '%{http_code}' -H 'x-api-key: bench-key' "http://127.0.0.1:${port_of[$c]}/check")
  [[ $got == 200 ]] || { echo "functional check: $c answers $got" >&2; exit 1; }
done

# ---------------------------------------------------------------- measuring
alive() {
  local p
  for p in "${pids[@]}"; do
    kill -0 "$p" 2>/dev/null || { echo "process $p died" >&2; tail -n 30 "$tmp"/*.stderr "$tmp/redis.log" >&2 2>/dev/null; exit 1; }
  done
}
metric() {  # $1 configuration, $2 metric name: summed over its label sets
  curl -s --max-time 5 "http://127.0.0.1:${admin_of[$1]}/metrics" |
    awk -v m="$2" '$1 == m || index($1, m "{") == 1 {s += $NF} END {printf "%.0f", s}'
}
redis_info() {  # -> "evalsha_calls evalsha_usec reads_processed"
  rcli INFO all | tr -d '\r' | awk -F'[:=,]' '
    $1 == "cmdstat_evalsha" {c = $3; u = $5}
    $1 == "total_reads_processed" {r = $2}
    END {printf "%d %d %d\n", c, u, r}'
}
run_load() {  # $1 configuration, $2 connections, $3 seconds, $4 output file
  taskset -c 1 h2load --h1 -c "$2" -t 1 --rps $((rate / $2)) -D "$3" \
    -H 'x-api-key: bench-key' --log-file="$4.log" "http://127.0.0.1:${port_of[$1]}/api/items" >"$4" 2>&1
}

sleeps() {  # $1 pid: voluntary context switches summed over its threads
  cat /proc/"$1"/task/*/status 2>/dev/null | awk '/^voluntary_ctxt_switches:/ {s += $2} END {print s + 0}'
}

results=()  # "shape/round|config|requests|cpu_us|p50|p99|max|redis_us|evalsha_per_req|calls_per_read|rampart_calls_per_req|non200|evalsha_usec|sleeps_per_req"
run_one() {  # $1 connections, $2 round, $3 configuration
  local s=$1 r=$2 c=$3 pid=${pid_of[$3]} of="$tmp/load-$3-c$1-$2.txt"
  alive
  run_load "$c" "$s" "$warmup" "$tmp/warm-$c-c$s-$r.txt" || true
  settle "$pid"
  local t0 t1 sw0 sw1 fb0 fb1 rt0 rt1 ev0 us0 rd0 ev1 us1 rd1 mc0 mc1
  read -r ev0 us0 rd0 < <(redis_info)
  mc0=$(metric "$c" rampart_rate_limit_redis_calls_total)
  fb0=$(metric "$c" rampart_rate_limit_fail_open_allowed_total)
  rt0=$(cpu_ticks "$pid_redis")
  sw0=$(sleeps "$pid")
  t0=$(cpu_ticks "$pid")
  run_load "$c" "$s" "$duration" "$of" || { echo "h2load failed ($c, -c $s, round $r):" >&2; cat "$of" >&2; exit 1; }
  t1=$(cpu_ticks "$pid")
  sw1=$(sleeps "$pid")
  rt1=$(cpu_ticks "$pid_redis")
  mc1=$(metric "$c" rampart_rate_limit_redis_calls_total)
  fb1=$(metric "$c" rampart_rate_limit_fail_open_allowed_total)
  read -r ev1 us1 rd1 < <(redis_info)
  local p50 p99 max n ok
  read -r p50 p99 max n ok < <(h2load_latency "$of.log")
  local done_n
  done_n=$(awk '/^requests:/ {print $6}' "$of")   # "requests: N total, N started, N done, ..."
  [[ ${done_n:-0} == "$n" ]] || echo "  note: h2load says $done_n done, its log holds $n" >&2
  local non200=$((n - ok))
  local cpu_us redis_us ev_req calls_read mc_req ev_usec sw_req
  cpu_us=$(awk -v d=$((t1 - t0)) -v hz="$clk_tck" -v n="$n" 'BEGIN { if (n > 0) printf "%.2f", d * 1e6 / hz / n; else print "?" }')
  redis_us=$(awk -v d=$((rt1 - rt0)) -v hz="$clk_tck" -v n="$n" 'BEGIN { if (n > 0) printf "%.2f", d * 1e6 / hz / n; else print "?" }')
  ev_req=$(awk -v d=$((ev1 - ev0)) -v n="$n" 'BEGIN { if (n > 0) printf "%.3f", d / n; else print "?" }')
  calls_read=$(awk -v d=$((ev1 - ev0)) -v r=$((rd1 - rd0)) 'BEGIN { if (d > 0 && r > 0) printf "%.2f", d / r; else print "-" }')
  mc_req=$(awk -v d=$((mc1 - mc0)) -v n="$n" 'BEGIN { if (n > 0) printf "%.3f", d / n; else print "?" }')
  ev_usec=$(awk -v d=$((ev1 - ev0)) -v u=$((us1 - us0)) 'BEGIN { if (d > 0) printf "%.2f", u / d; else print "-" }')
  sw_req=$(awk -v d=$((sw1 - sw0)) -v n="$n" 'BEGIN { if (n > 0) printf "%.2f", d / n; else print "?" }')
  results+=("$s/$r|$c|$n|$cpu_us|$p50|$p99|$max|$redis_us|$ev_req|$calls_read|$mc_req|$non200|$ev_usec|$sw_req|$((fb1 - fb0))")
  printf '  -c %-3s round %s %-13s %7s responses  rampart %6s us/req (%s ticks, %s sleeps/req)  p50 %6s  p99 %6s  max %7s ms  redis %6s us/req  evalsha/req %s  calls/read %s  non-200 %s  fallback %s\n' \
    "$s" "$r" "$c" "$n" "$cpu_us" $((t1 - t0)) "$sw_req" "$p50" "$p99" "$max" "$redis_us" "$ev_req" "$calls_read" "$non200" $((fb1 - fb0)) >&2
}

echo "rampart rate-limit bench ($mode): $rate req/s offered, shapes -c ${shapes[*]}, ${duration}s per run after ${warmup}s warm-up, $reps rounds; temp dir $tmp" >&2
started=$(date +%s)
for s in "${shapes[@]}"; do
  for r in $(seq "$reps"); do
    for c in "${configs[@]}"; do run_one "$s" "$r" "$c"; done
  done
done
alive
elapsed=$(($(date +%s) - started))

# ---------------------------------------------------------------- report
median() { sort -g | awk '{v[NR] = $1} END { if (NR == 0) print "?"; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
range() { sort -g | awk 'NR == 1 {lo = $1} {hi = $1} END {print lo "–" hi}'; }
field() {  # $1 connections, $2 configuration, $3 field number of a results row -> one value per round
  local row
  for row in "${results[@]}"; do
    IFS='|' read -r -a f <<<"$row"
    [[ ${f[0]%/*} == "$1" && ${f[1]} == "$2" ]] && echo "${f[$3]}"
  done
  return 0
}
diff_of() { awk -v a="$1" -v b="$2" -v d="${3:-1}" -v fmt="${4:-%+.2f}" 'BEGIN { printf fmt, (a - b) / d }'; }
verdict() { awk -v v="$1" -v t="$2" 'BEGIN { print (v <= t) ? "MET" : "MISSED" }'; }
{
  echo "# rampart rate limits: added CPU and latency per request"
  echo
  echo "$(date -u +%Y-%m-%dT%H:%MZ), $(uname -r), $ncpu cores ($(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)),"
  echo "$("$rampart_bin" version | head -n 1), $(redis-server --version | awk '{print $1, $3}'), h2load $(h2load --version | awk '{print $2}')."
  echo "Mode: $mode. rampart workers: 1 on core 0 (one instance per configuration, one loaded at a time, echo upstream,"
  echo "decision_log off); redis-server and h2load on core 1. Offered load $rate req/s, HTTP/1.1 keep-alive,"
  echo "h2load --h1 -c C --rps $rate/C for C in ${shapes[*]}; ${duration}s per run after ${warmup}s warm-up; configurations"
  echo "interleaved, $reps rounds per shape; medians (range over the rounds in brackets)."
  for s in "${shapes[@]}"; do
    declare -A med_cpu=() med_p50=() med_p99=()
    for c in "${configs[@]}"; do
      med_cpu[$c]=$(field "$s" "$c" 3 | median)
      med_p50[$c]=$(field "$s" "$c" 4 | median)
      med_p99[$c]=$(field "$s" "$c" 5 | median)
    done
    echo
    echo "### $s connections (bursts of $s requests every $(awk -v s="$s" -v r="$rate" 'BEGIN { printf "%.2f", 1000 * s / r }') ms)"
    echo
    echo "| configuration | responses per run | rampart CPU µs/req | added | rampart sleeps/req | p50 ms | added | p99 ms | added | redis CPU µs/req | EVALSHA per req | Redis µs per EVALSHA | EVALSHA per Redis read | non-200 |"
    echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    for c in "${configs[@]}"; do
      add_cpu="" add_p50="" add_p99=""
      if [[ $c != none ]]; then
        add_cpu=$(diff_of "${med_cpu[$c]}" "${med_cpu[none]}")
        add_p50=$(diff_of "${med_p50[$c]}" "${med_p50[none]}" 1 "%+.3f")
        add_p99=$(diff_of "${med_p99[$c]}" "${med_p99[none]}" 1 "%+.3f")
      fi
      non200=$(field "$s" "$c" 11 | awk '{n += $1} END {print n + 0}')
      echo "| $c | $(field "$s" "$c" 2 | median) | ${med_cpu[$c]} ($(field "$s" "$c" 3 | range)) | $add_cpu | $(field "$s" "$c" 13 | median) | ${med_p50[$c]} | $add_p50 | ${med_p99[$c]} ($(field "$s" "$c" 5 | range)) | $add_p99 | $(field "$s" "$c" 7 | median) | $(field "$s" "$c" 8 | median) | $(field "$s" "$c" 12 | median) | $(field "$s" "$c" 9 | median) | $non200 |"
    done
    a1=$(diff_of "${med_cpu[redis]}" "${med_cpu[none]}" 1 "%.2f")
    a3=$(diff_of "${med_cpu[redis-3rules]}" "${med_cpu[none]}" 3 "%.2f")
    al=$(diff_of "${med_cpu[redis-lease]}" "${med_cpu[none]}" 1 "%.2f")
    pl=$(diff_of "${med_p99[redis-lease]}" "${med_p99[none]}" 1 "%.3f")
    p1=$(diff_of "${med_p99[redis]}" "${med_p99[none]}" 1 "%.3f")
    p3=$(diff_of "${med_p99[redis-3rules]}" "${med_p99[none]}" 1 "%.3f")
    echo
    echo "Targets (issue 6) at -c $s: Redis-backed decision ≤ 5 µs of rampart CPU per request:" \
         "one call per decision $(verdict "$a1" 5) (one rule $a1 µs; three rules $a3 µs per decision);" \
         "with quota leases $(verdict "$al" 5) ($al µs). Added p99 ≤ 0.5 ms: $(verdict "$p1" 0.5)" \
         "(one rule $p1 ms; three rules $p3 ms); with leases $(verdict "$pl" 0.5) ($pl ms)."
    unset med_cpu med_p50 med_p99
  done
  echo
  total_non200=$(for row in "${results[@]}"; do IFS='|' read -r -a f <<<"$row"; echo "${f[11]}"; done | awk '{n += $1} END {print n + 0}')
  echo "All responses 200: $([[ $total_non200 == 0 ]] && echo yes || echo "NO ($total_non200 were not)")."
  total_fb=$(for row in "${results[@]}"; do IFS='|' read -r -a f <<<"$row"; echo "${f[14]}"; done | awk '{n += $1} END {print n + 0}')
  echo "Decisions taken without Redis (fail_open fallback after a timeout or with the breaker open): $total_fb."
  echo
  echo "Per run (connections/round, configuration, responses, rampart µs/req, p50, p99, max ms, redis µs/req,"
  echo "EVALSHA/req, EVALSHA per Redis read, rampart rate_limit_redis_calls_total/req, non-200, Redis µs/EVALSHA, rampart sleeps/req, fail_open fallbacks):"
  echo
  echo '```'
  for row in "${results[@]}"; do echo "$row"; done
  echo '```'
} >"$out"
cat "$out"
echo "(written to $out; ${elapsed}s of load)" >&2
