# bench/lib.sh: helpers shared by the bench/ scripts (run.sh, waf.sh, ratelimit.sh, bot.sh,
# signatures.sh; sourced, not run). They read the caller's $tmp (its temp dir) for diagnostics.

# The nginx.conf part shared by the reference proxies and the backend: no access log, temp paths
# in the instance dir, long keep-alive, bodies up to 1 MiB. The caller writes worker_processes
# before it and closes the http block after it.
nginx_common() {  # $1 = instance dir
  cat <<EOF
events { worker_connections 8192; multi_accept on; }
http {
  access_log off;
  client_body_temp_path $1/client_body;
  proxy_temp_path $1/proxy;
  fastcgi_temp_path $1/fastcgi;
  uwsgi_temp_path $1/uwsgi;
  scgi_temp_path $1/scgi;
  keepalive_requests 100000000;
  keepalive_timeout 120s;
  client_max_body_size 1m;
  client_body_buffer_size 128k;
EOF
}

wait_up() {  # $1 url; CRS rule sets take a few seconds to compile, so up to 30 s
  local _
  for _ in $(seq 300); do
    if curl -sk -o /dev/null --max-time 1 "$1"; then return 0; fi
    sleep 0.1
  done
  echo "not answering: $1" >&2
  tail -n 20 "$tmp"/*.stderr "$tmp"/*/error.log >&2 2>/dev/null || true
  exit 1
}

proc_tree() {  # $1 pid -> the pid and its children (nginx master + worker)
  echo "$1"
  pgrep -P "$1" || true
}

cpu_ticks() {  # sum of utime+stime over a pid and its children
  local sum=0 p t
  for p in $(proc_tree "$1"); do
    t=$(sed 's/^.*) //' "/proc/$p/stat" 2>/dev/null | awk '{print $12 + $13}') || t=0
    sum=$((sum + ${t:-0}))
  done
  echo "$sum"
}

settle() {  # $1 pid: wait (up to 5 s) until the proxy stops using CPU, e.g. on warm-up leftovers
  local _ a b
  b=$(cpu_ticks "$1")
  for _ in $(seq 25); do
    sleep 0.2
    a=$b; b=$(cpu_ticks "$1")
    [[ $a == "$b" ]] && return 0
  done
}

hwm_kib() {  # largest VmHWM among a pid and its children (for nginx: the worker)
  local best=0 p v
  for p in $(proc_tree "$1"); do
    v=$(awk '/^VmHWM:/ {print $2}' "/proc/$p/status" 2>/dev/null) || v=0
    [[ ${v:-0} -gt $best ]] && best=$v
  done
  echo "$best"
}

to_ms() {  # "1.23ms" / "456.00us" / "1.20s" -> ms
  awk -v v="$1" 'BEGIN {
    if (v ~ /us$/) { sub(/us$/, "", v); printf "%.2f", v / 1000 }
    else if (v ~ /ms$/) { sub(/ms$/, "", v); printf "%.2f", v }
    else if (v ~ /m$/) { sub(/m$/, "", v); printf "%.2f", v * 60000 }
    else if (v ~ /s$/) { sub(/s$/, "", v); printf "%.2f", v * 1000 }
    else printf "?" }'
}

h2load_latency() {  # $1 h2load --log-file -> "p50_ms p99_ms max_ms responses status_200"
  # Columns: start (µs since epoch), status (-1 when the request failed), µs to the response end.
  local ok
  ok=$(awk -F'\t' '$2 == 200 {n++} END {print n + 0}' "$1")
  awk -F'\t' '$2 >= 0 {print $3}' "$1" | sort -n |
    awk -v ok="$ok" '{v[NR] = $1}
      function at(p,  i) { i = int(NR * p + 0.999999); if (i > NR) i = NR; return v[i] / 1000 }
      END { if (NR == 0) { print "? ? ? 0", ok; exit }
            printf "%.3f %.3f %.3f %d %d\n", at(0.5), at(0.99), v[NR] / 1000, NR, ok }'
}

require_free_ports() {  # $1 first, $2 last: exit when one of them is taken on 127.0.0.1
  local p
  for p in $(seq "$1" "$2"); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      echo "port $p is in use (set BENCH_PORT_BASE)" >&2; exit 1
    fi
  done
}

start_run_dir() {  # $1 name: sets tmp, pids (killed at exit), clk_tck; keep=1 keeps the dir
  tmp=$(mktemp -d "/tmp/$1.XXXXXX")
  pids=()
  trap run_dir_cleanup EXIT
  trap 'exit 130' INT TERM
  clk_tck=$(getconf CLK_TCK)
}

run_dir_cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  if [[ ${keep:-0} == 1 ]]; then echo "temp dir kept: $tmp" >&2; else rm -rf "$tmp"; fi
}

# The release unit-test binary, built if needed, for the hidden in-process cases ("[.bench]",
# "[.bench-bot]"): $1 root; prints its path.
release_unit_tests() {
  (cd "$1" && cmake --preset release >/dev/null &&
     cmake --build build/release -j"$(nproc)" --target rampart_unit_tests >/dev/null)
  echo "$1/build/release/tests/rampart_unit_tests"
}
