"""Supervisor: lines in order, restart with backoff after a crash, clean stop."""

from __future__ import annotations

import os
import signal
import sys
import threading

import pytest

from radiod.bridge.process import Supervisor
from radiod.clock import SystemClock
from radiod.errors import BridgeError

from .helpers import wait_until

CHILD = """
import sys, time, os
print("hello", os.getpid(), flush=True)
print("second line", flush=True)
if sys.argv[1] == "crash":
    sys.exit(3)
time.sleep(60)
"""


def python_child(mode: str) -> list[str]:
    return [sys.executable, "-c", CHILD, mode]


def test_reads_lines_in_order_and_stops_cleanly():
    lines: list[str] = []
    sup = Supervisor(python_child("stay"), lines.append, clock=SystemClock())
    sup.start()
    wait_until(lambda: len(lines) >= 2)
    assert lines[0].startswith("hello ") and lines[1] == "second line"
    pid = sup.pid
    assert pid is not None
    code = sup.stop()
    assert code == -signal.SIGTERM
    assert sup.pid is None
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_restarts_with_doubling_backoff_after_crashes():
    lines: list[str] = []
    exits: list[int] = []
    sup = Supervisor(python_child("crash"), lines.append, on_exit=lambda code, tail: exits.append(code),
                     clock=SystemClock(), backoff_ms=100, max_backoff_ms=400)
    sup.start()
    wait_until(lambda: len(exits) >= 4, timeout_s=30)
    sup.stop()
    assert set(exits[:4]) == {3}
    assert sup.restarts >= 3
    pids = {line.split()[1] for line in lines if line.startswith("hello")}
    assert len(pids) >= 4          # a new process each time


def test_stop_during_backoff_prevents_the_restart():
    exits = threading.Event()
    lines: list[str] = []
    sup = Supervisor(python_child("crash"), lines.append, on_exit=lambda code, tail: exits.set(),
                     clock=SystemClock(), backoff_ms=60_000)
    sup.start()
    assert exits.wait(20)
    sup.stop()
    assert sup.pid is None and sup.restarts == 0
    assert sum(1 for line in lines if line.startswith("hello")) == 1


def test_an_executable_that_does_not_exist_is_a_bridge_error():
    sup = Supervisor(["/nonexistent/liquidsoap", "x.liq"], lambda line: None, clock=SystemClock())
    with pytest.raises(BridgeError, match="cannot run /nonexistent/liquidsoap"):
        sup.start()
