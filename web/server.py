"""The panel's server: the control panel and public pages in their own processes, served by uvicorn.

Why this shape: a listener's page, widget or cache mostly asks for now-playing, and a pure-Python
HTTP parser on one core was the limit. uvicorn parses HTTP in C (httptools) on an event loop
(uvloop), and web/asgi.py answers now-playing and the live feed inside that loop; the rest of the
panel runs in Flask on ``web.threads`` threads. One process per core (``web.workers``) shares one
listening socket; each follows the now-playing file itself, and the live-feed places
(``web.sse_clients`` in all, ``web.feeds_per_address`` per address) are counted across all of
them (web/places.py). The parent only starts, restarts and stops
the workers.
"""

from __future__ import annotations

import logging
import os
import resource
import signal
import socket
import time
from typing import Callable

from radiod.config import Config
from radiod.errors import RadiodError
from radiod_web.places import FeedPlaces, WorkerPlaces

log = logging.getLogger("radiod.web")


def _raise_fd_limit(wanted: int) -> None:
    """Each connection is a file descriptor; lift the soft limit toward the hard one."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


def listen(host: str, port: int) -> socket.socket:
    """The listening socket every worker shares (port 0 = any free one)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(1024)
    except OSError as exc:
        sock.close()
        raise RadiodError(f"web: cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    sock.set_inheritable(True)
    return sock


def worker_count(config: Config) -> int:
    return config.web.workers or os.cpu_count() or 1


def _exit_quietly(signum, frame) -> None:
    raise SystemExit(0)


def serve(config: Config, sock: socket.socket, places: WorkerPlaces) -> None:
    """One worker: the app, its now-playing watcher and uvicorn on the shared socket, until a signal."""
    import uvicorn
    from radiod_web import create_app
    from radiod_web.asgi import PanelASGI
    from radiod_web.headers import answer_headers
    from radiod_web.limits import ConnectionLimits, bounded_protocol

    panel = PanelASGI(create_app(config), places=places)
    web = config.web
    limits = ConnectionLimits(
        max_header_bytes=web.max_header_kb * 1024, max_headers=web.max_headers,
        header_timeout_s=web.header_timeout_s, per_address=web.connections_per_address,
        # Behind nginx every connection comes from it; nginx limits each client (deploy/nginx).
        exempt=frozenset({"127.0.0.1", "::1"}) if web.behind_tls else frozenset(),
        # Refused before the request is read: its path and Origin are unknown.
        headers=tuple(answer_headers(web, path=None, origin=None)))
    server_config = uvicorn.Config(
        panel, lifespan="on", loop="uvloop", http=bounded_protocol(limits), ws="none", interface="asgi3",
        log_config=None, access_log=False,
        # Behind the documented nginx setup: trust its forwarded address and scheme only.
        proxy_headers=web.behind_tls, forwarded_allow_ips="127.0.0.1" if web.behind_tls else None,
        server_header=False, headers=[("server", "radiod")],
        timeout_keep_alive=75,            # longer than nginx keeps an idle upstream connection (60 s)
        timeout_graceful_shutdown=5,
    )

    class Server(uvicorn.Server):
        def handle_exit(self, sig, frame):
            panel.stop()                  # live feeds end at once, so shutdown does not wait on them
            super().handle_exit(sig, frame)

    Server(server_config).run(sockets=[sock])


def supervise(workers: int, start: Callable[[int], None], on_lost: Callable[[int], None]) -> None:
    """Fork ``workers`` children running ``start(index)``; replace one that dies; on SIGTERM or
    SIGINT pass SIGTERM on and return once all have exited."""
    children: dict[int, int] = {}
    stopping = False

    def spawn(index: int) -> None:
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                signal.signal(signal.SIGTERM, _exit_quietly)
                signal.signal(signal.SIGINT, _exit_quietly)
                start(index)
                code = 0
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 1
            except BaseException:
                log.exception("web worker %d failed", index)
            finally:
                os._exit(code)
        children[pid] = index

    def stop(signum, frame) -> None:
        nonlocal stopping
        stopping = True
        for pid in list(children):
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for index in range(workers):
        spawn(index)
    while children:
        pid, status = os.wait()
        lost = children.pop(pid, None)
        if lost is None or stopping:
            continue
        log.error("web worker %d (pid %d) exited with status %d; starting another", lost, pid, status)
        on_lost(lost)
        time.sleep(1)                     # a worker that cannot start must not spin the CPU
        if not stopping:
            spawn(lost)


def run(config: Config, announce: Callable[[str], None]) -> None:
    """Serve until SIGTERM/SIGINT: ``web.workers`` processes on one socket, each restarted if it dies."""
    from radiod_web import create_app

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    # Without systemd's Nice= (packaging/radiod-web.service), this lets a burst of listeners wait for playout.
    if config.web.nice > 0:
        os.nice(config.web.nice)
    # Once, before any worker: database tables and the session key exist, the config is sound.
    create_app(config, watch=False)
    workers = worker_count(config)
    _raise_fd_limit(config.web.sse_clients + config.web.threads + 2048)
    sock = listen(config.web.host, config.web.port)
    shown_host = "127.0.0.1" if config.web.host in ("0.0.0.0", "") else config.web.host
    announce(f"radiod web: {config.station.name} on http://{shown_host}:{sock.getsockname()[1]}/")
    places = FeedPlaces(config.web.sse_clients, config.web.feeds_per_address, workers)
    if workers == 1:
        signal.signal(signal.SIGTERM, _exit_quietly)
        signal.signal(signal.SIGINT, _exit_quietly)
        serve(config, sock, places.for_worker(0))
    else:
        supervise(workers, lambda index: serve(config, sock, places.for_worker(index)), places.reset)
    sock.close()
