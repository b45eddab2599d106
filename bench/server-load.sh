#!/usr/bin/env bash
# Server load acceptance (issue 6): builds Release, starts the server on a model, and runs the load generator:
#   1. 64 connections, {"pixels":[784]} bodies        (throughput, p50/p99, errors)
#   2. 64 connections, 28x28 PNG bodies
#   3. RSS flatness: pixels at 64 connections for RSS_SECONDS, RSS printed every 10 s, verdict ±10 % of the
#      value right after warm-up
#   4. low load: 1 connection with 5 ms pauses (single-request latency)
# and prints a markdown table. Run it on a quiet machine.
#
#   bench/server-load.sh [--model FILE] [--port N]
#   LOAD_SECONDS=30 RSS_SECONDS=300 LOW_SECONDS=10   (defaults; SMOKE=1 sets 3/20/3 for a quick check of the script)
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
model="$root/models/mnist.onnx"
port=5080
while [[ $# -gt 0 ]]; do
  case "$1" in
    --model) model="$(realpath "$2")"; shift 2 ;;
    --port) port="$2"; shift 2 ;;
    *) echo "usage: $0 [--model FILE] [--port N]" >&2; exit 2 ;;
  esac
done
if [[ "${SMOKE:-0}" == 1 ]]; then : "${LOAD_SECONDS:=3}" "${RSS_SECONDS:=20}" "${LOW_SECONDS:=3}"; fi
load_s="${LOAD_SECONDS:-30}"; rss_s="${RSS_SECONDS:-300}"; low_s="${LOW_SECONDS:-10}"
export MNIST_DATA="${MNIST_DATA:-$root/../shared/datasets/mnist}"

echo "building (Release)…" >&2
dotnet build "$root/src/Mnist.Server/Mnist.Server.csproj" -c Release -v q -nologo >&2
dotnet build "$root/bench/Mnist.LoadGen/Mnist.LoadGen.csproj" -c Release -v q -nologo >&2
server="$root/src/Mnist.Server/bin/Release/net10.0/Mnist.Server.dll"
loadgen="$root/bench/Mnist.LoadGen/bin/Release/net10.0/mnist-loadgen.dll"
url="http://127.0.0.1:$port"
logs="$(mktemp -d)"

# One address sends everything here: the per-client rate limit (50/s by default, docs/security.md) is lifted.
dotnet "$server" --urls "$url" --model "$model" --Logging:LogLevel:Default=Warning --Mnist:RateLimit:Enabled=false >"$logs/server.log" 2>&1 &
server_pid=$!
trap 'kill "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null || true' EXIT
for _ in $(seq 1 60); do
  curl -sf "$url/readyz" >/dev/null 2>&1 && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$logs/server.log" >&2; exit 1; }
  sleep 1
done
curl -sf "$url/readyz" >/dev/null || { echo "server not ready" >&2; cat "$logs/server.log" >&2; exit 1; }
echo "server PID $server_pid on $url, model $model; logs in $logs" >&2

# run NAME ARGS…: one load generator run; its output is kept in $logs/NAME.txt and echoed to stderr.
run() {
  local name="$1"; shift
  echo "── $name: $*" >&2
  dotnet "$loadgen" --url "$url" --server-pid "$server_pid" "$@" | tee "$logs/$name.txt" >&2 || true
}
# field RUN LINE-PREFIX KEY: the value of KEY= on the line of RUN's output that starts with LINE-PREFIX.
field() { grep "^$2" "$logs/$1.txt" | grep -o " $3=[^ ]*" | head -1 | cut -d= -f2; }

run pixels --connections 64 --duration "$load_s" --body pixels
run png    --connections 64 --duration "$load_s" --body png
run rss    --connections 64 --duration "$rss_s" --body pixels --rss-every 10
run low    --connections 1 --duration "$low_s" --delay-ms 5 --body pixels

row() {
  local name="$1" label="$2"
  local rss; rss="$(grep '^server_rss_mb' "$logs/$name.txt" | sed 's/server_rss_mb //')"
  printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$label" "$(field "$name" requests predictions_per_s)" "$(field "$name" requests errors)" \
    "$(field "$name" latency_ms p50)" "$(field "$name" latency_ms p99)" "$(field "$name" url duration)" "$rss"
}
echo
echo "Model: $model; $(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| run | predictions/s | errors | p50 ms | p99 ms | duration | server RSS MB |"
echo "|---|---|---|---|---|---|---|"
row pixels "64 connections, pixels JSON"
row png "64 connections, 28×28 PNG"
row rss "64 connections, pixels, RSS run"
row low "1 connection, 5 ms pauses"

start="$(field rss server_rss_mb start)"; end="$(field rss server_rss_mb end)"
min="$(field rss server_rss_mb min)"; max="$(field rss server_rss_mb max)"
verdict="$(awk -v s="$start" -v lo="$min" -v hi="$max" 'BEGIN { if (s > 0 && hi <= 1.1 * s && lo >= 0.9 * s) print "yes"; else print "NO" }')"
echo
echo "RSS over ${rss_s} s (MB): after warm-up $start, end $end, min $min, max $max; within ±10 % of the post-warm-up value: **$verdict**"
echo "RSS series (every 10 s): $(grep '^server_rss_series_mb' "$logs/rss.txt" | sed 's/server_rss_series_mb //')"
