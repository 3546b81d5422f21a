"""Work each class's teachers post over the school days, by posting profile.

Every counting item the generator means to count for R1 on a school day is tallied in
``Build.counts`` as it is made; the ground truth comes from that tally (and a test
re-derives it from the timestamps). Times are chosen as local wall-clock minutes, so the
clock change moves them in UTC exactly as it does for a real teacher.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from connector.records import Platform, WorkKind, WorkState
from connector.sandbox.scenario import names
from connector.sandbox.scenario import profiles as prof
from connector.sandbox.scenario.context import Build
from connector.sandbox.scenario.days import (
    is_school_day,
    local,
    local_date,
    local_minutes,
    next_school_day,
)
from connector.sandbox.scenario.model import ClassSpec, SchoolSpec, WorkSpec
from connector.sandbox.scenario.truth_r2 import NFM_TITLE_TAG

_COUNTING = (
    WorkKind.ASSIGNMENT,
    WorkKind.ASSIGNMENT,
    WorkKind.ASSIGNMENT,
    WorkKind.QUESTION,
    WorkKind.MATERIAL,
    WorkKind.MATERIAL,
)
_OFF_DAY_P = 0.08
_EARLY_BIRD_P = 0.04  # posts just after local midnight: the previous UTC day in summer


def post_class_work(b: Build, school: SchoolSpec, klass: ClassSpec) -> None:
    """All work of one (non-archived) class over the scenario."""
    _ClassWork(b, school, klass).run()


class _ClassWork:
    def __init__(self, b: Build, school: SchoolSpec, klass: ClassSpec) -> None:
        self.b, self.school, self.c = b, school, klass
        self.tz = school.time_zone
        self.profile = b.posting.get(klass.id, prof.NORMAL)
        self.teachers = klass.teacher_ids()
        self.cutoff = school.r1_cutoff.hour * 60 + school.r1_cutoff.minute
        self.n = 0
        self.late_days = 0

    def run(self) -> None:
        b = self.b
        if not self.c.daily and self.c.year_group is None:
            self._club()
            return
        for day in b.days:
            self._day(day)
        self._off_days()
        if self.profile == prof.SCHEDULER:
            # Written on the last day, going live on the next school day: after now.
            last = b.days[-1]
            live = local(next_school_day(last, self.school.nation), time(7, 30), self.tz)
            self.item(
                WorkKind.ASSIGNMENT,
                None,
                state=WorkState.SCHEDULED,
                created=local(last, time(14, 0), self.tz),
                scheduled=live,
            )

    # --- days -------------------------------------------------------------------------------

    def _day(self, day: date) -> None:
        r = self.b.rng.random()
        p = self.profile
        habit = r < prof.HABIT_P
        if p == prof.SKIPPER and habit:
            return
        if p == prof.LATE_POSTER and habit:
            self._late(day)
        elif p == prof.ANNOUNCER and habit:
            self.item(WorkKind.ANNOUNCEMENT, self._at(day, self._daytime()))
        elif p == prof.DRAFTER and habit:
            made = self._at(day, self._daytime())
            self.item(self._kind(), None, state=WorkState.DRAFT, created=made)
        elif p == prof.DELETER and habit:
            pub = self._at(day, self._daytime())
            gone = pub + timedelta(minutes=self.b.rng.randint(20, 90))
            self.item(self._kind(), pub, state=WorkState.DELETED, updated=gone)
        elif p == prof.SCHEDULER and r < 0.5:
            self._scheduled(day)
        elif p == prof.NORMAL and r < prof.NORMAL_MISS_P:
            return
        else:
            self._normal(day)

    def _normal(self, day: date) -> None:
        rng = self.b.rng
        minute = rng.randint(5, 55) if rng.random() < _EARLY_BIRD_P else self._daytime()
        self.counting(day, minute)
        if rng.random() < 0.3:
            self.counting(day, self._daytime())
        if rng.random() < 0.1:
            self.item(WorkKind.ANNOUNCEMENT, self._at(day, self._daytime()))
        if rng.random() < 0.05:
            self.item(
                self._kind(), None, state=WorkState.DRAFT, created=self._at(day, self._daytime())
            )
        if self.profile == prof.DELETER and rng.random() < 0.3:
            pub = self._at(day, self._daytime())
            self.item(self._kind(), pub, state=WorkState.DELETED, updated=pub + timedelta(hours=1))

    def _late(self, day: date) -> None:
        rng = self.b.rng
        if self.late_days == 0:
            minute = self.cutoff  # exactly at the cut-off: too late
        elif rng.random() < 0.5:
            minute = self.cutoff + rng.randint(1, 45)
        else:
            minute = rng.randint(19 * 60, 23 * 60 + 45)
        self.late_days += 1
        self.item(self._kind(), self._at(day, minute))

    def _scheduled(self, day: date) -> None:
        rng = self.b.rng
        made = local_minutes(day - timedelta(days=1), rng.randint(20 * 60, 22 * 60), self.tz)
        live = self._at(day, rng.randint(7 * 60, 8 * 60 + 30))
        if self.item(self._kind(), live, created=made, scheduled=live):
            self.b.counts[(self.c.id, day)] += 1

    def _off_days(self) -> None:
        rng, day = self.b.rng, self.b.days[0]
        while day < self.b.days[-1]:
            off = not is_school_day(day, self.school.nation)
            if off and rng.random() < _OFF_DAY_P and self.item(self._kind(), self._at(day, 660)):
                self.b.tag(prof.OFF_DAY_POST, self.c.id)
            day += timedelta(days=1)

    def _club(self) -> None:
        kind = WorkKind.ANNOUNCEMENT if self.c.name == "Staff Room" else WorkKind.MATERIAL
        for day in self.b.days:
            if self.b.rng.random() < 0.3:
                self.counting(day, 12 * 60 + 30, kind=kind)

    # --- items ------------------------------------------------------------------------------

    def _daytime(self) -> int:
        return self.b.rng.randint(7 * 60, self.cutoff - 1)

    def _kind(self) -> WorkKind:
        return self.b.rng.choice(_COUNTING)

    def _at(self, day: date, minute: int) -> datetime:
        return local_minutes(day, minute, self.tz)

    def counting(self, day: date, minute: int, kind: WorkKind | None = None) -> None:
        """A published item on ``day`` at local ``minute``; tallied if before the cut-off."""
        kind = kind or self._kind()
        if (
            self.item(kind, self._at(day, minute))
            and kind is not WorkKind.ANNOUNCEMENT
            and minute < self.cutoff
        ):
            self.b.counts[(self.c.id, day)] += 1

    def item(
        self,
        kind: WorkKind,
        published: datetime | None,
        *,
        state: WorkState = WorkState.PUBLISHED,
        created: datetime | None = None,
        scheduled: datetime | None = None,
        updated: datetime | None = None,
    ) -> WorkSpec | None:
        b, rng = self.b, self.b.rng
        if (
            self.school.platform is Platform.MICROSOFT
            and kind is WorkKind.MATERIAL
            and published is not None
        ):
            # Teams materials are class modules: published at once, no schedule, and
            # Graph exposes no publish time, so the module is made at its publish instant
            # (the connector reads createdDateTime as the publish time).
            created, scheduled = published, None
        made = created or published
        assert made is not None
        if made > b.now:
            return None  # not posted yet as far as the sandbox is concerned
        self.n += 1
        creator = self.teachers[0]
        if len(self.teachers) > 1 and rng.random() < 0.3:
            creator = self.teachers[1]
        due = topic = None
        points: float | None = None
        if kind in (WorkKind.ASSIGNMENT, WorkKind.QUESTION):
            live = published or scheduled or made
            due_day = next_school_day(local_date(live, self.tz), self.school.nation)
            due = local(due_day, time(9, 0), self.tz)
            topic = names.NOT_FOR_MARKING if rng.random() < 0.1 else rng.choice(names.TOPICS)
            points = rng.choice(
                (10.0, 20.0, 100.0, None) if kind is WorkKind.ASSIGNMENT else (1.0, None)
            )
        elif kind is WorkKind.MATERIAL:
            topic = "Reading"
        word = "notice" if kind is WorkKind.ANNOUNCEMENT else kind.value
        # Every 13th item of a class carries the not-for-marking title tag (R2 exempts it);
        # chosen by count, not by the rng, so the rest of the scenario is unchanged.
        tag = f" {NFM_TITLE_TAG}" if self.n % 13 == 0 and kind is WorkKind.ASSIGNMENT else ""
        google = self.school.platform is Platform.GOOGLE
        w = WorkSpec(
            id=b.ids.work() if google else b.ids.guid("work"),
            class_id=self.c.id,
            creator_id=creator,
            kind=kind,
            state=state,
            title=f"{self.c.subject} {word} {self.n}{tag}",
            created_at=made,
            updated_at=updated or published or made,
            published_at=published,
            scheduled_at=scheduled,
            due_at=due,
            topic=topic,
            max_points=points,
        )
        b.work.append(w)
        return w
