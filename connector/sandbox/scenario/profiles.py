"""Behaviour profiles: who does what, so the ground truth has something to find.

Posting profiles (one per daily class, the owner's habit in that class):

- ``normal``: counting work (assignment/question/material) on nearly every school day
  before the cut-off, sometimes a second item, an announcement or a stray draft besides.
- ``skipper``: skips whole school days (no work at all).
- ``late_poster``: on some days posts only after the cut-off (one item at exactly the
  cut-off, which does not count; others in the evening, around the clock change).
- ``announcer``: on some days posts only an announcement (does not count).
- ``drafter``: on some days leaves only a draft (does not count).
- ``scheduler``: schedules work the evening before; it goes live the next school day
  (state published, ``scheduled_at`` = ``published_at`` = go-live) and counts on that
  day. On the last day it also leaves one item still SCHEDULED past ``Scenario.now``.
- ``deleter``: on some days the only item is deleted later the same day (not counted).

Other profiles: ``co_taught`` classes (two teachers, both post), ``slow_marker`` teachers
(return days later or never), ``unrecorded`` teachers (often forget to record),
``live_lessons`` classes, ``one_to_one`` calls, ``disengaging`` pupils (stop turning in
and attending from a given day), ``excused`` pupils (excused from one class's work),
``joins_late`` / ``leaves`` pupils, ``exempt`` and ``archived`` classes, and
``off_day_post`` classes (work posted on a weekend or bank holiday; counts for no day).
"""

from __future__ import annotations

NORMAL = "normal"
SKIPPER = "skipper"
LATE_POSTER = "late_poster"
ANNOUNCER = "announcer"
DRAFTER = "drafter"
SCHEDULER = "scheduler"
DELETER = "deleter"

POSTING = (NORMAL, SKIPPER, LATE_POSTER, SCHEDULER, ANNOUNCER, DRAFTER, DELETER)
# Daily classes take these in order (then "normal"), so tiny gets normal + skipper and
# small and each trust school get every profile twice.
POSTING_ORDER = POSTING + POSTING[1:]

CO_TAUGHT = "co_taught"
SLOW_MARKER = "slow_marker"
UNRECORDED = "unrecorded"
LIVE_LESSONS = "live_lessons"
ONE_TO_ONE = "one_to_one"
DISENGAGING = "disengaging"
EXCUSED = "excused"
JOINS_LATE = "joins_late"
LEAVES = "leaves"
EXEMPT = "exempt"
ARCHIVED = "archived"
OFF_DAY_POST = "off_day_post"

ALL = (
    *POSTING,
    CO_TAUGHT,
    SLOW_MARKER,
    UNRECORDED,
    LIVE_LESSONS,
    ONE_TO_ONE,
    DISENGAGING,
    EXCUSED,
    JOINS_LATE,
    LEAVES,
    EXEMPT,
    ARCHIVED,
    OFF_DAY_POST,
)

# Probability that a profile's habit shows on a given school day.
HABIT_P = 0.4
NORMAL_MISS_P = 0.05
