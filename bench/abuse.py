"""The panel under hostile clients: ordinary listeners polling `/api/now-playing` (from 127.0.0.2)
while attackers run, beside a no-abuse baseline in the same run. Attacks:

- slow headers: 300 connections that send a request's headers one line a second, never ending
  them, and connect again when dropped (from 30 loopback addresses, 10 each, so the header
  timeout is what stops them, not the per-address limit);
- large bodies: 300 anonymous requests of 1 MiB to `POST /login` and 900 MB announced to the
  upload route, sent as fast as the server takes them, again and again (30 addresses);
- feeds: one client (one address) opening 500 live feeds;
- all three at once.

For each: the ordinary clients' latency (p50/p99/max over all their requests, ms) and errors, the
highest resident memory of all `radiod web` processes together while the attack ran, and the
growth of the server's temporary folder. Each cell is the median of ``--runs`` runs.

    .venv/bin/python bench/abuse.py [--seconds 8] [--runs 3] [--clients 20] [--with-playout]

With ``--with-playout`` it then plays bench/playout.py's chain of hard starts into a private
PulseAudio null sink twice — on a quiet panel and while all three attacks run — and prints the
hard-start error measured from the captured audio, side by side.

Attackers run in a process of their own, ordinary clients in this one; both share this machine's
cores with the server. The load average is printed at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "web"))

from hostile import folder_bytes, host_port, rss_kb  # noqa: E402
from panel_support import RadiodWeb, make_station, now_doc, write_now_playing  # noqa: E402
from radiod.config import load_config  # noqa: E402

ORDINARY = "127.0.0.2"
ATTACK_ADDRESSES = [f"127.0.1.{n}" for n in range(1, 31)]
FEED_ADDRESS = "127.0.2.1"
KINDS = ["none (baseline)", "slow headers", "large bodies", "500 feeds", "all three"]


async def ordinary(host: str, port: int, stop: asyncio.Event, latencies: list[float], errors: list[str]) -> None:
    """A listener's page polling now-playing every 50 ms on a keep-alive connection."""
    request = f"GET /api/now-playing HTTP/1.1\r\nHost: {host}\r\n\r\n".encode()
    reader = writer = None
    while not stop.is_set():
        try:
            if writer is None:
                reader, writer = await asyncio.open_connection(host, port, local_addr=(ORDINARY, 0))
            start = time.monotonic()
            writer.write(request)
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
            length = int(next(line.split(b":")[1] for line in head.split(b"\r\n")
                              if line.lower().startswith(b"content-length")))
            await reader.readexactly(length)
            latencies.append((time.monotonic() - start) * 1000)
            if not head.startswith(b"HTTP/1.1 200"):
                errors.append(head.split(b"\r\n")[0].decode())
        except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError, StopIteration) as exc:
            errors.append(type(exc).__name__)
            if writer is not None:
                writer.close()
            reader = writer = None
        await asyncio.sleep(0.05)
    if writer is not None:
        writer.close()


async def slow_headers(host: str, port: int, source: str, stop: asyncio.Event) -> None:
    while not stop.is_set():
        try:
            reader, writer = await asyncio.open_connection(host, port, local_addr=(source, 0))
        except OSError:
            await asyncio.sleep(0.2)
            continue
        try:
            writer.write(b"GET / HTTP/1.1\r\nHost: x\r\n")
            while not stop.is_set() and not reader.at_eof():
                await asyncio.sleep(1)
                writer.write(b"X-Slow: 1\r\n")
                await writer.drain()
        except OSError:
            pass
        finally:
            writer.close()


