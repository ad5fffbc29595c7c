"""A small HTTP client for tests against a real `radiod web` process: one session's cookies, no
redirects followed, an optional source address (127.0.0.x) so a test can be several visitors."""

from __future__ import annotations

import http.client
import urllib.parse
from dataclasses import dataclass, field
from http.cookies import SimpleCookie

from panel_support import PASSWORD, csrf_from


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def header(self, name: str) -> str | None:
        return self.headers.get(name)


@dataclass
class Visitor:
    """One browser: its cookies, talking to ``url`` from ``source`` (a loopback address)."""

    url: str
    source: str = "127.0.0.1"
    cookies: dict[str, str] = field(default_factory=dict)

    def request(self, method: str, path: str, *, form: dict[str, str] | None = None,
                headers: dict[str, str] | None = None, timeout: float = 30) -> Answer:
        host, port = urllib.parse.urlsplit(self.url).netloc.split(":")
        conn = http.client.HTTPConnection(host, int(port), timeout=timeout, source_address=(self.source, 0))
        sent = dict(headers or {})
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            conn.request(method, path, body=body, headers=sent)
            response = conn.getresponse()
            answer = Answer(response.status, response.headers, response.read())
        finally:
            conn.close()
        for value in answer.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(value).items():
                self.cookies[name] = morsel.value
        return answer

    def get(self, path: str, **kwargs) -> Answer:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, form: dict[str, str], **kwargs) -> Answer:
        return self.request("POST", path, form=form, **kwargs)

    def csrf(self, path: str = "/login") -> str:
        return csrf_from(self.get(path).text)

    def login(self, name: str, password: str = PASSWORD, token: str | None = None) -> Answer:
        """POST /login with this visitor's CSRF token (fetched unless given)."""
        return self.post("/login", {"name": name, "password": password, "csrf_token": token or self.csrf()})
