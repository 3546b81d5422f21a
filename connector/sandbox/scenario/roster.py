"""Schools, people, classes and memberships.

Each school has an admin, teachers and pupils in forms. Every form has one class (a
secondary "7A Maths", a primary "Year 3 Robins"); remaining teaching classes are second
classes of some forms. Small schools and trust schools also have an archived class that
matches the daily pattern, and the exempt "Chess Club" and "Staff Room" (tiny: Chess Club).
"""

from __future__ import annotations

import re
from datetime import time, timedelta

from connector.records import Platform, Role
from connector.sandbox.scenario import names
from connector.sandbox.scenario import profiles as prof
from connector.sandbox.scenario.context import Build
from connector.sandbox.scenario.days import local
from connector.sandbox.scenario.model import ClassSpec, MembershipSpec, PersonSpec, SchoolSpec

_SECONDARY_DAILY = r"^(?:7|8|9|10|11)[A-H] (?:" + "|".join(names.SECONDARY_DAILY) + r")\b"
_PRIMARY_DAILY = r"^Year [1-6] "
FORM_SIZE = 30


def build_school(b: Build, index: int, platform: Platform) -> None:
    """Add school ``index`` with its people and classes to ``b``."""
    base = names.SCHOOLS[index]
    secondary = index % 2 == 0
    key = base.lower()
    domain = f"{key}.sch.uk"
    school = SchoolSpec(
        id=key,
        name=f"{base} Academy" if secondary else f"{base} Primary School",
        platform=platform,
        time_zone="Europe/London",
        domain=domain,
        admin_email=f"admin@{domain}",
        nation="wales" if index == 5 else "england",
        daily_patterns=[_SECONDARY_DAILY if secondary else _PRIMARY_DAILY],
        platform_school_id=b.ids.guid("school") if platform is Platform.MICROSOFT else None,
    )
    # A few trust schools tune R1, so per-school settings are exercised.
    if b.size.schools > 1 and index % 5 == 4:
        school.r1_cutoff = time(15, 30)
    if b.size.schools > 1 and index == 2:
        school.r1_min_items = 2
    b.schools.append(school)
    _Roster(b, school, secondary).build()


