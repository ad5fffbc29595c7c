"""Memory of the web process while a DJ uploads a large show (the upload is streamed to disk).

    .venv/bin/python bench/upload.py [--mb 1024] [--piece-mb 64] [--runs 3]

Starts a real `radiod web`, logs in, and uploads ``--mb`` MB in pieces of ``--piece-mb`` MB through
the resumable-upload API while sampling the resident memory (VmRSS) of its processes every 20 ms. The
content is not audio, so the checks refuse it at the end: the run also shows that nothing is left.
Baseline: the process's RSS just before the upload. Prints each run, then the median.
`radiod web` refuses a single request body of 1 GiB or more, so ``--piece-mb`` must stay below 1024
(the page itself sends 8 MB pieces).
"""

from __future__ import annotations

import argparse
import http.client
import json
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from radiod.accounts.users import Accounts  # noqa: E402
from radiod.clock import SystemClock  # noqa: E402
from radiod.config import load_config  # noqa: E402
from radiod.store import open_db  # noqa: E402

PASSWORD = "bench password 123"
BLOCK = b"\0" * (1 << 20)


def make_station(root: Path) -> Path:
    (root / "schedules").mkdir(parents=True)
    (root / "radiod.toml").write_text('[station]\nname = "Bench FM"\ntimezone = "UTC"\n', encoding="utf-8")
    (root / "schedules" / "station.toml").write_text('[station]\nname = "Bench FM"\ntimezone = "UTC"\n'
                                                     'djs = ["boss"]\n', encoding="utf-8")
    (root / "schedules" / "shows.toml").write_text('[show.big]\ntitle = "Big Show"\nkind = "prerecorded"\n',
                                                   encoding="utf-8")
    (root / "schedules" / "grid.toml").write_text('[[slot]]\ndays = "daily"\nstart = "00:00"\nend = "24:00"\n'
                                                  'show = "big"\n', encoding="utf-8")
    config = load_config(root, env={})
    conn = open_db(config.paths.database)
    Accounts(conn, SystemClock()).add_user("boss", "manager", PASSWORD)
    conn.close()
    return root


class Session:
    """A tiny cookie-keeping HTTP client on one keep-alive connection."""

    def __init__(self, port: int):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        self.cookie = ""

    def request(self, method: str, path: str, body=None, headers=None) -> tuple[int, bytes]:
        headers = dict(headers or {})
        if self.cookie:
            headers["Cookie"] = self.cookie
        self.conn.request(method, path, body=body, headers=headers)
        r = self.conn.getresponse()
        data = r.read()
        cookie = r.getheader("Set-Cookie")
        if cookie:
            self.cookie = cookie.split(";", 1)[0]
        return r.status, data


def rss_kb(pid: int) -> int:
    """Resident memory of ``pid`` and its children summed: `radiod web` is a parent that starts
    one worker process per core, and any of them may take the upload."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except FileNotFoundError:          # the process has gone; the caller reports why
        return 0
    own = next((int(line.split()[1]) for line in text.splitlines() if line.startswith("VmRSS:")), 0)
    return own + sum(rss_kb(int(child)) for child in children)


def one_run(port: int, pid: int, station: Path, size: int, piece: int) -> dict:
    s = Session(port)
    html = s.request("GET", "/login")[1].decode()
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    status, _ = s.request("POST", "/login", urlencode({"name": "boss", "password": PASSWORD, "csrf_token": token}),
                          {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 302, status
    html = s.request("GET", "/dj/shows/big/files")[1].decode()
    token = re.search(r'data-csrf="([^"]+)"', html).group(1)
    status, body = s.request("POST", "/dj/shows/big/uploads", urlencode({"name": "big.wav", "size": size}),
                             {"Content-Type": "application/x-www-form-urlencoded", "X-CSRF-Token": token})
    up = json.loads(body)
    assert up["ok"], up

    baseline = rss_kb(pid)
    peak = [baseline]
    done = threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], rss_kb(pid))
            time.sleep(0.02)
    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    start = time.perf_counter()
    offset, answer = 0, {}
    while offset < size:
        n = min(piece, size - offset)
        body = (BLOCK[: min(len(BLOCK), n - i)] for i in range(0, n, len(BLOCK)))
        status, data = s.request("PUT", f"/dj/uploads/{up['id']}?offset={offset}", body,
                                 {"X-CSRF-Token": token, "Content-Length": str(n),
                                  "Content-Type": "application/octet-stream"})
        answer = json.loads(data)
        if not answer.get("ok"):
            break
        offset = answer["offset"]
    seconds = time.perf_counter() - start
    done.set()
    sampler.join()
    left = [p for p in (station / "state" / "uploads-partial").glob("*")] + \
           [p for p in (station / "uploads").rglob("*") if p.is_file()]
    return {"baseline_mb": baseline / 1024, "peak_mb": peak[0] / 1024, "seconds": seconds,
            "answer": answer.get("error") or answer.get("message"), "left": len(left)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=int, default=1024)
    ap.add_argument("--piece-mb", type=int, default=64)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    size, piece = args.mb << 20, args.piece_mb << 20
    with tempfile.TemporaryDirectory(prefix="radiod-bench-upload-") as tmp:
        station = make_station(Path(tmp) / "station")
        radiod = Path(sys.executable).parent / "radiod"
        log = open(Path(tmp) / "web.log", "w+")
        proc = subprocess.Popen([str(radiod), "--station", str(station), "web", "--host", "127.0.0.1", "--port", "0"],
                                stdout=subprocess.PIPE, stderr=log, text=True)
        try:
            port = int(re.search(r":(\d+)/", proc.stdout.readline()).group(1))
            results = [one_run(port, proc.pid, station, size, piece) for _ in range(args.runs)]
        except Exception:
            log.seek(0)
            sys.stderr.write(f"web process exit status {proc.poll()}; its log:\n{log.read()[-3000:]}")
            raise
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    print(f"upload of {args.mb} MB in {args.piece_mb} MB pieces to `radiod web` (RSS sampled every 20 ms)")
    print(f"{'run':>4} {'RSS before MB':>14} {'peak RSS MB':>12} {'growth MB':>10} {'peak/before':>12} "
          f"{'MB/s':>7} {'files left':>10}")
    for i, r in enumerate(results, 1):
        print(f"{i:>4} {r['baseline_mb']:>14.1f} {r['peak_mb']:>12.1f} {r['peak_mb'] - r['baseline_mb']:>10.1f} "
              f"{r['peak_mb'] / r['baseline_mb']:>12.2f} {args.mb / r['seconds']:>7.0f} {r['left']:>10}")
    med = {k: statistics.median(r[k] for r in results) for k in ("baseline_mb", "peak_mb", "seconds")}
    print(f"{'med':>4} {med['baseline_mb']:>14.1f} {med['peak_mb']:>12.1f} {med['peak_mb'] - med['baseline_mb']:>10.1f} "
          f"{med['peak_mb'] / med['baseline_mb']:>12.2f} {args.mb / med['seconds']:>7.0f}")
    print(f"server's answer: {results[-1]['answer']}")


if __name__ == "__main__":
    main()
