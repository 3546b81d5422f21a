"""The store: every table classpulse keeps."""

from sync.models.base import Base
from sync.models.coursework import Submission, Work
from sync.models.findings import Finding, MessageStatus, OutboundMessage
from sync.models.lessons import Attendance, LiveLesson, Recording
from sync.models.roster import Membership, Person, School, SchoolClass, Trust
from sync.models.runs import RunStatus, SyncCursor, SyncIssue, SyncRun

__all__ = [
    "Attendance",
    "Base",
    "Finding",
    "LiveLesson",
    "Membership",
    "MessageStatus",
    "OutboundMessage",
    "Person",
    "Recording",
    "RunStatus",
    "School",
    "SchoolClass",
    "Submission",
    "SyncCursor",
    "SyncIssue",
    "SyncRun",
    "Trust",
    "Work",
]
