"""Ground truth: which findings each rule must produce on each school day.

``R1`` (exact, tested): on school day D of its school (``calendars.open_days``), a
class the school marks daily (a ``daily_patterns`` regex matches its name) — any class,
inside a closure period — and not archived has a finding when fewer than
``r1_min_items`` (the closure's, inside one) counting items landed on D. Counting:
kind assignment, question or material; state PUBLISHED at ``Scenario.now`` (work
deleted before ``now`` does not count, even if it was visible before the cut-off; a
still-SCHEDULED item does not count); ``published_at`` (the go-live time for scheduled posts) in
``[D 00:00, D cut-off)`` local time. Taken from the generator's own tally, and checked
against the data by ``tests/scenario``. Subject: the class id.

The rest are best-effort, computed from the generated data; the production rules may
legitimately differ in detail:

- ``R2`` / ``R2-feedback``: exact, see :mod:`connector.sandbox.scenario.truth_r2`.
- ``R3`` (subject: pupil id): exact, see :mod:`connector.sandbox.scenario.truth_r3`.
- ``R4`` / ``R4-1to1`` (subject: lesson id): exact, see
  :mod:`connector.sandbox.scenario.truth_r4`.
"""

from __future__ import annotations

from connector.sandbox.scenario.calendars import closure_on, open_days
from connector.sandbox.scenario.context import Build
from connector.sandbox.scenario.model import Finding, GroundTruth
from connector.sandbox.scenario.truth_r2 import r2_truth
from connector.sandbox.scenario.truth_r3 import r3_truth
from connector.sandbox.scenario.truth_r4 import r4_truth


def ground_truth(b: Build) -> GroundTruth:
    gt = GroundTruth()
    _r1(b, gt)
    r2_truth(b, gt)  # exact R2 and R2-feedback: see truth_r2
    r3_truth(b, gt)  # exact R3: see truth_r3
    r4_truth(b, gt)  # exact R4 and R4-1to1: see truth_r4
    return gt


def _r1(b: Build, gt: GroundTruth) -> None:
    schools = {s.id: s for s in b.schools}
    days = {s.id: open_days(b, s) for s in b.schools}
    for c in b.classes:
        if c.archived:
            continue
        school = schools[c.school_id]
        for day in days[school.id]:
            # In a closure period every class is daily and needs the closure's minimum.
            closure = closure_on(school, day)
            if not c.daily and closure is None:
                continue
            need = school.r1_min_items if closure is None else closure.r1_min_items
            if b.counts.get((c.id, day), 0) < need:
                gt.add(Finding("R1", c.school_id, day, c.id, "too little work posted"))
