"""The logger built from ``radiod.toml``: what the daemon attaches to the air tap."""

from __future__ import annotations

import logging

from radiod.clock import Clock, to_ms
from radiod.config import Config
from radiod.errors import RadiodError
from radiod.logger.files import HourFile
from radiod.logger.recorder import AirLogger
from radiod.logger.store import chain_into
from radiod.playout.air_tap import AirConsumer

log = logging.getLogger(__name__)


def air_logger(config: Config, clock: Clock) -> AirLogger:
    """The compliance logger of ``[logger]``; each closed file is chained into the station database."""
    settings, database = config.logger, config.paths.database

    def chain(entry: HourFile | None) -> None:
        chain_into(database, settings.folder, to_ms(clock.now()))

    return AirLogger(settings.folder, fmt=settings.format, bitrate_kbps=settings.bitrate_kbps,
                     keep_days=settings.keep_days, clock=clock, on_closed=chain, zone=config.zone)


def logger_consumers(config: Config, clock: Clock) -> list[AirConsumer]:
    """The logger when enabled; one that cannot start is one error line and the air goes on without it."""
    if not config.logger.enabled:
        return []
    try:
        return [air_logger(config, clock)]
    except RadiodError as exc:
        log.error("logger: not recording: %s", exc)
        return []
