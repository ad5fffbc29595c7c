"""What the rest of radiod sees of a library track."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)    # slots: the planner holds every track of a library
class Track:
    """A playable library track with everything planning, playout and reports need."""

    id: int
    path: str
    title: str
    artist: str                      # display credit as tagged
    artist_keys: tuple[str, ...]     # one normalised key per credited artist
    album: str
    label: str
    isrc: str
    composer: str
    lyricist: str
    release_date: str                # 'YYYY', 'YYYY-MM' or 'YYYY-MM-DD', '' when unknown
    genre: str
    language: str
    length_ms: int                   # true length when analysed, else the container's
    cue_in_ms: int                   # where audible content starts
    cue_out_ms: int                  # where audible content ends
    loudness_lufs: float | None
    true_peak_dbtp: float | None
    local: bool                      # from the artist registry or a tag
    content_hash: str = ""

    @property
    def play_ms(self) -> int:
        """How long the track sounds between its cue points."""
        return max(0, self.cue_out_ms - self.cue_in_ms)

    def snapshot(self) -> dict:
        """Metadata copied into a play row, so later library edits never rewrite history."""
        return {
            "track_id": self.id, "path": self.path, "title": self.title, "artist": self.artist,
            "artist_keys": list(self.artist_keys), "album": self.album, "label": self.label,
            "isrc": self.isrc, "composer": self.composer, "lyricist": self.lyricist,
            "release_date": self.release_date, "genre": self.genre, "language": self.language,
            "length_ms": self.length_ms, "local": self.local,
        }
