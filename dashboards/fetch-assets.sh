#!/usr/bin/env bash
# Fetches the pinned ECharts script (dashboards/web/package-lock.json) from
# the npm registry and copies it to dashboards/static/echarts.min.js, where
# `go build` embeds it. Without it the binary still builds and its pages say
# that charts are unavailable. The same `npm ci` installs axe-core, which
# only the browser test reads (dashboards/web/node_modules/axe-core): it is
# never copied to static/, so never embedded in the binary.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="$here/static/echarts.min.js"
if ! command -v npm >/dev/null 2>&1; then
  echo "fetch-assets: npm not found; install Node.js/npm to embed the charts script" >&2
  exit 1
fi
cd "$here/web"
npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >&2
src="$here/web/node_modules/echarts/dist/echarts.min.js"
if [ ! -s "$src" ]; then
  echo "fetch-assets: $src is missing after npm ci" >&2
  exit 1
fi
tmp="$out.tmp.$$"
cp "$src" "$tmp"
mv "$tmp" "$out"
echo "fetch-assets: echarts $(node -p 'require("./node_modules/echarts/package.json").version' 2>/dev/null || echo '?') -> dashboards/static/echarts.min.js" >&2
axe="$here/web/node_modules/axe-core/axe.min.js"
if [ ! -s "$axe" ]; then
  echo "fetch-assets: $axe is missing after npm ci (the browser test's accessibility check needs it)" >&2
  exit 1
fi
echo "fetch-assets: axe-core $(node -p 'require("./node_modules/axe-core/package.json").version' 2>/dev/null || echo '?') for the browser test (not embedded)" >&2
