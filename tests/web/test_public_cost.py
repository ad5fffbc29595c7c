"""Costly public pages cannot be cache-busted: the artist ledger is computed once per canonical
(artist, period) whatever junk the query string carries, misses are computed one at a time, and a
request that cannot get its turn is answered 503 quickly instead of piling up."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, timezone

from radiod.store import open_db
from radiod_web import create_app

from panel_support import add_play


def test_junk_query_strings_do_not_recompute_the_ledger(config):
    conn = open_db(config.paths.database)
    start = datetime.now(timezone.utc) - timedelta(days=3)
    for n in range(300):
        add_play(conn, title=f"Song {n}", artist="Quiet Harbours" if n % 3 == 0 else "Other Band",
                 started=start + timedelta(minutes=4 * n), played_ms=200_000)
    conn.close()
    app = create_app(config, watch=False)
    client = app.test_client()
    ledgers = app.extensions["radiod"].ledgers
    first = client.get("/api/artists/quiet-harbours/plays").get_json()
    assert first["totals"]["plays"] == 100
    for n in range(50):
        assert client.get(f"/api/artists/quiet-harbours/plays?cb={n}&x=y{n}").status_code == 200
        assert client.get(f"/artists/quiet-harbours?{n}").status_code == 200
    assert ledgers.computed == 1
    # The same period written out in full is the same key; another period is another.
    today = datetime.now(config.zone).date()
    same = f"?to={today}&from={today - timedelta(days=89)}&junk=1"
    assert client.get(f"/api/artists/quiet-harbours/plays{same}").get_json() == first
    assert ledgers.computed == 1
    assert client.get(f"/api/artists/quiet-harbours/plays?from={today - timedelta(days=5)}").status_code == 200
    assert ledgers.computed == 2
    app.extensions["radiod"].hub.stop()


def test_a_flood_of_distinct_ledgers_is_computed_one_at_a_time_and_refused_past_the_wait(config):
    app = create_app(config, watch=False)
    ledgers = app.extensions["radiod"].ledgers
    ledgers.wait_s = 0.3
    conn = open_db(config.paths.database)
    add_play(conn, title="Low Tide", artist="Quiet Harbours", started=datetime.now(timezone.utc) - timedelta(days=1))
    conn.close()
    release = threading.Event()
    held = threading.Thread(target=lambda: ledgers.get("slow", lambda: release.wait(5)))
    held.start()                         # another request's costly miss is being computed
    time.sleep(0.05)
    try:
        begun = time.monotonic()
        r = app.test_client().get("/api/artists/quiet-harbours/plays?from=2026-01-01&to=2026-03-01")
        assert r.status_code == 503 and time.monotonic() - begun < 1.5
        assert "busy" in r.get_json()["error"]
    finally:
        release.set()
        held.join()
    assert app.test_client().get("/api/artists/quiet-harbours/plays").status_code == 200
    app.extensions["radiod"].hub.stop()
