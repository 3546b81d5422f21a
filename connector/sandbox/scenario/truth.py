"""Ground truth: which findings each rule must produce on each school day.

``R1`` (exact, tested): on school day D, a class the school marks daily (a
``daily_patterns`` regex matches its name) and not archived has a finding when fewer
than ``r1_min_items`` counting items landed on D. Counting: kind assignment, question or
material; state PUBLISHED at ``Scenario.now`` (work deleted before ``now`` does not
count, even if it was visible before the cut-off; a still-SCHEDULED item does not
count); ``published_at`` (the go-live time for scheduled posts) in
``[D 00:00, D cut-off)`` local time. Taken from the generator's own tally, and checked
against the data by ``tests/scenario``. Subject: the class id.

The rest are best-effort, computed from the generated data; the production rules may
legitimately differ in detail:

- ``R2`` (subject: work id): judged at D 17:00 local. A submission of published work
  whose topic is not "Not for marking" is overdue when its state at that time is
  TURNED_IN, its last turn-in is at or before the previous school day at 17:00 local
  (one school day's window), and it was not returned by then.
- ``R3`` (subject: pupil id): judged at D 17:00 local, the "missed in a row" signal only:
  in some class the pupil's three latest pieces of work due by then were all missed
  (not turned in by the due time, not excused).
- ``R4`` (subject: lesson id, day: the lesson's local date): a class lesson of at least
  10 minutes with at least 2 pupils attending that was not recorded.
- ``R4-1to1`` (subject: lesson id): exactly one staff member and exactly one pupil
  attended, nobody else.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from datetime import datetime, time, timedelta

from connector.records import SubmissionState
from connector.sandbox.scenario import names
from connector.sandbox.scenario.context import Build
from connector.sandbox.scenario.days import local, local_date
from connector.sandbox.scenario.model import Finding, GroundTruth, SubmissionSpec

S = SubmissionState
_CHECK = time(17, 0)


def ground_truth(b: Build) -> GroundTruth:
    gt = GroundTruth()
    _r1(b, gt)
    _r2_r3(b, gt)
    _r4(b, gt)
    return gt


def _r1(b: Build, gt: GroundTruth) -> None:
    schools = {s.id: s for s in b.schools}
    for c in b.classes:
        if not c.daily or c.archived:
            continue
        school = schools[c.school_id]
        for day in b.days:
            if b.counts.get((c.id, day), 0) < school.r1_min_items:
                gt.add(Finding("R1", c.school_id, day, c.id, "too little work posted"))


def _r2_r3(b: Build, gt: GroundTruth) -> None:
    schools = {s.id: s for s in b.schools}
    work = {w.id: w for w in b.work}
    school_of = {c.id: c.school_id for c in b.classes}
    checks = {s.id: [local(day, _CHECK, s.time_zone) for day in b.days] for s in b.schools}
    by_class_pupil: dict[tuple[str, str], list[tuple[datetime, bool]]] = defaultdict(list)
    for sub in b.submissions:
        w = work[sub.work_id]
        school_id = school_of[sub.class_id]
        if w.topic != names.NOT_FOR_MARKING:
            _r2(b, gt, school_id, w.id, sub, checks[school_id])
        if w.due_at is not None:
            by_class_pupil[(sub.class_id, sub.pupil_id)].append((w.due_at, _missed(sub, w.due_at)))
    for (cid, pupil), dues in by_class_pupil.items():
        school = schools[school_of[cid]]
        dues.sort(key=lambda x: x[0])
        times = [d for d, _ in dues]
        for day, check in zip(b.days, checks[school.id], strict=True):
            k = bisect_right(times, check)
            if k >= 3 and all(m for _, m in dues[k - 3 : k]):
                gt.add(Finding("R3", school.id, day, pupil, "missed 3 in a row"))


def _r2(
    b: Build,
    gt: GroundTruth,
    school_id: str,
    work_id: str,
    sub: SubmissionSpec,
    checks: list[datetime],
) -> None:
    """Days on which ``sub`` sat TURNED_IN since before the previous day's check."""
    history = sub.history
    for n, e in enumerate(history):
        if e.state is not S.TURNED_IN:
            continue
        until = history[n + 1].at if n + 1 < len(history) else None
        # Day i is overdue when checks[i - 1] >= e.at and checks[i] < until.
        first = bisect_left(checks, e.at) + 1
        last = len(checks) if until is None else bisect_left(checks, until)
        for i in range(first, last):
            gt.add(Finding("R2", school_id, b.days[i], work_id, "submission overdue"))


def _missed(sub: SubmissionSpec, due: datetime) -> bool:
    """Not turned in by ``due``; excused work (Google: returned unsubmitted) is not missed."""
    for e in sub.history:
        if e.at > due:
            break
        if e.state in (S.TURNED_IN, S.EXCUSED, S.RETURNED):
            return False
    return True


def _r4(b: Build, gt: GroundTruth) -> None:
    schools = {s.id: s for s in b.schools}
    people = b.people
    for le in b.lessons:
        school = schools[people[le.organiser_id].school_id]
        day = local_date(le.started_at, school.time_zone)
        staff = {a.person_id for a in le.attendance if people[a.person_id].is_staff}
        pupils = {a.person_id for a in le.attendance if not people[a.person_id].is_staff}
        if len(staff) == 1 and len(pupils) == 1:
            gt.add(Finding("R4-1to1", school.id, day, le.id, "1:1 call"))
        long_enough = le.ended_at - le.started_at >= timedelta(minutes=10)
        if le.class_id and not le.recorded and long_enough and len(pupils) >= 2:
            gt.add(Finding("R4", school.id, day, le.id, "not recorded"))
