"""Run the shipped nginx site config (deploy/nginx/radiod.conf) on loopback ports, for tests and
benchmarks: the file is used as written, with only its ports, certificate and cache paths swapped."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

SITE_CONFIG = Path(__file__).resolve().parent.parent / "deploy" / "nginx" / "radiod.conf"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def render_site(text: str, *, upstream_port: int, http_port: int, https_port: int,
                cert: Path, key: Path, cache_dir: Path, episodes_dir: Path | None = None,
                harbor_port: int = 8005) -> str:
    """The site config with loopback ports and local paths; each swapped value must occur exactly once."""
    swaps = [
        ("server 127.0.0.1:8080;", f"server 127.0.0.1:{upstream_port};"),
        ("/var/cache/nginx/radiod", str(cache_dir)),
        ("listen 80;\n    listen [::]:80;", f"listen 127.0.0.1:{http_port};"),
        ("listen 443 ssl http2;\n    listen [::]:443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;"),
        ("/etc/ssl/radiod/fullchain.pem", str(cert)),
        ("/etc/ssl/radiod/privkey.pem", str(key)),
        ("/srv/radio/episodes/public/", f"{episodes_dir or cache_dir / 'episodes'}/"),
        ("server 127.0.0.1:8005;", f"server 127.0.0.1:{harbor_port};"),
    ]
    for old, new in swaps:
        if text.count(old) != 1:
            raise ValueError(f"{SITE_CONFIG}: expected {old!r} exactly once")
        text = text.replace(old, new)
    return text


def self_signed_cert(folder: Path) -> tuple[Path, Path]:
    """A throwaway certificate for 127.0.0.1 made with openssl."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return cert, key


class Nginx:
    """nginx in the foreground as a child process, with the site config plus optional extra servers."""

    def __init__(self, folder: Path, *, upstream_port: int, extra_http: str = "", workers: int = 1,
                 episodes_dir: Path | None = None, harbor_port: int = 8005):
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.http_port, self.https_port = free_port(), free_port()
        self.cert, self.key = self_signed_cert(folder)
        site = render_site(SITE_CONFIG.read_text(), upstream_port=upstream_port, http_port=self.http_port,
                           https_port=self.https_port, cert=self.cert, key=self.key, cache_dir=folder / "cache",
                           episodes_dir=episodes_dir, harbor_port=harbor_port)
        (folder / "radiod.conf").write_text(site)
        temp = {name: folder / name for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi")}
        user = "user root root;\n" if os.geteuid() == 0 else ""
        (folder / "nginx.conf").write_text(
            f"{user}daemon off;\nworker_processes {workers};\npid {folder}/nginx.pid;\n"
            f"error_log {folder}/error.log warn;\nevents {{ worker_connections 4096; }}\n"
            "http {\n    access_log off;\n    include /etc/nginx/mime.types;\n"
            "    default_type application/octet-stream;\n"
            + "".join(f"    {name}_temp_path {path};\n" for name, path in
                      (("client_body", temp["body"]), ("proxy", temp["proxy"]), ("fastcgi", temp["fastcgi"]),
                       ("uwsgi", temp["uwsgi"]), ("scgi", temp["scgi"])))
            + f"    include {folder}/radiod.conf;\n{extra_http}\n}}\n")
        self.process: subprocess.Popen | None = None

    @property
    def config_file(self) -> Path:
        return self.folder / "nginx.conf"

    def start(self) -> "Nginx":
        check = subprocess.run([NGINX, "-t", "-c", str(self.config_file), "-e", str(self.folder / "error.log")],
                               capture_output=True, text=True)
        if check.returncode != 0:
            raise RuntimeError(f"nginx -t failed: {check.stderr.strip()}")
        self.process = subprocess.Popen([NGINX, "-c", str(self.config_file), "-e", str(self.folder / "error.log")])
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.https_port), timeout=0.2).close()
                return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"nginx did not start: {(self.folder / 'error.log').read_text()}")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None
