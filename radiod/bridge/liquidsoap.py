"""The Liquidsoap engine wired to the station: what ``playout.engine = "liquidsoap"`` runs.

``LiquidsoapPlayer(config, clock)`` is the Player the daemon builds. Beyond the plain adapter
(``radiod.bridge.player``) it checks harbor logins against radiod's users and the schedule, and
writes live segments into the as-played log through its own writer connections.
``connect_engine`` pauses automation while a DJ is live and resumes it (by the clock) after;
the daemon (the one place that wires parts) connects it once it has built the engine.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from radiod.bridge import player as _player
from radiod.bridge.harbor import HarborAuth, accounts_login, station_slots
from radiod.bridge.live import LiveLog
from radiod.clock import Clock
from radiod.config import Config
from radiod.playout.engine import LiveOff, LiveOn

log = logging.getLogger(__name__)


class LiquidsoapPlayer(_player.LiquidsoapPlayer):
    """LiquidsoapPlayer with the station's harbor logins and live play rows."""

    def __init__(self, config: Config, clock: Clock, **options):
        from radiod.accounts.users import Accounts
        from radiod.playlog.store import PlayLog
        from radiod.store import open_db

        # Two connections: logins (bridge server threads) and live rows (the reader thread) must
        # not interleave their transactions on one connection.
        self._conns = [open_db(config.paths.database), open_db(config.paths.database)]
        harbor = HarborAuth(accounts_login(Accounts(self._conns[0], clock)), station_slots(config), clock,
                            timedelta(minutes=config.liquidsoap.live_grace_minutes))
        options.setdefault("harbor", harbor)
        options.setdefault("on_live", LiveLog(PlayLog(self._conns[1]), clock))
        super().__init__(config, clock=clock, **options)

    def close(self) -> None:
        try:
            super().close()
        finally:
            for conn in self._conns:
                conn.close()


def connect_engine(player: _player.LiquidsoapPlayer, engine) -> None:
    """Pause the engine while a DJ is live, resume it when automation may come back.

    Both go through the engine's command inbox (thread-safe); resuming with nothing on air
    makes the engine join the planned log by the clock.
    """
    previous = player.on_live

    def on_live(event: _player.LiveEvent) -> None:
        if previous is not None:
            previous(event)
        # The engine is told who is live (its status says so); Liquidsoap switched the air itself.
        if event.kind == "start":
            engine.post(LiveOn(event.dj, event.show, mixed=False))
        elif event.kind == "end":
            engine.post(LiveOff(f"{event.dj}: gone" if event.dj else "gone"))
    player.on_live = on_live
