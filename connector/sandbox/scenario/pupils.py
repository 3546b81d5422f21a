"""Pupil profiles: who disengages, who is excused, who joins late and who leaves."""

from __future__ import annotations

from datetime import time

from connector.records import Role
from connector.sandbox.scenario import profiles as prof
from connector.sandbox.scenario.context import Build
from connector.sandbox.scenario.days import local
from connector.sandbox.scenario.model import MembershipSpec, SchoolSpec


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
