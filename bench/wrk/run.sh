#!/bin/bash
# Load the server with wrk (Debian package `wrk`): 64 keep-alive connections posting real MNIST test digits as
# {"pixels":[784]} to /v1/predict. wrk is written in C and needs far less CPU than a .NET client, which matters when
# the load generator shares the server's two cores.
#   bench/wrk/run.sh [URL] [DURATION]      e.g. bench/wrk/run.sh http://127.0.0.1:5080 30s
# Environment: CONNECTIONS (64), THREADS (1), DIGITS (1000), MNIST_DATA (../shared/datasets/mnist).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
url=${1:-http://127.0.0.1:5080}
duration=${2:-30s}
data=${MNIST_DATA:-$here/../../../shared/datasets/mnist}
command -v wrk > /dev/null || { echo "wrk is not installed (Debian: apt-get install wrk)" >&2; exit 2; }
images="$data/t10k-images-idx3-ubyte"
if [ ! -f "$images" ]; then
  [ -f "$images.gz" ] || { echo "no t10k-images-idx3-ubyte(.gz) in $data" >&2; exit 2; }
  tmp=$(mktemp)
  trap 'rm -f "$tmp"' EXIT
  gzip -dc "$images.gz" > "$tmp"
  images=$tmp
fi
MNIST_IMAGES="$images" wrk --latency -t "${THREADS:-1}" -c "${CONNECTIONS:-64}" -d "$duration" \
  -s "$here/predict-pixels.lua" "$url"
