"""The security and CORS headers of every answer, computed by one function, ``answer_headers``:
for the Flask routes (web/security.py), the answers made in the event loop (web/asgi.py:
now-playing, the live feed, body refusals) and the connection refusals (web/limits.py)."""

from __future__ import annotations

from radiod.config import WebConfig

# No inline scripts or styles anywhere: every script and stylesheet is a file under /static.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
       "frame-ancestors 'none'")
# The embeddable player page may be framed by any site (it only shows public data).
CSP_EMBED = CSP.replace("frame-ancestors 'none'", "frame-ancestors *")
API_PREFIX = "/api/"
HLS_PREFIX = "/hls/"       # the live stream: players on other sites may fetch it too

Headers = list[tuple[str, str]]


def answer_headers(web: WebConfig, *, path: str | None, origin: str | None, embed: bool = False,
                   connect: str = "") -> Headers:
    """Every answer's security headers, plus the CORS grant for the public API. ``connect``: one
    more origin the page may open connections to (the Web DJ page: the harbor's WebSocket).

    ``path`` None: a refusal made before the request line was read (its path is unknown), which
    gets the grant an API answer would, so a page on another site can see why it was refused."""
    headers = _security(web, embed=embed, connect=connect)
    if path is None or path.startswith((API_PREFIX, HLS_PREFIX)):
        headers += _cors(web, origin)
    return headers


def media_src(web: WebConfig) -> str:
    """The listen button's sources: the HLS stream here (hls.js plays it from blob: URLs) and the
    origin of the MP3 mount, when one is configured (an Icecast server elsewhere)."""
    origin = "/".join(web.listen_mp3_url.split("/", 3)[:3]) if web.listen_mp3_url else ""
    return " ".join(filter(None, ["media-src 'self' blob:", origin])) + "; "


def _security(web: WebConfig, *, embed: bool, connect: str = "") -> Headers:
    """CSP, framing, sniffing, referrer, and HSTS behind TLS."""
    csp = CSP_EMBED if embed else CSP
    if connect:
        csp = csp.replace("connect-src 'self'", f"connect-src 'self' {connect}", 1)
    headers = [("Content-Security-Policy", csp.replace("connect-src", media_src(web) + "connect-src", 1))]
    if not embed:
        headers.append(("X-Frame-Options", "DENY"))
    headers += [("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "same-origin")]
    if web.behind_tls:
        headers.append(("Strict-Transport-Security", "max-age=31536000"))
    return headers


def _cors(web: WebConfig, origin: str | None) -> Headers:
    """Access-Control-Allow-Origin: '*', or the request's Origin when it is one of
    ``web.cors_origins`` (then the answer varies by Origin, which caches must know)."""
    if "*" in web.cors_origins:
        return [("Access-Control-Allow-Origin", "*")]
    if origin and origin in web.cors_origins:
        return [("Access-Control-Allow-Origin", origin), ("Vary", "Origin")]
    if web.cors_origins:
        return [("Vary", "Origin")]        # another origin gets no grant; a cache must not reuse one
    return []


def encoded(headers: Headers) -> list[tuple[bytes, bytes]]:
    """Headers as ASGI wants them: lower-case names, latin-1 bytes."""
    return [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers]
