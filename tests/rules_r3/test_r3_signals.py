"""R3: each disengagement signal, its threshold and its edges, judged from stored rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from config.engagement import R3Settings, R4Settings
from config.settings import SchoolSettings
from jobs.calendar import SchoolCalendar
from jobs.rules.base import FindingDraft
from jobs.rules.r3_rule import judge_r3
from sync.models import Person, School, SchoolClass
from tests.jobs.factories import school_settings
from tests.rules_r3.rows import Rows, S

# The week of Monday 9 March 2026 (GMT: local time is UTC) and the Monday after.
MON, TUE, WED, THU, FRI = (datetime(2026, 3, d, tzinfo=UTC) for d in (9, 10, 11, 12, 13))
NEXT_MON = datetime(2026, 3, 16, tzinfo=UTC)
H = timedelta(hours=1)


def settings(**r3: Any) -> SchoolSettings:
    return school_settings(r3=R3Settings(**r3))


def judge(
    rows: Rows, school: School, at: datetime, s: SchoolSettings | None = None
) -> list[FindingDraft]:
    s = s or settings()
    cal = SchoolCalendar.for_school(s)
    return judge_r3(rows.session, school, s, cal, day=None, as_of=at)


def signals(drafts: list[FindingDraft], pupil: Person) -> dict[str, dict[str, Any]]:
    for d in drafts:
        if d.pupil_id == pupil.id:
            return {s["signal"]: s for s in d.evidence["signals"]}
    return {}


def world(rows: Rows) -> tuple[School, SchoolClass, Person]:
    school = rows.school()
    teacher = rows.person()
    cls = rows.klass(school, teachers=[teacher])
    pupil = rows.pupil(school=school)
    rows.join(pupil, cls)
    return school, cls, pupil


def missed(rows: Rows, cls: SchoolClass, pupil: Person, *dues: datetime) -> list[int]:
    ids = []
    for due in dues:
        w = rows.due_work(cls, due)
        rows.submission(w, pupil)
        ids.append(w.id)
    return ids


def handed(rows: Rows, cls: SchoolClass, pupil: Person, due: datetime, at: datetime) -> None:
    rows.submission(rows.due_work(cls, due), pupil, S.TURNED_IN, turned_in_at=at)


def test_a_pupil_who_missed_three_pieces_in_a_row_is_disengaged_with_the_work_named(
    rows: Rows,
) -> None:
    school, cls, pupil = world(rows)
    handed(rows, cls, pupil, MON + 9 * H, MON + 8 * H)
    ids = missed(rows, cls, pupil, TUE + 9 * H, WED + 9 * H, THU + 9 * H)

    drafts = judge(rows, school, THU + 17 * H)

    sig = signals(drafts, pupil)["missed_work"]
    assert sig["work_ids"] == ids and sig["class_id"] == cls.id and sig["missed"] == 3
    assert drafts[0].class_id == cls.id and drafts[0].key == f"R3:{school.id}:{pupil.id}"


def test_two_misses_are_not_enough_and_work_not_yet_due_is_not_missed(rows: Rows) -> None:
    school, cls, pupil = world(rows)
    missed(rows, cls, pupil, TUE + 9 * H, WED + 9 * H, THU + 18 * H)

    assert "missed_work" not in signals(judge(rows, school, THU + 17 * H), pupil)


def test_a_school_can_lower_the_missed_work_threshold(rows: Rows) -> None:
    school, cls, pupil = world(rows)
    missed(rows, cls, pupil, WED + 9 * H, THU + 9 * H)

    assert "missed_work" in signals(
        judge(rows, school, THU + 17 * H, settings(missed_in_a_row=2)), pupil
    )


def test_handing_in_the_latest_piece_breaks_the_streak(rows: Rows) -> None:
    school, cls, pupil = world(rows)
    missed(rows, cls, pupil, MON + 9 * H, TUE + 9 * H, WED + 9 * H)
    handed(rows, cls, pupil, THU + 9 * H, THU + 8 * H)

    assert "missed_work" not in signals(judge(rows, school, THU + 17 * H), pupil)


def test_work_handed_in_late_no_longer_counts_as_missed(rows: Rows) -> None:
    school, cls, pupil = world(rows)
    for due in (TUE + 9 * H, WED + 9 * H, THU + 9 * H):
        handed(rows, cls, pupil, due, THU + 12 * H)

    assert signals(judge(rows, school, THU + 17 * H), pupil) == {}


def test_a_turn_in_after_the_check_instant_does_not_count_yet(rows: Rows) -> None:
    school, cls, pupil = world(rows)
    for due in (TUE + 9 * H, WED + 9 * H, THU + 9 * H):
        handed(rows, cls, pupil, due, FRI + 12 * H)

    assert "missed_work" in signals(judge(rows, school, THU + 17 * H), pupil)


def test_teams_excused_work_is_neither_missed_nor_counted(rows: Rows) -> None:
    school, cls, pupil = world(rows)
    missed(rows, cls, pupil, MON + 9 * H, TUE + 9 * H)
    rows.submission(rows.due_work(cls, WED + 9 * H), pupil, S.EXCUSED)
    missed(rows, cls, pupil, THU + 9 * H)
    excused_only = rows.pupil("Ed Excused", school=school)
    rows.join(excused_only, cls)
    for due in (MON + 9 * H, TUE + 9 * H, WED + 9 * H, THU + 9 * H):
        rows.submission(rows.due_work(cls, due), excused_only, S.EXCUSED)

    drafts = judge(rows, school, THU + 17 * H)

    assert signals(drafts, pupil)["missed_work"]["missed"] == 3
    assert signals(drafts, excused_only) == {}


def test_google_work_returned_ungraded_and_not_turned_in_excuses_where_the_school_says_so(
    rows: Rows,
) -> None:
    school, cls, pupil = world(rows)
    for due in (TUE + 9 * H, WED + 9 * H, THU + 9 * H):
        rows.submission(rows.due_work(cls, due), pupil, S.RETURNED, returned_at=due - 20 * H)

    excusing = judge(rows, school, THU + 17 * H, settings(excuse_returned_ungraded=True))
    not_excusing = judge(rows, school, THU + 17 * H, settings(excuse_returned_ungraded=False))

    assert signals(excusing, pupil) == {}
    assert signals(not_excusing, pupil)["missed_work"]["missed"] == 3


def test_work_returned_with_a_grade_but_never_turned_in_counts_as_handed_in(rows: Rows) -> None:
    school, cls, pupil = world(rows)
    for due in (TUE + 9 * H, WED + 9 * H, THU + 9 * H):
        rows.submission(rows.due_work(cls, due), pupil, S.RETURNED, graded=True)

    assert "missed_work" not in signals(judge(rows, school, THU + 17 * H), pupil)


def test_work_due_before_a_pupil_joined_is_not_missed(rows: Rows) -> None:
    school, cls, _ = world(rows)
    joiner = rows.pupil("Jo Joiner", school=school)
    rows.join(joiner, cls, joined_at=WED + 12 * H)
    missed(rows, cls, joiner, MON + 9 * H, TUE + 9 * H, WED + 9 * H, THU + 9 * H)

    drafts = judge(rows, school, THU + 17 * H, settings(share_min_due=1))

    assert signals(drafts, joiner)["low_share"]["due"] == 1
    assert "missed_work" not in signals(drafts, joiner)


def test_a_pupil_who_left_is_not_flagged_after_leaving(rows: Rows) -> None:
    school, cls, _ = world(rows)
    leaver = rows.pupil("Lee Leaver", school=school)
    rows.join(leaver, cls, left_at=THU + 12 * H)
    missed(rows, cls, leaver, MON + 9 * H, TUE + 9 * H, WED + 9 * H)

    assert signals(judge(rows, school, THU + 11 * H), leaver) != {}
    assert signals(judge(rows, school, THU + 17 * H), leaver) == {}


def test_a_pupil_who_handed_in_under_half_of_the_last_fortnights_work_is_disengaged(
    rows: Rows,
) -> None:
    school, cls, pupil = world(rows)
    other = rows.klass(school, "7A English")
    rows.join(pupil, other)
    # Three weeks back: outside the fourteen days, so these misses do not count.
    missed(rows, cls, pupil, MON - 14 * 24 * H, MON - 13 * 24 * H)
    handed(rows, cls, pupil, MON + 9 * H, MON + 8 * H)
    missed(rows, other, pupil, TUE + 9 * H, WED + 9 * H)
    handed(rows, other, pupil, THU + 9 * H, THU + 8 * H)
    missed(rows, cls, pupil, THU + 10 * H)

    sig = signals(judge(rows, school, THU + 17 * H), pupil)

    assert sig["low_share"]["due"] == 5 and sig["low_share"]["handed_in"] == 2
    assert "missed_work" not in sig


def test_half_handed_in_or_too_little_due_is_no_low_share(rows: Rows) -> None:
    school, cls, pupil = world(rows)
    missed(rows, cls, pupil, TUE + 9 * H)
    handed(rows, cls, pupil, WED + 9 * H, WED + 8 * H)
    few = rows.pupil("Fay Few", school=school)
    rows.join(few, cls)
    missed(rows, cls, few, WED + 9 * H, THU + 9 * H)

    drafts = judge(rows, school, THU + 17 * H, settings(share_min_due=2))

    assert "low_share" not in signals(drafts, pupil)
    assert "low_share" in signals(drafts, few)
    assert "low_share" not in signals(judge(rows, school, THU + 17 * H), few)


def lessons(
    rows: Rows, school: School, cls: SchoolClass, others: list[Person], *starts: datetime, **kw: Any
) -> list[int]:
    return [rows.lesson(school, s, cls=cls, attendees=others, **kw).id for s in starts]


def test_a_pupil_who_missed_the_last_three_live_lessons_of_a_class_is_disengaged(
    rows: Rows,
) -> None:
    school, cls, pupil = world(rows)
    a, b = rows.pupil("A", school=school), rows.pupil("B", school=school)
    rows.join(a, cls)
    rows.join(b, cls)
    rows.lesson(school, MON + 10 * H, cls=cls, attendees=[pupil, a, b])
    ids = lessons(rows, school, cls, [a, b], TUE + 10 * H, WED + 10 * H, THU + 10 * H)

    sig = signals(judge(rows, school, THU + 17 * H), pupil)

    assert sig["missed_lessons"]["lesson_ids"] == ids
    assert "missed_lessons" not in signals(judge(rows, school, THU + 17 * H), a)


def test_lessons_too_short_or_too_small_for_the_recording_rule_do_not_count(rows: Rows) -> None:
    school, cls, pupil = world(rows)
    a, b = rows.pupil("A", school=school), rows.pupil("B", school=school)
    rows.join(a, cls)
    rows.join(b, cls)
    lessons(rows, school, cls, [a, b], TUE + 10 * H, WED + 10 * H)
    lessons(rows, school, cls, [a, b], THU + 10 * H, minutes=9.9)
    lessons(rows, school, cls, [a], THU + 14 * H)

    assert "missed_lessons" not in signals(judge(rows, school, THU + 17 * H), pupil)
    relaxed = school_settings(r4=R4Settings(min_minutes=5, min_pupils=1))
    assert "missed_lessons" in signals(judge(rows, school, THU + 17 * H, relaxed), pupil)


def test_lessons_held_before_a_pupil_joined_are_not_missed(rows: Rows) -> None:
    school, cls, _ = world(rows)
    a, b = rows.pupil("A", school=school), rows.pupil("B", school=school)
    rows.join(a, cls)
    rows.join(b, cls)
    joiner = rows.pupil("Jo Joiner", school=school)
    rows.join(joiner, cls, joined_at=TUE + 12 * H)
    lessons(rows, school, cls, [a, b], TUE + 10 * H, WED + 10 * H, THU + 10 * H)

    assert "missed_lessons" not in signals(judge(rows, school, THU + 17 * H), joiner)
    lessons(rows, school, cls, [a, b], FRI + 10 * H)
    assert "missed_lessons" in signals(judge(rows, school, FRI + 17 * H), joiner)


def test_three_school_days_without_any_activity_make_a_pupil_disengaged(rows: Rows) -> None:
    school, cls, pupil = world(rows)
    handed(rows, cls, pupil, THU + 9 * H, THU + 8 * H)
    missed(rows, cls, pupil, FRI + 9 * H)

    # Thursday, Friday, Monday: the weekend between does not count.
    assert "inactive" not in signals(judge(rows, school, NEXT_MON + 17 * H), pupil)
    sig = signals(judge(rows, school, NEXT_MON + 24 * H + 17 * H), pupil)
    assert sig["inactive"]["last_activity"] == (THU + 8 * H).isoformat()


def test_attending_any_lesson_or_call_counts_as_activity(rows: Rows) -> None:
    school, cls, pupil = world(rows)
    missed(rows, cls, pupil, TUE + 9 * H, FRI + 9 * H)
    rows.lesson(school, WED + 14 * H, title="Catch-up", attendees=[pupil])

    assert "inactive" not in signals(judge(rows, school, FRI + 17 * H), pupil)
    assert "inactive" in signals(judge(rows, school, NEXT_MON + 17 * H), pupil)


def test_a_pupil_with_nothing_to_do_or_not_yet_there_is_not_inactive(rows: Rows) -> None:
    school, cls, pupil = world(rows)
    joiner = rows.pupil("Jo Joiner", school=school)
    rows.join(joiner, cls, joined_at=TUE + 12 * H)
    missed(rows, cls, joiner, THU + 9 * H)

    drafts = judge(rows, school, THU + 17 * H)

    assert signals(drafts, pupil) == {}
    assert "inactive" not in signals(drafts, joiner)
    assert "inactive" in signals(judge(rows, school, FRI + 17 * H), joiner)


def test_a_pupil_who_is_in_no_class_now_is_not_judged(rows: Rows) -> None:
    school, cls, _ = world(rows)
    gone = rows.pupil("Gone", school=school)
    rows.join(gone, cls, left_at=MON)
    missed(rows, cls, gone, TUE + 9 * H, WED + 9 * H, THU + 9 * H)

    assert signals(judge(rows, school, THU + 17 * H), gone) == {}
