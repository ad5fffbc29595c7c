#!/usr/bin/env bash
# Builds the demo station on first use, scans its library and puts it on air.
set -euo pipefail
cd "$(dirname "$0")/.."
station="${1:-demo-station}"
radiod=.venv/bin/radiod
if [[ ! -f "$station/radiod.toml" ]]; then
    "$radiod" demo init "$station"
fi
"$radiod" --station "$station" scan
