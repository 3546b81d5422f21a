"""``python -m connector.sandbox.scenario [tiny|small|trust] [seed]``: a summary."""

from __future__ import annotations

import sys
import time
from collections import Counter

from connector.records import Role
from connector.sandbox.scenario.generate import generate


def main(argv: list[str]) -> None:
    size = argv[0] if argv else "small"
    seed = int(argv[1]) if len(argv) > 1 else 1
    began = time.perf_counter()
    s = generate(size, seed)
    took = time.perf_counter() - began
    days = next(iter(s.school_days.values()))
    print(f"{s.trust_name}: size={size} seed={seed} generated in {took:.2f}s")
    print(f"school days {days[0]} .. {days[-1]} ({len(days)}), now={s.now.isoformat()}")
    school_of = {c.id: c.school_id for c in s.classes}
    work = Counter(school_of[w.class_id] for w in s.work)
    subs = Counter(school_of[x.class_id] for x in s.submissions)
    pupils = Counter(p.school_id for p in s.people.values() if not p.is_staff)
    staff = Counter(p.school_id for p in s.people.values() if p.is_staff)
    lessons = Counter(s.people[le.organiser_id].school_id for le in s.lessons)
    header = f"{'school':<14}{'platform':<10}{'classes':>8}{'daily':>6}{'staff':>6}{'pupils':>7}"
    print(header + f"{'work':>7}{'subs':>8}{'lessons':>8}")
    for sc in s.schools:
        mine = [c for c in s.classes if c.school_id == sc.id]
        daily = sum(1 for c in mine if c.daily and not c.archived)
        print(
            f"{sc.id:<14}{sc.platform.value:<10}{len(mine):>8}{daily:>6}{staff[sc.id]:>6}"
            f"{pupils[sc.id]:>7}{work[sc.id]:>7}{subs[sc.id]:>8}{lessons[sc.id]:>8}"
        )
    members = sum(1 for c in s.classes for m in c.members if m.role is Role.PUPIL)
    print(
        f"total: {len(s.classes)} classes, {len(s.people)} people, {members} pupil memberships,"
        f" {len(s.work)} work, {len(s.submissions)} submissions, {len(s.lessons)} lessons"
    )
    print("ground truth (findings over all school days):")
    for rule, by_day in sorted(s.ground_truth.by_rule.items()):
        print(f"  {rule:<8}{sum(len(v) for v in by_day.values()):>7}")
    print("profiles: " + ", ".join(f"{k}={len(v)}" for k, v in sorted(s.profiles.items())))


if __name__ == "__main__":
    main(sys.argv[1:])
