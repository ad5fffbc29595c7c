"""Podcast feeds (pure): RSS 2.0 with the iTunes namespace and Podcasting 2.0 chapters, and the
chapters JSON they point to.

Rules kept (RSS 2.0 spec, Apple Podcasts' feed requirements, podcastindex.org's namespace):
every channel has title, link, description, language, ``itunes:image``, ``itunes:category`` and
``itunes:explicit``; every item has title, a permanent ``guid`` (never its file name, which a
re-cut changes), ``pubDate`` in RFC 2822, an ``enclosure`` whose ``length`` is the file's size in
bytes and whose ``type`` is its MIME type, ``itunes:duration`` in seconds, and
``podcast:chapters`` (``application/json+chapters``) where it has chapters.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import format_datetime
from typing import Any, Iterable

ITUNES = "http://www.itunes.com/dtds/podcast-1.0.dtd"
PODCAST = "https://podcastindex.org/namespace/1.0"
ATOM = "http://www.w3.org/2005/Atom"
ET.register_namespace("itunes", ITUNES)
ET.register_namespace("podcast", PODCAST)
ET.register_namespace("atom", ATOM)


@dataclass(frozen=True)
class Channel:
    title: str
    link: str             # the show's (or station's) public page
    feed_url: str         # where this feed is served (atom:link rel=self)
    description: str
    language: str
    image_url: str
    author: str
    category: str = "Music"


@dataclass(frozen=True)
class Item:
    guid: str
    title: str
    link: str
    description: str
    published: datetime   # aware
    url: str              # the enclosure
    length_bytes: int
    mime_type: str
    duration_ms: int
    chapters_url: str = ""


def rfc2822(moment: datetime) -> str:
    return format_datetime(moment.astimezone(timezone.utc), usegmt=True)


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, tag, attrs)
    if text is not None:
        el.text = text
    return el


def rss(channel: Channel, items: Iterable[Item]) -> bytes:
    """The feed as UTF-8 XML; items in the order given (newest first)."""
    root = ET.Element("rss", {"version": "2.0"})
    ch = _sub(root, "channel")
    _sub(ch, "title", channel.title)
    _sub(ch, "link", channel.link)
    _sub(ch, "description", channel.description or channel.title)
    _sub(ch, "language", channel.language)
    _sub(ch, "generator", "radiod")
    _sub(ch, f"{{{ATOM}}}link", href=channel.feed_url, rel="self", type="application/rss+xml")
    _sub(ch, f"{{{ITUNES}}}author", channel.author)
    _sub(ch, f"{{{ITUNES}}}summary", channel.description or channel.title)
    _sub(ch, f"{{{ITUNES}}}image", href=channel.image_url)
    image = _sub(ch, "image")
    _sub(image, "url", channel.image_url)
    _sub(image, "title", channel.title)
    _sub(image, "link", channel.link)
    _sub(ch, f"{{{ITUNES}}}category", text=channel.category)
    _sub(ch, f"{{{ITUNES}}}explicit", "false")
    for item in items:
        it = _sub(ch, "item")
        _sub(it, "title", item.title)
        _sub(it, "link", item.link)
        _sub(it, "description", item.description or item.title)
        _sub(it, "guid", item.guid, isPermaLink="false")
        _sub(it, "pubDate", rfc2822(item.published))
        _sub(it, "enclosure", url=item.url, length=str(item.length_bytes), type=item.mime_type)
        _sub(it, f"{{{ITUNES}}}duration", str(round(item.duration_ms / 1000)))
        _sub(it, f"{{{ITUNES}}}explicit", "false")
        if item.chapters_url:
            _sub(it, f"{{{PODCAST}}}chapters", url=item.chapters_url, type="application/json+chapters")
    ET.indent(root)
    body: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=False)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + body + b"\n"


def chapters_document(chapters: Iterable[dict[str, Any]], gaps: Iterable[dict[str, Any]],
                      gap_title: str = "Not on air here") -> dict[str, Any]:
    """Podcasting 2.0 JSON chapters: one per item, and one marking each gap in the air."""
    entries: list[dict[str, Any]] = []
    for c in chapters:
        title = f"{c['artist']} – {c['title']}" if c.get("artist") else c["title"]
        entries.append({"startTime": round(c["at_ms"] / 1000, 3), "title": title})
    for g in gaps:
        entries.append({"startTime": round(g["at_ms"] / 1000, 3),
                        "title": f"{gap_title} ({round(g['missing_ms'] / 1000)} s)", "toc": False})
    entries.sort(key=lambda e: float(e["startTime"]))
    return {"version": "1.2.0", "chapters": entries}
