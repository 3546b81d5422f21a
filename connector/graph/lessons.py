"""``GraphLessonSource``: one tenant's Teams meetings as live lessons, attendance, recordings.

How a read is shaped (app-only, every fan-out through ``$batch``, ≤ 20 per batch):
1. Each member of staff's ``calendarView`` over the window (``Calendars.Read``): their
   online-meeting events and join URLs. ``/groups/{id}/events`` is delegated-only, so a
   class's meetings are found in its teachers' calendars; this also finds 1:1 calls that
   were scheduled (a "Meet now" call has no event and is not seen: see the README).
2. The classes' ``mailNickname`` (``/education/classes/{id}``): an event inviting a class's
   group mailbox is that class's lesson; any other meeting (a 1:1) is tied to no class.
3. Per join URL: ``/users/{organiser}/onlineMeetings?$filter=JoinWebUrl eq '…'`` → the
   meeting, then its ``attendanceReports`` (``OnlineMeetingArtifact.Read.All``); a report
   is one lesson (several for a recurring or restarted meeting), then per report its
   ``attendanceRecords``, per meeting its ``recordings`` (``OnlineMeetingRecording.Read.All``).
   Without the tenant's application access policy these answer 403: recorded as skipped.
Reports arrive after the meeting (sometimes hours): the sync's look-back re-reads them.
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Iterator, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import quote

import structlog

from connector.graph import meetings_map as mm
from connector.graph.pages import Get, GraphError, Pages
from connector.graph.source import GraphClassSource
from connector.records import (
    LessonClass,
    LessonSnapshot,
    LiveLessonRecord,
    Platform,
    SkippedRecord,
    StaffMember,
)
from connector.source import LessonSource

log = structlog.get_logger(__name__)

LESSONS_STREAM = "lessons"
Meeting = tuple[str, str]  # (organiser id, join URL)


class GraphLessonSource(GraphClassSource):
    """Reads one school's Teams meetings (see the module notes); built like
    :class:`GraphClassSource`, whose client, retries, throttling and batching it shares."""

    platform = Platform.MICROSOFT

    def read_lessons(
        self,
        classes: Sequence[LessonClass],
        staff: Sequence[StaffMember],
        *,
        since: datetime,
        until: datetime,
        settled: Collection[str] = frozenset(),
        attended: Collection[str] = frozenset(),
    ) -> Iterator[LessonSnapshot]:
        skipped: list[SkippedRecord] = []
        events = self._events(classes, staff, since, until, skipped)
        nick = self._nicknames(classes, skipped)
        meetings = self._meetings(events, skipped)
        reports = self._reports(meetings, since, until, skipped)
        newest = max((r.end for rs in reports.values() for r in rs), default=None)
        fresh = {k: [r for r in rs if r.id not in settled] for k, rs in reports.items()}
        fresh = {k: rs for k, rs in fresh.items() if rs}
        records = self._get({(k, r.id): f"{self._om(k, meetings[k])}/attendanceReports/"
                             f"{r.id}/attendanceRecords" for k, rs in fresh.items() for r in rs
                             if r.id not in attended})
        recs = self._get({k: f"{self._om(k, meetings[k])}/recordings" for k in fresh})
        snap = LessonSnapshot()
        for key, rs in fresh.items():
            ev = events[key]
            klass = _class_of(ev, classes, nick)
            staff_ids = frozenset(s.platform_id for s in staff) | (
                klass.teacher_ids if klass else frozenset())
            pupils = klass.pupil_ids if klass else frozenset().union(
                *(c.pupil_ids for c in classes))
            ok: list[mm.Report] = []
            for r in rs:
                if r.id in attended:  # stored, and final: only its recording may be new
                    ok.append(r)
                    continue
                pages = records[(key, r.id)]
                if pages.error is not None:
                    # Not stored: without attendance it would read as everyone absent.
                    skipped.append(_skip("attendanceReport", r.id, pages.error))
                    continue
                ok.append(r)
                snap.lessons.append(LiveLessonRecord(
                    Platform.MICROSOFT, r.id, klass.platform_id if klass else None,
                    ev.organiser_id, ev.title, r.start, r.end, join_ref=ev.join_url))
                for item in pages.items:
                    a = mm.attendance(item, r.id, staff_ids, pupils)
                    (skipped if isinstance(a, SkippedRecord) else snap.attendance).append(a)  # type: ignore[arg-type]
            rec_pages = recs[key]
            if rec_pages.error is not None:
                skipped.append(_skip("recordings", meetings[key], rec_pages.error))
                continue
            for item in rec_pages.items:
                rec = mm.recording(item, ok)
                if isinstance(rec, SkippedRecord):
                    skipped.append(rec)
                elif rec is not None:
                    snap.recordings.append(rec)
        snap.skipped.extend(dict.fromkeys(skipped))
        for s in snap.skipped:
            log.warning("graph.lesson_skipped", resource=s.resource, platform_id=s.platform_id,
                        reason=s.reason)
        if newest is not None:
            snap.cursor[LESSONS_STREAM] = newest.isoformat()
        yield snap

    # --- reading ---------------------------------------------------------------------------

    def _get(self, urls: dict[Any, str]) -> dict[Hashable, Pages]:
        if not urls:
            return {}
        result: dict[Hashable, Pages] = self._run(
            self._client.get_many([Get(k, u) for k, u in urls.items()]))
        return result

    @staticmethod
    def _om(key: Meeting, meeting_id: str) -> str:
        return f"/users/{key[0]}/onlineMeetings/{meeting_id}"

    def _events(self, classes: Sequence[LessonClass], staff: Sequence[StaffMember],
                since: datetime, until: datetime,
                skipped: list[SkippedRecord]) -> dict[Meeting, mm.Event]:
        users = sorted({s.platform_id for s in staff} | {t for c in classes for t in c.teacher_ids})
        window = (f"startDateTime={quote(since.isoformat())}&endDateTime="
                  f"{quote(until.isoformat())}")
        select = "$select=subject,start,end,isOnlineMeeting,onlineMeeting,attendees"
        pages = self._get({u: f"/users/{u}/calendarView?{window}&{select}&$top=100"
                           for u in users})
        out: dict[Meeting, mm.Event] = {}
        for uid in users:
            p = pages[uid]
            if p.error is not None:
                skipped.append(_skip("calendarView", uid, p.error))
                continue
            for item in p.items:
                ev = mm.event(item, uid)
                if isinstance(ev, SkippedRecord):
                    skipped.append(ev)
                elif ev is not None:
                    out.setdefault((uid, ev.join_url), ev)
        return out

    def _nicknames(self, classes: Sequence[LessonClass],
                   skipped: list[SkippedRecord]) -> dict[str, str]:
        pages = self._get({c.platform_id: f"/education/classes/{c.platform_id}"
                           "?$select=id,mailNickname" for c in classes})
        out: dict[str, str] = {}
        for cid, p in pages.items():
            for item in p.items:
                n = item.get("mailNickname")
                if isinstance(n, str) and n:
                    out[n.lower()] = str(cid)
        return out

    def _meetings(self, events: dict[Meeting, mm.Event],
                  skipped: list[SkippedRecord]) -> dict[Meeting, str]:
        pages = self._get({k: f"/users/{k[0]}/onlineMeetings?$filter="
                           + quote(f"JoinWebUrl eq '{k[1]}'", safe="") for k in events})
        out: dict[Meeting, str] = {}
        for key, p in pages.items():
            assert isinstance(key, tuple)
            if p.error is not None:
                skipped.append(_skip("onlineMeeting", key[1], p.error))
                continue
            mid = next((x.get("id") for x in p.items if isinstance(x.get("id"), str)), None)
            if isinstance(mid, str):
                out[key] = mid
        return out

    def _reports(self, meetings: dict[Meeting, str], since: datetime, until: datetime,
                 skipped: list[SkippedRecord]) -> dict[Meeting, list[mm.Report]]:
        pages = self._get({k: f"{self._om(k, mid)}/attendanceReports"
                           for k, mid in meetings.items()})
        out: dict[Meeting, list[mm.Report]] = {}
        for key, p in pages.items():
            assert isinstance(key, tuple)
            if p.error is not None:
                skipped.append(_skip("attendanceReports", meetings[key], p.error))
                continue
            for item in p.items:
                r = mm.report(item)
                if isinstance(r, SkippedRecord):
                    skipped.append(r)
                elif r.start < until and r.end >= since:
                    out.setdefault(key, []).append(r)
        return out


def _class_of(ev: mm.Event, classes: Sequence[LessonClass],
              nick: dict[str, str]) -> LessonClass | None:
    by_id = {c.platform_id: c for c in classes}
    for local in ev.attendee_locals:
        if local in nick and nick[local] in by_id:
            return by_id[nick[local]]
    return None


def _skip(resource: str, platform_id: str, error: GraphError) -> SkippedRecord:
    return SkippedRecord(Platform.MICROSOFT, resource, platform_id,
                         f"{error.status} {error.code}: {error.message}")


def _conforms(source: GraphLessonSource) -> LessonSource:
    return source  # mypy checks GraphLessonSource against the LessonSource protocol here
