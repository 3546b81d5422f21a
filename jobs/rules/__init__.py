"""Rules: pure functions from small input records, the calendar and the day judged to drafts."""

from jobs.rules.base import FindingDraft

__all__ = ["FindingDraft"]
