"""Who may broadcast live through the harbor, and until when.

A DJ logs in to the harbor with their radiod user name and password. They are accepted only
during a slot of a show they are linked to (by the account's shows or the show's hosts), from
``grace`` before it starts until ``grace`` after it ends; the answer carries that end, at which
Liquidsoap disconnects them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable, Iterable, Protocol

from radiod.clock import Clock
from radiod.config import Config
from radiod.errors import ScheduleError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LiveSlot:
    """One airing of a show a DJ may take live."""

    show_id: str
    title: str
    start: datetime              # aware
    end: datetime                # aware
    hosts: tuple[str, ...] = ()  # user names named as hosts in the schedule


class HarborUser(Protocol):
    # Read-only, so a frozen dataclass (radiod.accounts.User) is one.
    @property
    def name(self) -> str: ...

    @property
    def shows(self) -> tuple[str, ...]: ...


@dataclass(frozen=True)
class HarborDecision:
    ok: bool
    user: str
    reason: str = ""             # why not (one line), or the show taken live
    show: str = ""
    until: datetime | None = None

    def reply(self) -> str:
        """The line the Liquidsoap script reads: 'ok EPOCH_SECONDS' or 'no REASON'."""
        if self.ok and self.until is not None:
            return f"ok {self.until.timestamp():.3f}"
        return f"no {self.reason}"


def linked(user: HarborUser, slot: LiveSlot) -> bool:
    return slot.show_id in user.shows or slot.title in user.shows or user.name in slot.hosts


def decide(name: str, user: HarborUser | None, slots: Iterable[LiveSlot], now: datetime,
           grace: timedelta) -> HarborDecision:
    """Pure: may ``user`` (None: unknown name or wrong password) go live at ``now``?"""
    if user is None:
        return HarborDecision(False, name, "wrong user name or password")
    mine = [s for s in slots if linked(user, s)]
    if not mine:
        return HarborDecision(False, name, "not a host of any show")
    current = [s for s in mine if s.start - grace <= now < s.end + grace]
    if not current:
        upcoming = sorted((s for s in mine if s.start - grace > now), key=lambda s: s.start)
        when = f"; next slot starts {upcoming[0].start.isoformat()}" if upcoming else ""
        return HarborDecision(False, name, f"outside their slot{when}")
    slot = max(current, key=lambda s: s.end)
    return HarborDecision(True, name, show=slot.title, until=slot.end + grace)


LoginCheck = Callable[[str, str, str], "HarborUser | None"]      # (name, password, address) → user
SlotSource = Callable[[datetime, datetime], Iterable[LiveSlot]]  # slots overlapping [start, end)


class HarborAuth:
    """Checks harbor logins against radiod's users and the schedule, on the injected clock."""

    def __init__(self, login: LoginCheck, slots: SlotSource, clock: Clock, grace: timedelta):
        self.login = login
        self.slots = slots
        self.clock = clock
        self.grace = grace

    def check(self, name: str, password: str, address: str = "") -> HarborDecision:
        now = self.clock.now()
        user = self.login(name, password, address) if name and password else None
        window = self.slots(now - self.grace - timedelta(days=1), now + timedelta(days=7))
        return decide(name, user, window, now, self.grace)


def accounts_login(accounts) -> LoginCheck:
    """A LoginCheck over ``radiod.accounts.users.Accounts`` (rate limited like the panel's login)."""
    def check(name: str, password: str, address: str) -> HarborUser | None:
        result = accounts.login(name, password, address or "harbor")
        user = result.user
        return user if user is not None and not user.disabled else None
    return check


def station_slots(config: Config) -> Callable[[datetime, datetime], Iterable[LiveSlot]]:
    """Slots from the schedule files, read again at every login so edits apply at once."""
    from radiod.schedule_files import load_schedule
    from radiod.schedule.resolve import airings

    def slots(start: datetime, end: datetime) -> list[LiveSlot]:
        try:
            schedule = load_schedule(config.paths.schedules)
        except ScheduleError as exc:
            log.warning("harbor: schedule unreadable, refusing live logins: %s", exc.problems[:1])
            return []
        return [LiveSlot(a.show.id, a.show.title, a.start, a.end, tuple(a.show.hosts))
                for a in airings(schedule, start, end)]
    return slots
