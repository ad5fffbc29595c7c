"""A supervised child process: started, read line by line, restarted with backoff, stopped cleanly."""

from __future__ import annotations

import collections
import subprocess
import threading
from typing import Callable

from radiod.clock import Clock
from radiod.errors import BridgeError

LineHandler = Callable[[str], None]
ExitHandler = Callable[[int, str], None]      # (return code, last lines of output)


class Supervisor:
    """Runs ``argv`` and keeps it running until ``stop()``.

    Every line of the child's standard output goes to ``on_line`` (from the reader thread, in
    order). When the child exits on its own, ``on_exit`` is told and the child is started again
    after a delay that doubles from ``backoff_ms`` up to ``max_backoff_ms``; a run that lasted
    ``stable_ms`` resets the delay.
    """

    def __init__(self, argv: list[str], on_line: LineHandler, *, on_exit: ExitHandler | None = None,
                 backoff_ms: int = 500, max_backoff_ms: int = 30_000, stable_ms: int = 60_000,
                 stop_timeout_ms: int = 5_000, clock: Clock, name: str = "child"):
        self.argv = list(argv)
        self.on_line = on_line
        self.on_exit = on_exit
        self.backoff_ms = backoff_ms
        self.max_backoff_ms = max_backoff_ms
        self.stable_ms = stable_ms
        self.stop_timeout_ms = stop_timeout_ms
        self.clock = clock
        self.name = name
        self.restarts = 0
        self.tail: collections.deque[str] = collections.deque(maxlen=20)   # last lines, for errors
        self._proc: subprocess.Popen[str] | None = None
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    @property
    def pid(self) -> int | None:
        proc = self._proc
        return proc.pid if proc and proc.poll() is None else None

    def start(self) -> None:
        """Start the child now (raises BridgeError if it cannot be executed at all)."""
        self._stopping.clear()
        self._spawn()
        self._thread = threading.Thread(target=self._run, name=f"{self.name}-supervisor", daemon=True)
        self._thread.start()

    def _spawn(self) -> bool:
        # Under the lock, so that stop() either sees the new child or prevents it.
        with self._lock:
            if self._stopping.is_set():
                return False
            try:
                self._proc = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                              stderr=subprocess.STDOUT, text=True, bufsize=1,
                                              errors="replace", start_new_session=True)
            except OSError as exc:
                raise BridgeError(f"cannot run {self.argv[0]}: {exc.strerror or exc}") from None
            return True

    def _run(self) -> None:
        delay_ms = self.backoff_ms
        while True:
            proc = self._proc
            assert proc is not None and proc.stdout is not None
            started_ms = self.clock.monotonic_ms()
            for line in proc.stdout:
                line = line.rstrip("\n")
                self.tail.append(line)
                self.on_line(line)
            code = proc.wait()
            if self._stopping.is_set():
                return
            if self.on_exit:
                self.on_exit(code, "\n".join(self.tail))
            if self.clock.monotonic_ms() - started_ms >= self.stable_ms:
                delay_ms = self.backoff_ms
            # Wait for the backoff, unless stop() is called meanwhile.
            if self._stopping.wait(delay_ms / 1000):
                return
            delay_ms = min(delay_ms * 2, self.max_backoff_ms)
            try:
                if not self._spawn():
                    return
            except BridgeError as exc:
                self.tail.append(str(exc))
                if self.on_exit:
                    self.on_exit(-1, str(exc))
                if self._stopping.wait(delay_ms / 1000):
                    return
                continue
            self.restarts += 1

    def stop(self) -> int | None:
        """Terminate the child (SIGTERM, then SIGKILL after the timeout); returns its exit code."""
        self._stopping.set()
        with self._lock:
            proc = self._proc
        code = None
        if proc is not None:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(self.stop_timeout_ms / 1000)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
            code = proc.returncode
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(self.stop_timeout_ms / 1000)
        return code
