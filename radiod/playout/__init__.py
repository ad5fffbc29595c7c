"""Playout: the engine, the player port and its adapters."""
