"""Podcast feeds against the RSS 2.0 and iTunes rules (required elements, enclosure length = the
file's size, RFC 2822 dates, unique permanent GUIDs), and as a podcast client reads them."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from email.utils import parsedate_to_datetime

import feedparser

from radiod.config import load_config
from radiod.episodes.feed import ITUNES, PODCAST

from schedule.helpers import write_schedule

from .support import add_episode

SHOWS = ('[show.tones]\ntitle = "Tones & <Friends>"\nkind = "rotation"\nclock = "main"\narchive = true\n'
         'description = "Sine waves, live."\nhosts = ["sam"]\n'
         '[show.music]\nkind = "rotation"\nclock = "main"\narchive = true\n')
RFC2822 = re.compile(r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
                     r"\d{4} \d{2}:\d{2}:\d{2} GMT")
T0 = 1_796_000_000_000


def station(tmp_path):
    root = tmp_path / "station"
    write_schedule(root / "schedules", shows=SHOWS)
    (root / "radiod.toml").write_text('[station]\nname = "Test FM"\ntimezone = "UTC"\n'
                                      '[episodes]\npublic_url = "https://radio.example.org"\n')
    return load_config(root, env={})


def test_feeds_keep_the_rss_and_itunes_rules_and_a_podcast_client_reads_them(tmp_path):
    config = station(tmp_path)
    ids = [add_episode(config, "tones", T0 + n * 86_400_000) for n in range(3)] + [add_episode(config, "music", T0)]
    public = config.episodes.folder / "public"
    show_feed, station_feed = public / "tones" / "feed.xml", public / "feed.xml"
    guids = set()
    for path, count in ((show_feed, 3), (station_feed, 4)):
        root = ET.parse(path).getroot()
        assert root.tag == "rss" and root.get("version") == "2.0"
        channel = root.find("channel")
        for tag in ("title", "link", "description", "language", f"{{{ITUNES}}}image", f"{{{ITUNES}}}category",
                    f"{{{ITUNES}}}explicit", f"{{{ITUNES}}}author"):
            assert channel.find(tag) is not None, tag
        assert channel.find(f"{{{ITUNES}}}image").get("href").startswith("https://")
        items = channel.findall("item")
        assert len(items) == count
        seen = set()
        for item in items:
            for tag in ("title", "guid", "pubDate", "enclosure", f"{{{ITUNES}}}duration"):
                assert item.find(tag) is not None, tag
            assert RFC2822.fullmatch(item.findtext("pubDate")), item.findtext("pubDate")
            parsedate_to_datetime(item.findtext("pubDate"))
            enclosure = item.find("enclosure")
            name = enclosure.get("url").removeprefix("https://radio.example.org/podcasts/")
            assert int(enclosure.get("length")) == (public / name).stat().st_size > 0
            assert enclosure.get("type") == "audio/mpeg"
            chapters = item.find(f"{{{PODCAST}}}chapters")
            assert chapters.get("type") == "application/json+chapters"
            doc = json.loads((public / chapters.get("url").removeprefix("https://radio.example.org/podcasts/"))
                             .read_text())
            assert [c["title"] for c in doc["chapters"]] == ["Hello", "Quiet Harbours – Low Tide",
                                                           "Not on air here (4 s)"]
            guid = item.find("guid")
            assert guid.get("isPermaLink") == "false" and guid.text not in seen
            seen.add(guid.text)
        if path == show_feed:
            guids = seen
    # Stable: writing the feeds again (as after any change) keeps every GUID.
    add_episode(config, "music", T0 + 86_400_000)
    again = {i.findtext("guid") for i in ET.parse(show_feed).getroot().iter("item")}
    assert again == guids

    parsed = feedparser.parse(show_feed.read_bytes())
    assert not parsed.bozo, parsed.bozo_exception
    assert parsed.feed.title == "Tones & <Friends>"
    assert len(parsed.entries) == 3 and len({e.id for e in parsed.entries}) == 3
    for entry in parsed.entries:
        (enclosure,) = entry.enclosures
        assert enclosure.type == "audio/mpeg" and int(enclosure.length) > 0
        assert entry.published_parsed is not None and entry.itunes_duration == "2"
    assert [e.published_parsed for e in parsed.entries] == sorted((e.published_parsed for e in parsed.entries),
                                                                  reverse=True)
    assert len(ids) == 4