async def large_body(host: str, port: int, source: str, upload: bool, stop: asyncio.Event) -> None:
    if upload:
        head = (b"PUT /dj/uploads/" + b"0" * 32 + b"?offset=0 HTTP/1.1\r\nHost: x\r\n"
                b"Content-Type: application/octet-stream\r\nContent-Length: 943718400\r\n\r\n")
    else:
        head = (b"POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                b"Content-Length: 1048576\r\n\r\n")
    piece = b"a" * 65536
    while not stop.is_set():
        try:
            reader, writer = await asyncio.open_connection(host, port, local_addr=(source, 0))
        except OSError:
            await asyncio.sleep(0.2)
            continue
        try:
            writer.write(head)
            for _ in range(16 if not upload else 14400):       # 1 MiB, or 900 MB
                if stop.is_set() or reader.at_eof():
                    break
                writer.write(piece)
                await asyncio.wait_for(writer.drain(), 5)
            await asyncio.wait_for(reader.read(4096), 5)
        except (OSError, asyncio.TimeoutError):
            pass
        finally:
            writer.close()


async def feeds(host: str, port: int, count: int, stop: asyncio.Event, held: list[int]) -> None:
    async def one() -> None:
        try:
            reader, writer = await asyncio.open_connection(host, port, local_addr=(FEED_ADDRESS, 0))
        except OSError:
            return
        try:
            writer.write(b"GET /api/now-playing/events HTTP/1.1\r\nHost: x\r\n\r\n")
            line = await asyncio.wait_for(reader.readline(), 10)
            if line.startswith(b"HTTP/1.1 200"):
                held.append(1)
                while not stop.is_set() and await reader.read(4096):
                    pass
        except (OSError, asyncio.TimeoutError):
            pass
        finally:
            writer.close()
    await asyncio.gather(*(one() for _ in range(count)))


def attacks(host: str, port: int, kind: str, stop: asyncio.Event, held: list[int]) -> list:
    jobs = []
    if kind in ("slow headers", "all three"):
        jobs += [slow_headers(host, port, ATTACK_ADDRESSES[n % 30], stop) for n in range(300)]
    if kind in ("large bodies", "all three"):
        jobs += [large_body(host, port, ATTACK_ADDRESSES[n % 30], n % 2 == 1, stop) for n in range(300)]
    if kind in ("500 feeds", "all three"):
        jobs.append(feeds(host, port, 500, stop, held))
    return jobs


def attack_process(host: str, port: int, kind: str, seconds: float, held_out) -> None:
    """The attackers, in their own process: their CPU is not the ordinary clients' event loop."""
    held: list[int] = []

    async def main() -> None:
        stop = asyncio.Event()
        tasks = [asyncio.create_task(a) for a in attacks(host, port, kind, stop, held)]
        await asyncio.sleep(seconds)
        stop.set()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    asyncio.run(main())
    held_out.value = len(held)


def run_once(url: str, pid: int, tmp: Path, kind: str, seconds: float, clients: int) -> dict:
    host, port = host_port(url)
    latencies: list[float] = []
    errors: list[str] = []
    peak = {"rss": rss_kb(pid), "tmp": 0}
    tmp_before = folder_bytes(tmp)
    sampling = threading.Event()

    def sample() -> None:
        while not sampling.wait(0.2):
            peak["rss"] = max(peak["rss"], rss_kb(pid))
            peak["tmp"] = max(peak["tmp"], folder_bytes(tmp) - tmp_before)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    held = multiprocessing.Value("i", 0)
    attacker = None
    if kind != KINDS[0]:
        attacker = multiprocessing.get_context("fork").Process(
            target=attack_process, args=(host, port, kind, seconds + 1.5, held))
        attacker.start()
        time.sleep(1.5)                      # the attack is under way first

    async def listen() -> None:
        stop = asyncio.Event()
        listeners = [asyncio.create_task(ordinary(host, port, stop, latencies, errors)) for _ in range(clients)]
        await asyncio.sleep(seconds)
        stop.set()
        await asyncio.gather(*listeners)

    asyncio.run(listen())
    if attacker is not None:
        attacker.join(30)
    sampling.set()
    sampler.join()
    ordered = sorted(latencies)
    return {"p50": ordered[len(ordered) // 2], "p99": ordered[int(0.99 * (len(ordered) - 1))],
            "max": ordered[-1], "requests": len(ordered), "errors": len(errors),
            "rss_mb": peak["rss"] / 1024, "tmp_mb": peak["tmp"] / 2**20, "feeds": held.value}


def playout_under_attack(url: str, boundaries: int, track_ms: int) -> dict[str, list[float]]:
    """Hard-start errors (ms, heard vs scheduled) of one chain on a quiet panel and one under attack."""
    sys.path.insert(0, str(ROOT / "bench"))
    from playout import chain, private_pulse

    host, port = host_port(url)
    results = {}
    with tempfile.TemporaryDirectory(prefix="radiod-bench-") as tmp, private_pulse(Path(tmp)) as pulse:
        results["quiet panel"] = chain(pulse, Path(tmp), boundaries, track_ms)["starts"]
        held = multiprocessing.Value("i", 0)
        seconds = boundaries * track_ms / 1000 + 60            # longer than the chain takes
        attacker = multiprocessing.get_context("fork").Process(
            target=attack_process, args=(host, port, KINDS[-1], seconds, held))
        attacker.start()
        try:
            time.sleep(1.5)                                   # the attack is under way first
            results["all three attacks"] = chain(pulse, Path(tmp), boundaries, track_ms)["starts"]
        finally:
            attacker.terminate()
            attacker.join(30)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8, help="ordinary clients' time per run")
    parser.add_argument("--runs", type=int, default=3, help="runs per row (the median is shown)")
    parser.add_argument("--clients", type=int, default=20, help="ordinary clients polling now-playing")
    parser.add_argument("--with-playout", action="store_true",
                        help="also measure playout's hard-start error from captured audio, quiet and attacked")
    parser.add_argument("--boundaries", type=int, default=60, help="hard starts per playout chain")
    parser.add_argument("--track-ms", type=int, default=500, help="length of each tone in the chain")
    args = parser.parse_args()

    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))     # the attackers need many sockets

    with tempfile.TemporaryDirectory(prefix="radiod-abuse-") as scratch:
        scratch = Path(scratch)
        server_tmp = scratch / "server-tmp"
        server_tmp.mkdir()
        config = load_config(make_station(scratch / "station"), env={})
        write_now_playing(config, now_doc("Bench Song", "Bench Band"))
        web = RadiodWeb(config.station_dir, env={"TMPDIR": str(server_tmp)})
        kinds = KINDS
        with web as url:
            time.sleep(2)                         # the workers are started
            workers = len(Path(f"/proc/{web.process.pid}/task/{web.process.pid}/children").read_text().split())
            rows: dict[str, list[dict]] = {k: [] for k in kinds}
            for _ in range(args.runs):
                for kind in kinds:                # rows take turns, so a busy moment hits all alike
                    rows[kind].append(run_once(url, web.process.pid, server_tmp, kind, args.seconds, args.clients))
                    time.sleep(2)                 # dropped connections and feeds are let go
            refusals = [line for line in web.log.read_text().splitlines() if " refused " in line]
            playout = playout_under_attack(url, args.boundaries, args.track_ms) if args.with_playout else {}
        print(f"/api/now-playing for {args.clients} ordinary clients (poll every 50 ms, keep-alive) while "
              f"attacked; radiod web with {workers or 1} worker process(es), default limits; "
              f"median of {args.runs} runs of {args.seconds:.0f} s")
        print(f"{'attack':18} {'requests':>8} {'p50 ms':>7} {'p99 ms':>7} {'max ms':>7} {'errors':>6} "
              f"{'RSS MB':>7} {'/tmp MB':>7} {'feeds held':>10}")
        for kind in kinds:
            med = {k: statistics.median(r[k] for r in rows[kind]) for k in rows[kind][0]}
            print(f"{kind:18} {med['requests']:8.0f} {med['p50']:7.1f} {med['p99']:7.1f} {med['max']:7.1f} "
                  f"{med['errors']:6.0f} {med['rss_mb']:7.0f} {med['tmp_mb']:7.1f} {med['feeds']:10.0f}")
        p99s = {k: [round(r["p99"], 1) for r in rows[k]] for k in kinds}
        print("p99 of each run (ms):", "; ".join(f"{k}: {v}" for k, v in p99s.items()))
        print(f"refusals logged by the server: {len(refusals)} lines (one per address and kind a minute)")
        if playout:
            print(f"\nplayout: hard-start error of {args.boundaries + 1} chained starts, heard vs scheduled "
                  "(ms, from the captured null-sink audio)")
            print(f"{'while':24} {'p50':>7} {'p99':>7} {'max':>7}")
            for name, starts in playout.items():
                ordered = sorted(starts)
                print(f"{name:24} {statistics.median(ordered):7.1f} {ordered[int(0.99 * (len(ordered) - 1))]:7.1f} "
                      f"{max(ordered, key=abs):7.1f}")
        print(f"load average after: {os.getloadavg()[0]:.1f} ({os.cpu_count()} cores)")


if __name__ == "__main__":
    main()
