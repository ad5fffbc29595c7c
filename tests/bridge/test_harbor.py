"""Harbor logins: who may go live, and until when (pure decisions and the accounts adapter)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from radiod.accounts.users import Accounts
from radiod.bridge.harbor import HarborAuth, LiveSlot, accounts_login, decide
from radiod.clock import FakeClock
from radiod.store import open_db

T = datetime(2026, 11, 21, 20, 0, tzinfo=timezone.utc)
GRACE = timedelta(minutes=5)
SLOTS = [
    LiveSlot("night-moves", "Night Moves", T, T + timedelta(hours=1)),
    LiveSlot("breakfast", "Breakfast", T + timedelta(hours=12), T + timedelta(hours=14), hosts=("ana",)),
]


@dataclass(frozen=True)
class U:
    name: str
    shows: tuple[str, ...] = ()


def test_dj_linked_to_the_show_is_accepted_during_the_slot_until_its_end_plus_grace():
    d = decide("kim", U("kim", ("night-moves",)), SLOTS, T + timedelta(minutes=30), GRACE)
    assert d.ok and d.show == "Night Moves"
    assert d.until == T + timedelta(hours=1) + GRACE
    assert d.reply() == f"ok {(T + timedelta(hours=1, minutes=5)).timestamp():.3f}"


def test_grace_applies_before_and_after_the_slot():
    kim = U("kim", ("Night Moves",))       # linked by title works too
    assert decide("kim", kim, SLOTS, T - timedelta(minutes=4), GRACE).ok
    assert not decide("kim", kim, SLOTS, T - timedelta(minutes=6), GRACE).ok
    assert decide("kim", kim, SLOTS, T + timedelta(minutes=64), GRACE).ok
    late = decide("kim", kim, SLOTS, T + timedelta(minutes=66), GRACE)
    assert not late.ok and late.reason == "outside their slot"


def test_refusals_say_why():
    early = decide("ana", U("ana"), SLOTS, T, GRACE)        # host by the schedule, not this slot
    assert not early.ok
    assert early.reason == f"outside their slot; next slot starts {SLOTS[1].start.isoformat()}"
    assert early.reply().startswith("no outside their slot")
    assert decide("bob", U("bob"), SLOTS, T, GRACE).reason == "not a host of any show"
    assert decide("eve", None, SLOTS, T, GRACE).reason == "wrong user name or password"


def test_harbor_auth_checks_radiod_accounts(tmp_path):
    clock = FakeClock(T + timedelta(minutes=10))
    accounts = Accounts(open_db(tmp_path / "radiod.db"), clock)
    accounts.add_user("kim", "dj", "correct horse battery", shows=("night-moves",))
    accounts.add_user("lee", "dj", "another long password", shows=("night-moves",))
    accounts.set_disabled("lee", True)
    auth = HarborAuth(accounts_login(accounts), lambda start, end: SLOTS, clock, GRACE)
    assert auth.check("kim", "correct horse battery", "10.0.0.2").ok
    assert auth.check("kim", "wrong password here", "10.0.0.2").reason == "wrong user name or password"
    assert auth.check("lee", "another long password", "10.0.0.2").reason == "wrong user name or password"
    assert auth.check("kim", "", "10.0.0.2").reason == "wrong user name or password"
    clock.advance(timedelta(hours=2))
    assert auth.check("kim", "correct horse battery", "10.0.0.2").reason == "outside their slot"


def test_station_slots_come_from_the_schedule_files():
    """The example station's grid: a host of its live show may go live during its airing only."""
    from pathlib import Path

    from radiod.bridge.liquidsoap import station_slots
    from radiod.config import Config, PathsConfig

    root = Path(__file__).resolve().parents[2]
    config = Config(station_dir=root, paths=PathsConfig(schedules=root / "schedules"))
    slots = list(station_slots(config)(T, T + timedelta(days=7)))
    live = [s for s in slots if s.hosts]
    assert live, "the example grid has shows with hosts"
    slot = live[0]
    host = U(slot.hosts[0])                      # linked by the schedule's hosts, not the account
    during = decide(host.name, host, slots, slot.start + timedelta(minutes=1), GRACE)
    assert during.ok and during.show == slot.title and during.until >= slot.end + GRACE
    assert not decide("stranger", U("stranger"), slots, slot.start + timedelta(minutes=1), GRACE).ok
