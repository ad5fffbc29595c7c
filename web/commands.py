"""`radiod web`: the control panel and public pages in their own process, served by waitress.

Why waitress, sized this way: it is a pure-Python production server with no extra build step,
and its I/O loop holds idle keep-alive connections without threads. Only a running request holds
a thread, and a live now-playing feed (server-sent events) is a request that never ends — so the
pool is ``web.threads`` for ordinary requests plus one thread per open feed (grown and shrunk as
feeds come and go, up to ``web.sse_clients``; beyond that the feed answers 503 and the page falls
back to polling), so feeds never starve the panel. Few workers for short requests keep the GIL
convoy small; a parked feed thread costs a little memory and no CPU; fan-out is one Condition.
"""

from __future__ import annotations

import logging
import resource
import signal

import click

from radiod.cli import Station, pass_station
from radiod.errors import RadiodError

log = logging.getLogger("radiod.web")


def _raise_fd_limit(wanted: int) -> None:
    """Each connection is a file descriptor; lift the soft limit toward the hard one."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


def make_server(config, app):
    """A waitress server for the app, bound and ready (``server.effective_port`` is the real port)."""
    from waitress.server import create_server

    web = config.web
    connection_limit = web.threads + web.sse_clients + 512
    _raise_fd_limit(connection_limit + 256)
    options = dict(
        host=web.host, port=web.port,
        threads=web.threads,
        connection_limit=connection_limit,
        backlog=1024,
        asyncore_use_poll=True,        # select() cannot watch descriptors above 1024
        channel_timeout=60,
        channel_request_lookahead=1,   # lets a live feed notice at once that its listener left
        expose_tracebacks=False,
        ident="radiod",
    )
    if web.behind_tls:
        # Behind the documented nginx setup: trust its forwarded address and scheme only.
        options.update(trusted_proxy="127.0.0.1", trusted_proxy_count=1,
                       trusted_proxy_headers={"x-forwarded-for", "x-forwarded-proto"},
                       clear_untrusted_proxy_headers=True)
    server = create_server(app, **options)
    # One more worker per open live feed (a feed parks its thread until the listener leaves).
    app.extensions["radiod"].on_feeds = lambda feeds: server.task_dispatcher.set_thread_count(web.threads + feeds)
    return server


@click.command("web")
@click.option("--host", help="Address to listen on (default: web.host).")
@click.option("--port", type=int, help="Port to listen on, 0 for any free one (default: web.port).")
@pass_station
def web_command(station: Station, host: str | None, port: int | None) -> None:
    """Serve the control panel, public pages and JSON API."""
    import dataclasses

    from web import create_app

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    # Under a burst waitress logs every queued request; that is load, not a fault.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    config = station.config
    if host is not None or port is not None:
        web = dataclasses.replace(config.web, host=host or config.web.host,
                                  port=config.web.port if port is None else port)
        config = dataclasses.replace(config, web=web)
    app = create_app(config)
    try:
        server = make_server(config, app)
    except OSError as exc:
        app.extensions["radiod"].hub.stop()
        raise RadiodError(f"web: cannot listen on {config.web.host}:{config.web.port}: {exc.strerror or exc}") from None
    shown_host = "127.0.0.1" if config.web.host in ("0.0.0.0", "") else config.web.host
    click.echo(f"radiod web: {config.station.name} on http://{shown_host}:{server.effective_port}/", )

    def stop(signum, frame):
        app.extensions["radiod"].hub.stop()   # ends every live feed, freeing its thread
        server.close()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        server.run()
    except (OSError, ValueError):
        # close() from the signal handler ends the loop by closing its sockets.
        pass
    finally:
        app.extensions["radiod"].hub.stop()
