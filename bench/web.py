"""Now-playing under load: nginx serving the JSON as a static file (the ceiling), `/api/now-playing`
from `radiod web` directly, and the same through the shipped nginx setup (deploy/nginx, TLS, 1 s
cache) — throughput and p99 latency with 50 and 200 concurrent clients, measured with wrk
(Debian's `wrk`, keep-alive connections, 2 threads). Then the live feed: 200 clients connected to
/api/now-playing/events (a Python asyncio client), the time from a now-playing file change to the
event at each client. With ``--with-playout``, also the hard-start error of bench/playout.py's chain
(tones through the real VlcPlayer into a private PulseAudio sink, measured from the captured audio)
on a quiet machine and again while wrk loads `radiod web` directly with 200 clients.

    .venv/bin/python bench/web.py [--seconds 4] [--runs 3] [--changes 5] [--with-playout]

Everything runs on this machine's loopback: load generator and servers share the same cores.
Apples to apples: the ceiling and the proxied path are the same nginx (2 workers, TLS, HTTP/1.1
keep-alive, access log off, the same open_file_cache), and the static file holds exactly the bytes
`/api/now-playing` returns; only the response headers differ (nginx's few vs radiod's security,
CORS and caching headers, about 600 bytes more).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "web"))

from panel_support import RadiodWeb, make_station, now_doc, write_now_playing  # noqa: E402
from radiod.config import load_config  # noqa: E402
from radiod_web.nginx import Nginx, free_port  # noqa: E402


# Mirrors the shipped config's now-playing location, so the ceiling gets the same tuning.
OPEN_FILE_CACHE = "open_file_cache max=16 inactive=10s; open_file_cache_valid 1s;"


def wrk(url: str, clients: int, seconds: int) -> tuple[float, float]:
    """(requests/s, p99 latency in ms) of one wrk run."""
    out = subprocess.run(["wrk", "-t2", f"-c{clients}", f"-d{seconds}s", "--latency", url],
                         capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    value, unit = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", out).groups()
    p99_ms = float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    if re.search(r"Non-2xx or 3xx responses: (\d+)", out):
        raise RuntimeError(f"{url}: errors under load:\n{out}")
    return rps, p99_ms


async def sse_client(host: str, port: int, path: str, context: ssl.SSLContext | None,
                     ready: asyncio.Event, connected: list, arrivals: dict, want: str) -> None:
    reader, writer = await asyncio.open_connection(host, port, ssl=context, limit=1 << 20)
    writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nAccept: text/event-stream\r\n\r\n".encode())
    await writer.drain()
    first = True
    while True:
        line = await reader.readline()
        if not line:
            return
        if line.startswith(b"data: "):
            title = json.loads(line[6:])["now"]["title"]
            if first:
                first = False
                connected.append(1)
                if len(connected) == want:
                    ready.set()
            else:
                arrivals.setdefault(title, []).append(time.monotonic())


async def fan_out(config, host: str, port: int, context: ssl.SSLContext | None, clients: int,
                  changes: int) -> list[float]:
    """Latencies (ms) from each file change to its event at each client."""
    ready, connected, arrivals = asyncio.Event(), [], {}
    tasks = [asyncio.create_task(sse_client(host, port, "/api/now-playing/events", context, ready,
                                            connected, arrivals, clients)) for _ in range(clients)]
    try:
        await asyncio.wait_for(ready.wait(), 60)
    except asyncio.TimeoutError:
        raise RuntimeError(f"only {len(connected)} of {clients} feed clients connected") from None
    latencies = []
    for n in range(changes):
        title = f"Change {n} {time.monotonic()}"
        await asyncio.sleep(0.5)
        written = time.monotonic()
        write_now_playing(config, now_doc(title, "Bench Band"))
        deadline = time.monotonic() + 10
        while len(arrivals.get(title, [])) < clients and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        got = arrivals.get(title, [])
        if len(got) < clients:
            raise RuntimeError(f"only {len(got)} of {clients} clients got change {n}")
        latencies += [(t - written) * 1000 for t in got]
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return latencies


def playout_under_load(load_url: str, clients: int, boundaries: int, track_ms: int) -> dict[str, list[float]]:
    """Hard-start errors (ms) of one chain on a quiet machine and one while wrk loads ``load_url``."""
    sys.path.insert(0, str(ROOT / "bench"))
    from playout import chain, private_pulse

    results = {}
    with tempfile.TemporaryDirectory(prefix="radiod-bench-") as tmp, private_pulse(Path(tmp)) as pulse:
        results["quiet"] = chain(pulse, Path(tmp), boundaries, track_ms)["starts"]
        # Longer than the chain can take; stopped as soon as the chain ends.
        seconds = boundaries * track_ms // 1000 + 120
        load = subprocess.Popen(["wrk", "-t2", f"-c{clients}", f"-d{seconds}s", load_url],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            time.sleep(2)                  # the load is running before the first start
            results[f"radiod web under wrk, {clients} clients"] = chain(pulse, Path(tmp), boundaries, track_ms)["starts"]
        finally:
            load.terminate()
            load.wait()
    return results


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=4, help="length of each wrk run")
    parser.add_argument("--runs", type=int, default=3, help="runs per cell (the median is shown)")
    parser.add_argument("--changes", type=int, default=5, help="now-playing changes in the SSE test")
    parser.add_argument("--sse-clients", type=int, default=200)
    parser.add_argument("--with-playout", action="store_true",
                        help="also measure the hard-start error, quiet and under web load")
    parser.add_argument("--boundaries", type=int, default=60, help="track starts per playout chain")
    parser.add_argument("--track-ms", type=int, default=500, help="length of each tone in the chain")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        config = load_config(make_station(tmp / "station", web="behind_tls = true"), env={})
        write_now_playing(config, now_doc("Bench Song", "Bench Band", started=datetime.now(timezone.utc)))
        static_file = tmp / "now-playing.json"
        ceiling_port = free_port()
        nginx_dir = tmp / "nginx"
        ceiling = (f"    server {{\n        listen 127.0.0.1:{ceiling_port} ssl;\n"
                   f"        ssl_certificate {nginx_dir}/cert.pem;\n        ssl_certificate_key {nginx_dir}/key.pem;\n"
                   f"        location = /api/now-playing {{\n            default_type application/json;\n"
                   f"            alias {static_file};\n            {OPEN_FILE_CACHE}\n        }}\n    }}\n")
        with RadiodWeb(config.station_dir) as direct_url:
            with urllib.request.urlopen(f"{direct_url}/api/now-playing") as response:
                static_file.write_bytes(response.read())      # the very bytes radiod serves
            nginx = Nginx(nginx_dir, upstream_port=int(direct_url.rsplit(":", 1)[1]), extra_http=ceiling,
                          workers=2).start()
            try:
                targets = [
                    ("nginx static file (ceiling)", f"https://127.0.0.1:{ceiling_port}/api/now-playing"),
                    ("radiod web direct", f"{direct_url}/api/now-playing"),
                    ("radiod web via nginx", f"https://127.0.0.1:{nginx.https_port}/api/now-playing"),
                ]
                print(f"now-playing JSON, wrk -t2, {args.runs} runs of {args.seconds} s per cell (median shown)")
                print("of ceiling: the median over rounds of (req/s ÷ the ceiling's req/s in the same round), "
                      "and its range")
                print(f"{'target':30} {'clients':>7} {'req/s':>10} {'p99 ms':>8} {'of ceiling':>11} {'range':>11}")
                for clients in (50, 200):
                    # Targets take turns within each round, so a busy moment hits all of them alike.
                    runs: dict[str, list[tuple[float, float]]] = {name: [] for name, _ in targets}
                    for _ in range(args.runs):
                        for name, url in targets:
                            runs[name].append(wrk(url, clients, args.seconds))
                    ceiling_runs = [r[0] for r in runs[targets[0][0]]]
                    for name, _ in targets:
                        rps = statistics.median(r[0] for r in runs[name])
                        p99 = statistics.median(r[1] for r in runs[name])
                        # Per round, so a slow or fast moment of the shared machine cancels out.
                        ratios = [r[0] / c for r, c in zip(runs[name], ceiling_runs)]
                        spread = f"{min(ratios):.0%}–{max(ratios):.0%}"
                        print(f"{name:30} {clients:7d} {rps:10.0f} {p99:8.1f} "
                              f"{statistics.median(ratios):10.0%} {spread:>11}")

                print(f"\nlive feed: {args.sse_clients} SSE clients, {args.changes} now-playing changes "
                      "(file write → event at each client, ms)")
                print(f"{'path':30} {'p50':>7} {'p99':>7} {'max':>7}")
                context = ssl.create_default_context(cafile=str(nginx.cert))
                port = int(direct_url.rsplit(":", 1)[1])
                for name, p, ctx in (("radiod web direct", port, None), ("via nginx", nginx.https_port, context)):
                    time.sleep(3)          # let the feeds of the previous round notice their listeners left
                    lat = asyncio.run(fan_out(config, "127.0.0.1", p, ctx, args.sse_clients, args.changes))
                    print(f"{name:30} {pct(lat, 50):7.0f} {pct(lat, 99):7.0f} {max(lat):7.0f}")

                if args.with_playout:
                    results = playout_under_load(f"{direct_url}/api/now-playing", 200, args.boundaries,
                                                 args.track_ms)
                    print(f"\nplayout: hard-start error of {args.boundaries + 1} chained starts "
                          "(heard vs scheduled, ms; bench/playout.py chain)")
                    print(f"{'while':40} {'p50':>7} {'p99':>7} {'max':>7}")
                    for name, starts in results.items():
                        print(f"{name:40} {pct(starts, 50):7.1f} {pct(starts, 99):7.1f} {max(starts):7.1f}")
                    print(f"load average after: {os.getloadavg()[0]:.1f} ({os.cpu_count()} cores)")
            finally:
                nginx.stop()


if __name__ == "__main__":
    main()
