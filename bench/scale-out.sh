#!/usr/bin/env bash
# Scale-out on one machine: two server replicas behind HAProxy (Debian package `haproxy`) on loopback, load through
# the balancer, and a model rollout replica by replica while the load runs. Checks:
#   - zero failed requests through the balancer (any non-200 or connection error is a failure);
#   - every answer names the model that produced it (the load generator tallies the answers' "model" field: the old
#     model first, then both, then only the new one);
#   - the balancer never sends a request to a replica that is not ready: each replica is put in maintenance in
#     HAProxy (runtime API) before it is stopped, and a new replica takes traffic only once HAProxy's /readyz check
#     passes. A replica that answered a prediction with 503 (no model yet, or shutting down) would show in its
#     mnist_http_requests_total{status="503"} and as a client error; HAProxy's per-replica session counts before
#     and after maintenance show that nothing reached a replica taken out.
#
#   bench/scale-out.sh [--model-b FILE.onnx] [--signal-only]
#     --model-b      the new model (default: the `fast` recipe trained for one epoch, whose card names it "fast")
#     --signal-only  roll out as an orchestrator without access to the balancer would (Kubernetes): SIGTERM only; the
#                    replica's /readyz turns 503 for Mnist:DrainSeconds while it still serves, HAProxy's checks take
#                    it out, then it stops
#   SETTLE_SECONDS=10 (load before, between and after the replica steps) CONNECTIONS=32 BASE_PORT=5180
# Needs: haproxy (apt-get install haproxy), MNIST (MNIST_DATA or the cache `mnist data` fills), a Release build.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
model_b=""
signal_only=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --model-b) model_b="$(realpath "$2")"; shift 2 ;;
    --signal-only) signal_only=1; shift ;;
    *) echo "usage: $0 [--model-b FILE.onnx] [--signal-only]" >&2; exit 2 ;;
  esac
done
command -v haproxy >/dev/null || { echo "haproxy is not installed (Debian: apt-get install haproxy)" >&2; exit 2; }
settle_s="${SETTLE_SECONDS:-10}"; conns="${CONNECTIONS:-32}"; base="${BASE_PORT:-5180}"
export MNIST_DATA="${MNIST_DATA:-$root/../shared/datasets/mnist}"
work="$(mktemp -d)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

echo "building (Release)…" >&2
dotnet build "$root/src/Mnist.Server/Mnist.Server.csproj" -c Release -v q -nologo >&2
dotnet build "$root/bench/Mnist.LoadGen/Mnist.LoadGen.csproj" -c Release -v q -nologo >&2
server="$root/src/Mnist.Server/bin/Release/net10.0/Mnist.Server.dll"
loadgen="$root/bench/Mnist.LoadGen/bin/Release/net10.0/mnist-loadgen.dll"

# Model A: the shipped model. Model B: given, or a one-epoch `fast` run (its card names it "fast").
mkdir -p "$work/a" "$work/b"
cp "$root/models/mnist.onnx" "$work/a/model.onnx"
if [[ -z "$model_b" ]]; then
  echo "training model B (fast recipe, one epoch)…" >&2
  dotnet build "$root/src/Mnist.Cli/Mnist.Cli.csproj" -c Release -v q -nologo >&2
  dotnet "$root/src/Mnist.Cli/bin/Release/net10.0/mnist.dll" train --arch fast --epochs 1 --out "$work/b" --json >"$work/train.log" 2>&1 \
    || { tail -5 "$work/train.log" >&2; exit 1; }
  model_b="$work/b/model.onnx"
fi

# Replica i listens on base+i; each has its own log. DrainSeconds: not-ready before stopping, should a replica be
# stopped without the balancer being told first (here it is told first; the pause is the second line of defence).
start_replica() { # index model; sets replica[index] (no command substitution: the process must be this shell's child
  # so that `wait` can see it end)
  dotnet "$server" --urls "http://127.0.0.1:$((base + $1))" --model "$2" --Mnist:DrainSeconds=1 \
    --Mnist:RateLimit:Enabled=false --Logging:LogLevel:Default=Information >>"$work/replica$1.log" 2>&1 &
  replica[$1]=$!
  pids+=("$!")
}
wait_ready() { # index
  for _ in $(seq 1 200); do
    curl -sf "http://127.0.0.1:$((base + $1))/readyz" >/dev/null && return 0
    sleep 0.1
  done
  echo "replica $1 never became ready" >&2; tail -5 "$work/replica$1.log" >&2; return 1
}
replica=()
for i in 1 2; do start_replica $i "$work/a/model.onnx"; done

cat >"$work/haproxy.cfg" <<EOF
global
  stats socket $work/haproxy.sock mode 600 level admin
  maxconn 4096
