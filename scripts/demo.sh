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
echo "demo: putting $station on air (Ctrl-C stops it). Audio goes to the default output, or into" \
     "$station/state/output.wav when there is no sound device; the first log line says which." >&2
exec "$radiod" --station "$station" run
