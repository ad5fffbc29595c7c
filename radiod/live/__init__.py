"""Live DJs on the default engine: a harbor (a supervised Liquidsoap) whose audio is mixed into the air."""

from radiod.live.wiring import live_desk

__all__ = ["live_desk"]
