"""The compliance logger: the air recorded into hour files, kept, chained, checked and extracted."""

from __future__ import annotations

from typing import TYPE_CHECKING

from radiod.faces import lazy_face

if TYPE_CHECKING:
    from radiod.logger.extract import extract_span, listing, spans_pcm, station_instant
    from radiod.logger.files import HourFile, hour_files
    from radiod.logger.recorder import AirLogger, LoggerError
    from radiod.logger.store import chain_closed, verify_recordings
    from radiod.logger.wiring import air_logger

__all__ = ["AirLogger", "air_logger", "chain_closed", "extract_span", "HourFile", "hour_files", "listing",
           "LoggerError", "spans_pcm", "station_instant", "verify_recordings"]

# Imported on first use: `radiod verify-log` needs the chain, not ffmpeg's encoder or the air tap.
__getattr__ = lazy_face(__name__, {
    "extract_span": "extract", "listing": "extract", "station_instant": "extract", "spans_pcm": "extract",
    "HourFile": "files", "hour_files": "files",
    "AirLogger": "recorder", "LoggerError": "recorder",
    "chain_closed": "store", "verify_recordings": "store",
    "air_logger": "wiring",
})
