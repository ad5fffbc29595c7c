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
# The control panel beside the daemon, with a demo manager account made on first run.
login="$station/demo-manager.txt"
if [[ ! -f "$login" ]]; then
    password="$(od -An -N9 -tx1 /dev/urandom | tr -d ' \n')"
    if "$radiod" --station "$station" user list | grep -q "^manager"$'\t'; then
        printf '%s\n' "$password" | "$radiod" --station "$station" user passwd manager --password-stdin >/dev/null
    else
        printf '%s\n' "$password" | "$radiod" --station "$station" user add manager --role manager --password-stdin >/dev/null
    fi
    (umask 077 && printf 'user name: manager\npassword: %s\n' "$password" > "$login")
fi
# A demo DJ: alex hosts "Open Mic Live" (schedules/shows.toml), so the harbor takes alex in that slot.
dj_login="$station/demo-dj.txt"
if [[ ! -f "$dj_login" ]]; then
    password="$(od -An -N9 -tx1 /dev/urandom | tr -d ' \n')"
    if "$radiod" --station "$station" user list | grep -q "^alex"$'\t'; then
        printf '%s\n' "$password" | "$radiod" --station "$station" user passwd alex --password-stdin >/dev/null
    else
        printf '%s\n' "$password" | "$radiod" --station "$station" user add alex --role dj --show open-mic \
            --password-stdin >/dev/null
    fi
    (umask 077 && printf 'user name: alex\npassword: %s\n' "$password" > "$dj_login")
fi
"$radiod" --station "$station" web > "$station/web.out" 2> "$station/web.log" &
web_pid=$!
trap 'kill "$web_pid" 2>/dev/null || true' EXIT
for _ in $(seq 50); do
    grep -q "http://" "$station/web.out" 2>/dev/null && break
    sleep 0.2
done
echo "demo: control panel $(grep -o 'http://[^ ]*' "$station/web.out" || echo "did not start, see $station/web.log")" >&2
echo "demo: the live stream (HLS, once Liquidsoap has written its first segments):" \
     "$(grep -o 'http://[^ ]*' "$station/web.out" | sed 's|/*$||')/hls/live.m3u8" >&2
echo "demo: log in as $(sed -n 's/^user name: //p' "$login") with password $(sed -n 's/^password: //p' "$login")" \
     "(kept in $login)" >&2
dj_password="$(sed -n 's/^password: //p' "$dj_login")"
harbor_port="$("$radiod" --station "$station" config | sed -n 's/^harbor_port = \([0-9]*\).*/\1/p' | head -n 1)"
echo "demo: live DJs: the harbor listens on port $harbor_port, mount /live (BUTT, Mixxx or any Icecast source client);" \
     "demo DJ alex, password $dj_password (kept in $dj_login), is taken in \"Open Mic Live\"" \
     "(Mon, Wed, Fri 18:00-19:00 station time, ± 5 min) and refused with the reason at other times." >&2
echo "demo: e.g. ffmpeg -re -f lavfi -i sine=frequency=880 -c:a libmp3lame -f mp3 -content_type audio/mpeg" \
     "icecast://alex:$dj_password@127.0.0.1:$harbor_port/live" >&2
echo "demo: or from a browser (Web DJ, microphone): log in as alex at" \
     "$(grep -o 'http://[^ ]*' "$station/web.out" | sed 's|/*$||')/dj/live/ (browsers give the microphone to localhost or https:// only)" >&2
echo "demo: putting $station on air (Ctrl-C stops it). Audio goes to the default output, or into" \
     "hourly files $station/state/output-<UTC start>.wav when there is no sound device; the first log line says which." >&2
# The live input is on for demo stations made before it existed, too.
RADIOD_LIQUIDSOAP_LIVE_INPUT=true "$radiod" --station "$station" run      # not exec: the EXIT trap stops the panel too
