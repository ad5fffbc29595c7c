"""The live input built from ``radiod.toml``: what the daemon starts beside the engine."""

from __future__ import annotations

import logging
import shutil
from datetime import timedelta
from typing import Any, Callable

from radiod.bridge.harbor import HarborAuth, HarborUser, LoginCheck, accounts_login, linked, station_slots
from radiod.bridge.live import LiveListener
from radiod.clock import Clock
from radiod.config import Config
from radiod.errors import RadiodError
from radiod.live.desk import HostCheck, LiveDesk, LivePlayer
from radiod.webdj import with_tokens

log = logging.getLogger(__name__)


def harbor_login(accounts: Any) -> LoginCheck:
    """The harbor's login check over ``radiod.accounts.users.Accounts``: the account's password
    (rate limited like the panel's login) or a Web DJ token issued to that account (radiod.webdj)."""
    from radiod.accounts.users import AccountError

    def enabled(name: str) -> HarborUser | None:
        try:
            user = accounts.get(name)
        except AccountError:
            return None
        return None if user.disabled else user
    return with_tokens(accounts_login(accounts), accounts.conn, enabled, accounts.clock)


def live_desk(config: Config, clock: Clock, player: object, post: Callable[[Any], None],
              on_live: LiveListener) -> LiveDesk | None:
    """The started live input, or None (one log line saying why) when it is off or cannot run:
    the station then plays exactly as without it."""
    lq = config.liquidsoap
    if not lq.live_input or config.playout.engine != "vlc":
        return None
    if not lq.harbor_port:
        log.info("live input off: liquidsoap.harbor_port is 0")
        return None
    binary = shutil.which(lq.binary)
    if binary is None:
        log.warning("live input off: Liquidsoap (%r) is not installed; the air plays without live DJs", lq.binary)
        return None
    if not isinstance(player, LivePlayer):
        log.warning("live input off: the player cannot mix a live DJ")
        return None
    from radiod.accounts.users import Accounts
    from radiod.store import open_db

    try:
        conn = open_db(config.paths.database)
        accounts = Accounts(conn, clock)
        harbor = HarborAuth(harbor_login(accounts), station_slots(config), clock,
                            timedelta(minutes=lq.live_grace_minutes))
        desk = LiveDesk(config, clock, player, post, on_live, harbor, binary=binary,
                        may_log=host_check(accounts, harbor))
        desk.start()
    except (RadiodError, OSError) as exc:         # no live DJs is not worth an hour off air
        log.error("live input off: it could not be started (%s); the air plays without live DJs", exc)
        return None
    desk.closing.append(conn.close)
    return desk



def host_check(accounts: Any, harbor: HarborAuth) -> HostCheck:
    """May this user log songs in the show on air live? A host of it (the account's shows or the
    schedule's hosts, as for a harbor login) whose slot is now, grace included; not disabled."""
    from radiod.accounts.users import AccountError

    def may_log(name: str, show: str) -> bool:
        try:
            user = accounts.get(name)
        except AccountError:
            return False
        if user.disabled:
            return False
        now = harbor.clock.now()
        window = harbor.slots(now - harbor.grace - timedelta(days=1), now + timedelta(days=1))
        return any(s.title == show and linked(user, s) and s.start - harbor.grace <= now < s.end + harbor.grace
                   for s in window)
    return may_log
