"""Constants shared by the library tests (imported as tests.library.samples)."""

FORMATS = ("mp3", "ogg", "opus", "flac", "m4a", "wav", "aiff")

FULL_TAGS = {
    "title": "Harbour Lights", "artist": "The Quiet Harbours feat. Ana Sól & Bo", "album": "Low Tide",
    "album_artist": "The Quiet Harbours", "label": "Driftwood Records", "isrc": "ca-d12-19-00042",
    "composer": "Mara Quinn", "lyricist": "Ana Sól", "release_date": "2019-03-04", "language": "eng",
    "genre": "Folk", "local": True, "replaygain_track_gain_db": -6.5, "replaygain_track_peak": 0.891,
}
