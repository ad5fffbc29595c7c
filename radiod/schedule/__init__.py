"""Schedules and the planner: pure functions from text files and the library to a day's log."""
