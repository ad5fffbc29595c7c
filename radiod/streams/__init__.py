"""Streams of the default engine: the mixer's rendered air, encoded by a supervised Liquidsoap and sent
to Icecast mounts and an HLS folder. ``consumers()`` is what the daemon attaches to the air tap."""

from __future__ import annotations

import logging
import shutil

from radiod.clock import Clock
from radiod.config import Config
from radiod.errors import RadiodError
from radiod.playout.air_tap import AirConsumer
from radiod.streams.outputs import HLS_FILE, StreamPlan, hls_dir, plan_of

__all__ = ["HLS_FILE", "StreamPlan", "consumers", "hls_dir", "plan_of"]

log = logging.getLogger(__name__)


def consumers(config: Config, clock: Clock) -> list[AirConsumer]:
    """The stream feed, or nothing (with one log line saying why) when streams are off."""
    plan = plan_of(config)
    if not plan.icecast and not plan.hls:
        log.info("streams off: no outputs in [streams] (radiod.toml)")
        return []
    binary = shutil.which(config.streams.liquidsoap)
    if binary is None:
        log.warning("streams off: Liquidsoap (%r) is not installed; the air plays without streams",
                    config.streams.liquidsoap)
        return []
    from radiod.streams.feed import StreamFeed

    try:
        return [StreamFeed(plan, binary, config.paths.state, clock, now_playing=config.now_playing_file)]
    except (RadiodError, OSError) as exc:      # the streams are not worth an hour off air
        log.error("streams off: the encoder could not be started (%s); the air plays without streams", exc)
        return []
