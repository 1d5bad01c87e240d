#!/usr/bin/env bash
# Checks deploy/relais.service with systemd-analyze: the unit's syntax and
# its directives (verify), then its exposure score (security --offline).
# systemd-analyze wants ExecStart's binary to exist: the check points it at
# a freshly built relais.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/relais" ./cmd/relais
sed "s#/usr/local/bin/relais#$tmp/relais#g" deploy/relais.service >"$tmp/relais.service"
out=$(systemd-analyze verify "$tmp/relais.service" 2>&1) || { echo "$out"; exit 1; }
# verify exits 0 on some warnings: any line about our unit is a failure.
if grep -F "relais.service" <<<"$out"; then exit 1; fi
# systemd 252 exits 1 from security --offline whatever the score: read the
# score and hold it to 3.0 ourselves (0 is the safest, 10 the most exposed).
line=$(systemd-analyze security --offline=yes "$tmp/relais.service" 2>&1 | grep "Overall exposure level" || true)
echo "${line:-no exposure score}"
score=$(sed -E 's/.*: ([0-9.]+) .*/\1/' <<<"$line")
awk -v s="$score" 'BEGIN { exit !(s != "" && s <= 3.0) }' || { echo "exposure $score is above 3.0"; exit 1; }