defaults
  mode http
  timeout connect 2s
  timeout client 30s
  timeout server 30s
  timeout check 1s
  retries 2
  option redispatch
frontend mnist
  bind 127.0.0.1:$base
  default_backend replicas
backend replicas
  balance roundrobin
  option httpchk GET /readyz
  http-check expect status 200
  default-server inter 200ms fall 2 rise 2
  server r1 127.0.0.1:$((base + 1)) check
  server r2 127.0.0.1:$((base + 2)) check
EOF
haproxy -db -f "$work/haproxy.cfg" >"$work/haproxy.log" 2>&1 &
pids+=("$!")
admin() { printf '%s\n' "$1" | python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(sys.stdin.buffer.read())
out = b""
while chunk := s.recv(65536): out += chunk
sys.stdout.write(out.decode())' "$work/haproxy.sock"; }
stat() { # server field → value from "show stat" (CSV)
  admin "show stat" | awk -F, -v s="$1" -v f="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == f || $i == "# " f) c = i } $1 == "replicas" && $2 == s { print $c }'
}
for i in 1 2; do wait_ready $i; done
for _ in $(seq 1 100); do [[ "$(stat r1 status)" == UP && "$(stat r2 status)" == UP ]] && break; sleep 0.1; done
echo "replicas up: r1 $(stat r1 status), r2 $(stat r2 status)" >&2

# The load, through the balancer, for the whole rollout.
dotnet "$loadgen" --url "http://127.0.0.1:$base" --connections "$conns" --duration 600 --warmup 1 --by-model --stop-file "$work/stop" \
  >"$work/load.txt" 2>&1 &
load_pid=$!
pids+=("$load_pid")

t0=$(date +%s.%N)
leaked=0
stamp() { awk -v now="$(date +%s.%N)" -v t0="$t0" -v msg="$1" 'BEGIN { printf "%6.1f s  %s\n", now - t0, msg }'; }
sleep "$settle_s"
for i in 1 2; do
  r="r$i"
  if [[ $signal_only == 1 ]]; then
    stamp "$r: SIGTERM (not ready for 1 s while serving, then drains and stops)"
    kill -TERM "${replica[$i]}"; wait "${replica[$i]}" 2>/dev/null || true
    stamp "$r: old replica stopped"
  else
    stamp "$r: maintenance (HAProxy stops sending it requests; in-flight ones finish)"
    admin "set server replicas/$r state maint" >/dev/null
    for _ in $(seq 1 100); do [[ "$(stat $r scur)" == 0 ]] && break; sleep 0.05; done
    quiet=$(stat $r stot)
    sleep 0.5 # a window in which any request HAProxy still sent there would be counted
    at_stop=$(stat $r stot)
    kill -TERM "${replica[$i]}"; wait "${replica[$i]}" 2>/dev/null || true
    stamp "$r: old replica stopped; sessions sent to it during maintenance: $((at_stop - quiet))"
    leaked=$((leaked + at_stop - quiet))
  fi
  start_replica $i "$model_b"
  stamp "$r: new replica started on model B (loading)"
  # Out of maintenance only once its own /readyz answers 200: leaving maintenance restores the state the slot had
  # before (UP), so HAProxy would route to a process still loading until its next checks failed.
  wait_ready $i
  [[ $signal_only == 1 ]] || admin "set server replicas/$r state ready" >/dev/null
  for _ in $(seq 1 100); do [[ "$(stat $r status)" == UP ]] && break; sleep 0.05; done
  stamp "$r: new replica ready, HAProxy: $(stat $r status)"
  sleep "$settle_s"
done
touch "$work/stop"
wait "$load_pid" || true
stamp "load finished"

echo
cat "$work/load.txt" | grep -E '^(url|requests|latency|error|model)'
for i in 1 2; do
  n503=$(curl -s "http://127.0.0.1:$((base + i))/metrics" | awk '/^mnist_http_requests_total/ && /endpoint="\/v1\/predict"/ && /status="503"/ { s += $NF } END { print s + 0 }')
  echo "replica $i (model B): predictions answered 503: $n503"
  leaked=$((leaked + n503))
done
grep -E 'DOWN|UP' "$work/haproxy.log" | sed 's/^/haproxy: /' || true
grep -hiE 'shutting down|fail|error' "$work"/replica*.log | sed 's/^/replica: /' | head -20 || true
grep -q '^requests=.* errors=0 ' "$work/load.txt" || { echo "verdict: FAILED requests"; exit 1; }
[[ $leaked == 0 ]] || { echo "verdict: requests reached a replica that was not ready ($leaked)"; exit 1; }
echo "verdict: zero failed requests; no request reached a replica out of rotation or not ready"
