"""Term dates from an iCal (.ics) file, as schools and councils publish them.

Each VEVENT is classified by its SUMMARY with the regexes of
:class:`config.calendar.IcalSettings` (first match wins: INSET, then holiday, then
term). All-day events end the day before their DTEND (RFC 5545: DTEND is exclusive);
timed events cover the local dates they touch. Other events are ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path

import icalendar  # no stubs in icalendar 6
import structlog

from config.calendar import DateRange, IcalSettings

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class IcalTerms:
    terms: list[DateRange] = field(default_factory=list)
    holidays: list[DateRange] = field(default_factory=list)
    inset_days: list[date] = field(default_factory=list)


def load_ical(settings: IcalSettings) -> IcalTerms:
    """Parse ``settings.path`` (cached per file modification time)."""
    path = Path(settings.path)
    return _load(path, path.stat().st_mtime_ns, settings.inset, settings.holiday, settings.term)


def parse_ical(data: bytes, settings: IcalSettings) -> IcalTerms:
    return _parse(data, settings.inset, settings.holiday, settings.term)


@cache
def _load(path: Path, _mtime: int, inset: str, holiday: str, term: str) -> IcalTerms:
    return _parse(path.read_bytes(), inset, holiday, term)


def _day(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def _parse(data: bytes, inset: str, holiday: str, term: str) -> IcalTerms:
    out = IcalTerms()
    for event in icalendar.Calendar.from_ical(data).walk("VEVENT"):
        summary = str(event.get("SUMMARY", ""))
        try:
            start_v = event.decoded("DTSTART")
            end_v = event.decoded("DTEND") if "DTEND" in event else start_v
        except (KeyError, ValueError) as e:
            log.warning("ical.event_skipped", summary=summary, reason=str(e))
            continue
        start = _day(start_v)
        # All-day events: DTEND is exclusive (RFC 5545).
        end = _day(end_v) if isinstance(end_v, datetime) else max(start, end_v - timedelta(days=1))
        span = DateRange(start=start, end=end)
        if re.search(inset, summary):
            d = start
            while d <= end:
                out.inset_days.append(d)
                d += timedelta(days=1)
        elif re.search(holiday, summary):
            out.holidays.append(span)
        elif re.search(term, summary):
            out.terms.append(span)
    return out
