"""The logger built from ``radiod.toml``: what the daemon attaches to the air tap."""

from __future__ import annotations

from radiod.clock import Clock, to_ms
from radiod.config import Config
from radiod.logger.files import HourFile
from radiod.logger.recorder import AirLogger
from radiod.logger.store import chain_into


def air_logger(config: Config, clock: Clock) -> AirLogger:
    """The compliance logger of ``[logger]``; each closed file is chained into the station database."""
    settings, database = config.logger, config.paths.database

    def chain(entry: HourFile) -> None:
        chain_into(database, settings.folder, to_ms(clock.now()))

    return AirLogger(settings.folder, fmt=settings.format, bitrate_kbps=settings.bitrate_kbps,
                     keep_days=settings.keep_days, clock=clock, on_closed=chain)
