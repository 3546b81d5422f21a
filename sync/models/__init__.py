"""The store: every table classpulse keeps."""

from sync.models.attachments import OutboundAttachment
from sync.models.base import Base
from sync.models.coursework import Submission, Work
from sync.models.findings import Finding, MessageStatus, OutboundMessage
from sync.models.lessons import Attendance, LiveLesson, Recording
from sync.models.privacy import ErasedPerson, ErasureLog, PrivacyKey
from sync.models.pupils import PupilAttribute
from sync.models.roster import Membership, Person, School, SchoolClass, Trust
from sync.models.runs import RunStatus, SyncCursor, SyncIssue, SyncRun

__all__ = [
    "Attendance",
    "Base",
    "ErasedPerson",
    "ErasureLog",
    "Finding",
    "LiveLesson",
    "Membership",
    "MessageStatus",
    "OutboundAttachment",
    "OutboundMessage",
    "Person",
    "PrivacyKey",
    "PupilAttribute",
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
