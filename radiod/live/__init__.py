"""Live DJs on the default engine: a harbor (a supervised Liquidsoap) whose audio is mixed into the air."""

from radiod.live.wiring import harbor_login, live_desk

__all__ = ["harbor_login", "live_desk"]