class _Roster:
    def __init__(self, b: Build, school: SchoolSpec, secondary: bool) -> None:
        self.b, self.school, self.secondary = b, school, secondary
        self.emails: set[str] = set()
        self.start = b.days[0]
        self.since = local(self.start - timedelta(days=185), time(8, 0), school.time_zone)

    def person(
        self,
        staff: bool,
        given: str | None = None,
        family: str | None = None,
        stem: str | None = None,
    ) -> str:
        rng, ids = self.b.rng, self.b.ids
        given = given or rng.choice(names.GIVEN)
        family = family or rng.choice(names.FAMILY)
        stem = stem or (f"{given[0]}.{family}" if staff else f"{given}.{family}")
        email, n = f"{stem}@{self.school.domain}".lower(), 1
        while email in self.emails:
            n += 1
            email = f"{stem}{n}@{self.school.domain}".lower()
        self.emails.add(email)
        pid = ids.user() if self.school.platform is Platform.GOOGLE else ids.guid("user")
        self.b.people[pid] = PersonSpec(pid, self.school.id, email, given, family, staff)
        return pid

    def build(self) -> None:
        b, size = self.b, self.b.size
        admin = self.person(True, "Sam", "Office", stem="admin")
        n_classes = size.classes_per_school
        small = n_classes <= 3
        exempt = names.EXEMPT_CLASSES[:1] if small else names.EXEMPT_CLASSES
        archived = 0 if small else 1
        teaching = n_classes - len(exempt) - archived
        n_forms = max(1, min(teaching, -(-size.pupils_per_school // FORM_SIZE)))
        teachers = [self.person(True) for _ in range(max(2, (teaching * 2 + 2) // 3))]
        b.teachers[self.school.id] = teachers
        for i, t in enumerate(teachers):
            if i % 4 == 2:
                b.slow_markers.add(t)
                b.tag(prof.SLOW_MARKER, t)
            if i % 5 == 3:
                b.unrecording.add(t)
                b.tag(prof.UNRECORDED, t)
        pupils = [self.person(False) for _ in range(size.pupils_per_school)]
        b.pupils[self.school.id] = pupils
        forms = self._forms(n_forms)
        form_pupils = [pupils[i::n_forms] for i in range(n_forms)]
        daily_seen = 0
        for k in range(teaching + archived):
            f = k % n_forms
            form, year = forms[f]
            subject_i = k if k < n_forms else k - n_forms + 1
            name, subject = self._class_name(form, subject_i, k >= n_forms)
            members = form_pupils[f] if k < n_forms else form_pupils[f][::2]
            if k == teaching:  # the archived class: last year's copy of a form class
                name, members = f"{name} 2024-25", []
            owner = teachers[k % len(teachers)]
            co = teachers[(k + 1) % len(teachers)] if k % 4 == 1 else None
            c = self._klass(name, subject, year, owner, co, members, archived=k == teaching)
            if c.archived:
                b.tag(prof.ARCHIVED, c.id)
            elif c.daily:
                profile = (
                    prof.POSTING_ORDER[daily_seen]
                    if daily_seen < len(prof.POSTING_ORDER)
                    else prof.NORMAL
                )
                daily_seen += 1
                b.posting[c.id] = profile
                b.tag(profile, c.id)
            else:
                b.posting[c.id] = prof.NORMAL
            if co:
                b.tag(prof.CO_TAUGHT, c.id)
            if k % 3 == 0 and not c.archived:
                b.live_classes.append(c.id)
                b.tag(prof.LIVE_LESSONS, c.id)
        club_pupils = b.rng.sample(pupils, min(12, len(pupils)))
        self._klass(exempt[0], "Chess", None, teachers[0], None, club_pupils)
        if len(exempt) > 1:
            self._klass(exempt[1], "Staff", None, admin, None, [], extra_teachers=teachers)

    def _forms(self, n: int) -> list[tuple[str, int]]:
        years = list(range(7, 12)) if self.secondary else list(range(1, 7))
        out: list[tuple[str, int]] = []
        per_year: dict[int, int] = {}
        for j in range(n):
            year = years[j * len(years) // n]
            idx = per_year.get(year, 0)
            per_year[year] = idx + 1
            label = (
                f"{year}{chr(65 + idx)}"
                if self.secondary
                else f"Year {year} {names.PRIMARY_FORMS[idx % len(names.PRIMARY_FORMS)]}"
            )
            out.append((label, year))
        return out

    def _class_name(self, form: str, i: int, extra: bool) -> tuple[str, str]:
        if self.secondary:
            subject = names.SECONDARY_SUBJECTS[i % len(names.SECONDARY_SUBJECTS)]
            return f"{form} {subject}", subject
        if not extra:
            return form, "General"
        return f"{form} Maths Booster", "Maths"

    def _klass(
        self,
        name: str,
        subject: str,
        year: int | None,
        owner: str,
        co: str | None,
        pupils: list[str],
        *,
        archived: bool = False,
        extra_teachers: list[str] | None = None,
    ) -> ClassSpec:
        b, school = self.b, self.school
        google = school.platform is Platform.GOOGLE
        cid = b.ids.course() if google else b.ids.guid("class")
        created = self.since - timedelta(days=365 if archived else 0)
        daily = any(re.search(p, name) for p in school.daily_patterns)
        c = ClassSpec(
            id=cid,
            school_id=school.id,
            name=name,
            section=None if year is None else f"Year {year}",
            subject=subject,
            year_group=year,
            owner_id=owner,
            created_at=created,
            daily=daily,
            calendar_id=b.ids.calendar() if google else cid,
            archived=archived,
        )
        staff = [owner] + ([co] if co else []) + [t for t in extra_teachers or [] if t != owner]
        c.members = [MembershipSpec(t, Role.TEACHER, created) for t in staff]
        c.members += [MembershipSpec(p, Role.PUPIL, created) for p in pupils]
        if not daily and not archived:
            b.tag(prof.EXEMPT, cid)
        b.classes.append(c)
        return c
