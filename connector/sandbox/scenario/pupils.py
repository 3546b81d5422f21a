"""Pupil profiles: who disengages, who is excused, who joins late and who leaves.

:func:`come_back` runs once everything else is generated: one disengaging pupil per
school re-engages (R3's finding must close), with no further use of the rng.
"""

from __future__ import annotations

from datetime import time, timedelta

from connector.records import Role, SubmissionState
from connector.sandbox.scenario import profiles as prof
from connector.sandbox.scenario.context import Build
from connector.sandbox.scenario.days import local
from connector.sandbox.scenario.model import (
    AttendanceSpec,
    MembershipSpec,
    SchoolSpec,
    SubmissionEvent,
)

# A disengaging pupil who comes back (see come_back); not in profiles.ALL as only R3 needs it.
REENGAGING = "reengaging"


def assign_pupil_profiles(b: Build, school: SchoolSpec) -> None:
    pupils = b.pupils[school.id]
    n = len(pupils)
    few = max(1, n // 250)
    n_dis = max(1, n // 100)
    picks = b.rng.sample(pupils, n_dis + 3 * few)
    disengaging = picks[:n_dis]
    excused = picks[n_dis : n_dis + few]
    joiners = picks[n_dis + few : n_dis + 2 * few]
    leavers = picks[n_dis + 2 * few :]
    days, tz = b.days, school.time_zone
    taught: dict[str, list[tuple[str, MembershipSpec]]] = {}
    for c in b.classes:
        if c.school_id != school.id:
            continue
        for m in c.members:
            if m.role is Role.PUPIL:
                taught.setdefault(m.person_id, []).append((c.id, m))
    for p in disengaging:
        b.disengage_at[p] = local(days[len(days) // 2], time(0, 0), tz)
        b.tag(prof.DISENGAGING, p)
    for p in excused:
        # Excused from the first class they belong to (their form's main class).
        cid = taught[p][0][0]
        b.excused.add((cid, p))
        b.tag(prof.EXCUSED, p)
    join_at = local(days[max(1, len(days) // 3)], time(9, 0), tz)
    for p in joiners:
        for _, m in taught[p]:
            m.joined_at = join_at
        b.tag(prof.JOINS_LATE, p)
    leave_at = local(days[2 * len(days) // 3], time(12, 0), tz)
    for p in leavers:
        for _, m in taught[p]:
            m.left_at = leave_at
        b.tag(prof.LEAVES, p)


def come_back(b: Build, school: SchoolSpec) -> None:
    """The school's first disengaging pupil comes back at 08:00 on the school day four
    fifths of the way through: they hand in everything outstanding (late) within the
    hour, hand in new work half an hour after it is set, and attend every live lesson of
    their classes from then on. Deterministic: no rng, so nothing else changes.
    """
    mine = set(b.pupils[school.id])
    pupil = next((p for p in b.profiles.get(prof.DISENGAGING, []) if p in mine), None)
    if pupil is None:
        return
    back = local(b.days[len(b.days) * 4 // 5], time(8, 0), school.time_zone)
    if back <= b.disengage_at[pupil]:
        return
    b.tag(REENGAGING, pupil)
    n = 0
    for sub in b.submissions:
        if sub.pupil_id != pupil or sub.state is not SubmissionState.ASSIGNED:
            continue
        n += 1
        at = max(back + timedelta(minutes=n), sub.created_at + timedelta(minutes=30))
        if at > b.now:
            continue
        sub.state, sub.updated_at, sub.turned_in_at = SubmissionState.TURNED_IN, at, at
        sub.history.append(SubmissionEvent(at, SubmissionState.TURNED_IN, pupil))
        work_due = next((w.due_at for w in b.work if w.id == sub.work_id), None)
        sub.late = work_due is not None and at > work_due
    classes = {c.id for c in b.classes if pupil in c.pupil_ids()}
    for le in b.lessons:
        if le.class_id not in classes or le.started_at < back:
            continue
        if all(a.person_id != pupil for a in le.attendance):
            le.attendance.append(AttendanceSpec(pupil, le.started_at, le.ended_at))
