"""Byte-exact report files for the hand-computed March 2026 fixture (see fixture.py and expected/)."""

from __future__ import annotations

import gzip
import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from radiod.reports import ReportError, compliance, ledger, music_usage, preflight, soundexchange, summary
from radiod.playlog.store import read_plays
from radiod.reports.period import parse_period
from radiod.store import open_db

from .fixture import ZONE, build

EXPECTED = Path(__file__).parent / "expected"
MARCH = parse_period("2026-03-01", "2026-03-31", ZONE)


@pytest.fixture(scope="module")
def rows(tmp_path_factory):
    return build(tmp_path_factory.mktemp("fixture") / "radiod.db")


def expected(name: str) -> bytes:
    return (EXPECTED / name).read_bytes()


def test_march_is_cut_at_local_midnight():
    # 1 March 00:00 EST = 05:00 UTC; 1 April 00:00 EDT = 04:00 UTC (a 743-hour month: DST took one)
    assert MARCH.start_ms == 1_772_341_200_000
    assert (MARCH.end_ms - MARCH.start_ms) == (31 * 24 - 1) * 3_600_000


def test_soundexchange_default_no_header_file(rows):
    result = soundexchange.report(rows, MARCH, soundexchange.Options(service_name="Radio Fjörd"))
    assert result.filename == "RadioFjord20260301-20260331.txt"
    assert result.data == expected("RadioFjord20260301-20260331.txt")
    assert result.rows == 3
    assert result.transliterated == {
        "Radio Fjörd": "Radio Fjord",
        "Ferry Tale Records | Harbour Co-op": "Ferry Tale Records / Harbour Co-op",
        "Zoë Ashcroft": "Zoe Ashcroft", "Crème Brûlée": "Creme Brulee", "Pâtisserie": "Patisserie",
        "Кино": "Kino", "Группа крови": "Gruppa krovi", "Мелодия": "Melodiya",
    }
    assert result.warnings == []  # the recording without ISRC has album and label


def test_soundexchange_header_variant(rows):
    contact = soundexchange.Contact("Åsa Lindqvist", "12 Harbour St", "Toronto, ON M5V 1A1", "+1 416 555 0100",
                                    "music@fjord.example")
    options = soundexchange.Options(service_name="Radio Fjörd", headers=True, contact=contact,
                                    generated=date(2026, 4, 2))
    result = soundexchange.report(rows, MARCH, options)
    assert result.data == expected("RadioFjord20260301-20260331-headers.txt")
    assert result.data.split(b"\r\n")[14 - 1].startswith(b"^NAME_OF_SERVICE^")  # data from row 15


def test_soundexchange_ath_variant_with_manual_figure(rows):
    options = soundexchange.Options(service_name="Radio Fjörd", ath=True, ath_hours=Decimal("1234.5"))
    assert soundexchange.report(rows, MARCH, options).data == expected("RadioFjord20260301-20260331-ath.txt")


def test_soundexchange_ath_from_listener_figures(rows):
    # listener-ms of every March play (talk and jingles too) except the public-domain one:
    # 1.8M + 3.426M + 3.42M + 0.12M + 0.48M + 0.08M + 4.8M (talk) + 0 + 4.8M = 18 926 000 → 5.26 h
    options = soundexchange.Options(service_name="Radio Fjörd", ath=True, program="Radio Fjörd")
    lines = soundexchange.report(rows, MARCH, options).data.split(b"\r\n")
    assert lines[0].endswith(b"|5.26|^Radio Fjord^|2")


def test_soundexchange_gzip_keeps_the_stem(rows):
    result = soundexchange.report(rows, MARCH, soundexchange.Options(service_name="Radio Fjörd"), gzip_output=True)
    assert result.filename == "RadioFjord20260301-20260331.gz"
    assert gzip.decompress(result.data) == expected("RadioFjord20260301-20260331.txt")


def test_soundexchange_category_is_configurable_and_text_is_never_uppercased(rows):
    result = soundexchange.report(rows, MARCH, soundexchange.Options(service_name="Radio Fjörd",
                                                                      transmission_category="B"))
    assert b"^B^|^Zoe Ashcroft^|^Creme Brulee^" in result.data


def test_soundexchange_refuses_atp_without_listener_figures(rows):
    stripped = [dict(r, performances=None) for r in rows]
    with pytest.raises(ReportError, match="listener figures are unavailable for 5 of 5 plays"):
        soundexchange.report(stripped, MARCH, soundexchange.Options(service_name="Radio Fjörd"))


def test_soundexchange_gaps_warn_or_refuse(rows):
    gap = [dict(r, label="") if r["artist"] == "The Quiet Harbours" else r for r in rows]
    result = soundexchange.report(gap, MARCH, soundexchange.Options(service_name="Radio Fjörd"))
    assert result.gaps and "1 recording(s) have neither an ISRC" in result.warnings[0]
    with pytest.raises(ReportError, match="The Quiet Harbours - Harbour Lights"):
        soundexchange.report(gap, MARCH, soundexchange.Options(service_name="Radio Fjörd", gaps="refuse"))


def test_music_usage_csv(rows):
    assert music_usage.report(rows, MARCH) == expected("music-usage-2026-03.csv")


def test_summary_csv(rows):
    assert summary.report(rows, MARCH) == expected("summary-2026-03.csv")


def test_preflight_csv(rows):
    assert preflight.report(rows, MARCH) == expected("preflight-2026-03.csv")


def test_local_content_australia(rows):
    rules = compliance.rules_for("australia", 35.0)
    assert compliance.report(rows, MARCH, rules) == expected("local-content-australia-2026-03.csv")


def test_local_content_canada(rows):
    rules = compliance.rules_for("canada", 35.0)
    assert compliance.report(rows, MARCH, rules) == expected("local-content-canada-2026-03.csv")


def test_february_keeps_the_play_that_crossed_midnight(rows):
    february = parse_period("2026-02-01", "2026-02-28", ZONE)
    (only,) = [r for r in summary.summarize(rows, february)]
    assert (only["title"], only["plays"]) == ("Crème Brûlée", 1)


@pytest.mark.parametrize("module,make", [
    (soundexchange, lambda rows: soundexchange.report(rows, MARCH, soundexchange.Options(service_name="Radio Fjörd")).data),
    (soundexchange, lambda rows: soundexchange.report(rows, MARCH, soundexchange.Options(service_name="R", ath=True)).data),
    (music_usage, lambda rows: music_usage.report(rows, MARCH)),
    (summary, lambda rows: summary.report(rows, MARCH)),
    (preflight, lambda rows: preflight.report(rows, MARCH)),
    (compliance, lambda rows: compliance.report(rows, MARCH, compliance.rules_for("custom", 30, period="hour"))),
    (ledger, lambda rows: json.dumps(ledger.artist_ledger(rows, "Zoë Ashcroft", MARCH))),
])
def test_each_report_reads_only_its_columns(rows, tmp_path_factory, module, make):
    path = tmp_path_factory.mktemp("narrow") / "radiod.db"
    build(path)
    conn = open_db(path)
    narrow = read_plays(conn, columns=module.COLUMNS)
    conn.close()
    assert set(narrow[0]) < set(rows[0])
    assert make(narrow) == make(rows)
