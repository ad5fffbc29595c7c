"""Playlog."""
