#!/usr/bin/env bash
# Lighthouse (pinned 12.2.3 in package.json) on the web app, mobile preset (Lighthouse's default: a mid-range phone,
# simulated slow 4G and 4x CPU slowdown), with Debian's Chromium. Prints the four category scores and writes the
# report beside this script (lighthouse-report.json, git-ignored).
#
#   dotnet run --project src/Mnist.Server -c Release -- --urls http://127.0.0.1:5000 &   # the server, from the repo root
#   cd bench/web && npm ci && ./lighthouse.sh [http://127.0.0.1:5000/]
set -euo pipefail
cd "$(dirname "$0")"
url="${1:-http://127.0.0.1:5000/}"
export CHROME_PATH="${CHROME_PATH:-/usr/bin/chromium}"
node node_modules/lighthouse/cli/index.js "$url" --quiet --output=json --output-path=lighthouse-report.json \
  --chrome-flags="--headless --no-sandbox" --only-categories=performance,accessibility,best-practices,seo
node -e '
const r = require("./lighthouse-report.json");
const c = r.categories, a = r.audits;
console.log(Object.values(c).map((x) => `${x.id} ${x.score}`).join(", "));
for (const id of ["first-contentful-paint", "largest-contentful-paint", "total-blocking-time", "cumulative-layout-shift", "speed-index", "total-byte-weight"])
  console.log(`${id}: ${a[id].displayValue}`);
for (const x of Object.values(c)) for (const ref of x.auditRefs) { const au = a[ref.id]; if (ref.weight > 0 && au.score !== null && au.score < 1) console.log(`  ${x.id}: ${ref.id} ${au.score} ${au.displayValue ?? ""}`); }
'
