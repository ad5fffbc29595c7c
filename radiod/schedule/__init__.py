"""Schedules and the planner: pure functions from the schedule files' text and the library to a
day's log. Reading the folder from disk is radiod/schedule_files.py's job."""

from radiod.schedule import edit
from radiod.schedule.check import check_library, check_schedule
from radiod.schedule.log import LogItem, Relaxation, Timing, Usage
from radiod.schedule.model import DAYS, Schedule
from radiod.schedule.parse import FILES, IMAGES, Folder
from radiod.schedule.plan import DayLog, plan_day, plan_days
from radiod.schedule.pools import build_pools
from radiod.schedule.problems import Problem
from radiod.schedule.resolve import Airing, airing_at, airings, local_midnight
from radiod.schedule.rotation import PlayRow

__all__ = ["Airing", "DAYS", "DayLog", "FILES", "Folder", "IMAGES", "LogItem", "PlayRow", "Problem", "Relaxation",
           "Schedule", "Timing", "Usage", "airing_at", "airings", "build_pools", "check_library", "check_schedule", "edit",
           "local_midnight", "plan_day", "plan_days"]
