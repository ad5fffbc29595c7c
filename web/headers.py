"""The security and CORS headers of every answer, built in one place for the Flask routes
(web/security.py, web/api.py) and for the live feed served from the event loop (web/asgi.py)."""

from __future__ import annotations

from radiod.config import WebConfig

# No inline scripts or styles anywhere: every script and stylesheet is a file under /static.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
       "frame-ancestors 'none'")
# The embeddable player page may be framed by any site (it only shows public data).
CSP_EMBED = CSP.replace("frame-ancestors 'none'", "frame-ancestors *")

Headers = list[tuple[str, str]]


def security_headers(web: WebConfig, *, embed: bool = False) -> Headers:
    """What every answer carries: CSP, framing, sniffing, referrer, and HSTS behind TLS."""
    headers = [("Content-Security-Policy", CSP_EMBED if embed else CSP)]
    if not embed:
        headers.append(("X-Frame-Options", "DENY"))
    headers += [("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "same-origin")]
    if web.behind_tls:
        headers.append(("Strict-Transport-Security", "max-age=31536000"))
    return headers


def cors_headers(web: WebConfig, origin: str | None) -> Headers:
    """Access-Control-Allow-Origin for the public API: '*', or the request's Origin when it is one
    of ``web.cors_origins`` (then the answer varies by Origin, which caches must know)."""
    if "*" in web.cors_origins:
        return [("Access-Control-Allow-Origin", "*")]
    if origin and origin in web.cors_origins:
        return [("Access-Control-Allow-Origin", origin), ("Vary", "Origin")]
    if web.cors_origins:
        return [("Vary", "Origin")]        # another origin gets no grant; a cache must not reuse one
    return []
