"""R1 through the store: rows in, findings out (query + rule + recording)."""

from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from config.settings import ClassMode, ClassRule, R1Settings
from connector.records import ClassState, WorkKind, WorkState
from jobs.calendar import SchoolCalendar
from jobs.check import check_range, run_checks
from jobs.rules.r1 import R1Class, R1Post, evaluate_r1
from sync.models import Finding
from tests.jobs.factories import Factory, make_settings, school_settings

TUE = date(2026, 11, 24)  # London is on UTC in November


def at(d: date, hour: int, minute: int = 0) -> datetime:
    return datetime(d.year, d.month, d.day, hour, minute, tzinfo=UTC)


def judge(db: Session, day: date = TUE, r1: R1Settings | None = None) -> list[Finding]:
    settings = make_settings(school_settings(r1=r1))
    check_range(db, settings, start=day, end=day, as_of=at(day, 17))
    return list(db.scalars(select(Finding).where(Finding.resolved_at.is_(None))))


def test_a_class_with_nothing_posted_today_gets_a_finding(db: Session, make: Factory) -> None:
    school = make.school()
    cls = make.klass(school, "7A Maths", teachers=[make.person()])
    [finding] = judge(db)
    assert finding.key == f"R1:{cls.id}:2026-11-24"
    assert finding.day == TUE
    assert finding.evidence["class_name"] == "7A Maths"
    assert finding.evidence["found"] == 0
    assert finding.evidence["cutoff"] == "16:00"


def test_published_work_before_the_cutoff_satisfies_the_rule(db: Session, make: Factory) -> None:
    cls = make.klass(make.school())
    make.work(cls, at(TUE, 15, 59))
    assert judge(db) == []


def test_a_draft_does_not_count(db: Session, make: Factory) -> None:
    cls = make.klass(make.school())
    make.work(cls, None, state=WorkState.DRAFT)
    make.work(cls, at(TUE, 9), state=WorkState.DRAFT)
    assert len(judge(db)) == 1


def test_a_scheduled_post_counts_on_the_day_it_goes_live(db: Session, make: Factory) -> None:
    cls = make.klass(make.school())
    make.work(cls, None, state=WorkState.SCHEDULED, scheduled_at=at(TUE, 8))
    assert judge(db, TUE) == []
    # Scheduled on Monday for Tuesday: Monday is still short.
    assert [f.day for f in judge(db, date(2026, 11, 23))] == [date(2026, 11, 23)]


def test_a_scheduled_post_that_went_live_after_the_cutoff_does_not_count(
    db: Session, make: Factory
) -> None:
    cls = make.klass(make.school())
    make.work(cls, None, state=WorkState.SCHEDULED, scheduled_at=at(TUE, 18))
    assert len(judge(db)) == 1


def test_a_post_after_the_cutoff_does_not_count(db: Session, make: Factory) -> None:
    cls = make.klass(make.school())
    make.work(cls, at(TUE, 16, 0))
    make.work(cls, at(TUE, 16, 30))
    assert len(judge(db)) == 1


def test_a_post_from_the_day_before_does_not_count(db: Session, make: Factory) -> None:
    cls = make.klass(make.school())
    make.work(cls, at(date(2026, 11, 23), 23, 59))
    assert len(judge(db)) == 1


def test_an_announcement_does_not_count_by_default(db: Session, make: Factory) -> None:
    cls = make.klass(make.school())
    make.work(cls, at(TUE, 9), kind=WorkKind.ANNOUNCEMENT)
    assert len(judge(db)) == 1


def test_an_announcement_counts_when_the_school_counts_them(db: Session, make: Factory) -> None:
    cls = make.klass(make.school())
    make.work(cls, at(TUE, 9), kind=WorkKind.ANNOUNCEMENT)
    assert judge(db, r1=R1Settings(counts=["announcement"])) == []


def test_a_material_counts(db: Session, make: Factory) -> None:
    cls = make.klass(make.school())
    make.work(cls, at(TUE, 9), kind=WorkKind.MATERIAL)
    assert judge(db) == []


def test_deleted_work_does_not_count(db: Session, make: Factory) -> None:
    cls = make.klass(make.school())
    make.work(cls, at(TUE, 9), deleted_at=at(TUE, 12))
    make.work(cls, at(TUE, 10), state=WorkState.DELETED)
    assert len(judge(db)) == 1


def test_a_class_needs_min_items_pieces_of_work(db: Session, make: Factory) -> None:
    cls = make.klass(make.school())
    make.work(cls, at(TUE, 9))
    [finding] = judge(db, r1=R1Settings(min_items=2))
    assert (finding.evidence["found"], finding.evidence["required"]) == (1, 2)
    make.work(cls, at(TUE, 10))
    assert judge(db, r1=R1Settings(min_items=2)) == []


def test_an_exempt_class_is_never_flagged(db: Session, make: Factory) -> None:
    school = make.school()
    make.klass(school, "Y7 Maths")
    make.klass(school, "Y7 Clubs")
    make.klass(school, "Staff room")  # matches no rule: exempt
    r1 = R1Settings(
        classes=[
            ClassRule(match="Clubs", mode=ClassMode.EXEMPT),
            ClassRule(match=r"^Y\d+", mode=ClassMode.DAILY),
        ]
    )
    assert [f.evidence["class_name"] for f in judge(db, r1=r1)] == ["Y7 Maths"]


def test_co_teachers_share_one_finding(db: Session, make: Factory) -> None:
    ann = make.person("Ann", "ann@oak.sch.uk")
    bob = make.person("Bob", "bob@oak.sch.uk")
    make.klass(make.school(), teachers=[ann, bob])
    [finding] = judge(db)
    assert finding.evidence["teacher_ids"] == [ann.id, bob.id]


def test_archived_and_deleted_classes_are_not_judged(db: Session, make: Factory) -> None:
    school = make.school()
    make.klass(school, "Old", state=ClassState.ARCHIVED)
    make.klass(school, "Gone", deleted_at=at(TUE, 1))
    assert judge(db) == []


def test_a_class_created_during_the_day_is_not_judged_for_that_day(
    db: Session, make: Factory
) -> None:
    make.klass(make.school(), created_at=at(TUE, 11))
    assert judge(db, TUE) == []
    assert [f.day for f in judge(db, date(2026, 11, 25))] == [date(2026, 11, 25)]


def test_work_in_another_schools_class_does_not_count(db: Session, make: Factory) -> None:
    oak, elm = make.school("oak"), make.school("elm")
    make.klass(oak, "7A")
    other = make.klass(elm, "7A")
    make.work(other, at(TUE, 9))
    assert [f.evidence["class_name"] for f in judge(db)] == ["7A"]


def test_nothing_is_judged_on_a_bank_holiday(db: Session, make: Factory) -> None:
    make.klass(make.school())
    good_friday = date(2026, 4, 3)
    assert judge(db, good_friday) == []


def test_run_checks_judges_the_previous_school_day_before_todays_cutoff(
    db: Session, make: Factory
) -> None:
    make.klass(make.school())
    settings = make_settings(school_settings())
    summary = run_checks(db, settings, as_of=at(date(2026, 11, 30), 15, 59))  # Monday
    run = summary.get("oak", "R1")
    assert run is not None
    assert run.days[-1] == date(2026, 11, 27)  # the Friday before
    summary = run_checks(db, settings, as_of=at(date(2026, 11, 30), 16, 0))
    run = summary.get("oak", "R1")
    assert run is not None and run.days[-1] == date(2026, 11, 30)


def test_run_checks_uses_the_local_cutoff_in_summer_time(db: Session, make: Factory) -> None:
    make.klass(make.school())
    settings = make_settings(school_settings())
    monday = date(2026, 3, 30)
    # 15:30 UTC is 16:30 BST: Monday's cut-off has passed.
    run = run_checks(db, settings, as_of=at(monday, 15, 30)).get("oak", "R1")
    assert run is not None and run.days[-1] == monday
    run = run_checks(db, settings, as_of=at(monday, 14, 59)).get("oak", "R1")
    assert run is not None and run.days[-1] == date(2026, 3, 27)


def test_a_school_not_yet_synced_is_skipped_with_a_reason(db: Session) -> None:
    summary = run_checks(db, make_settings(school_settings()), as_of=at(TUE, 17))
    assert summary.skipped == {"oak": "not-synced"}


def test_the_rule_is_pure_and_judges_weekly_classes_on_the_weeks_last_school_day() -> None:
    cal = SchoolCalendar("Europe/London", "england")
    r1 = R1Settings(classes=[ClassRule(match="Art", mode=ClassMode.WEEKLY, per_week=2)])
    art = R1Class(class_id=1, platform_id="p1", name="8B Art", teacher_ids=(7,))
    posts = [R1Post(class_id=1, kind=WorkKind.ASSIGNMENT, published_at=at(TUE, 9))]
    friday = date(2026, 11, 27)
    assert evaluate_r1([art], posts, r1, cal, school_id=1, day=TUE) == []
    [draft] = evaluate_r1([art], posts, r1, cal, school_id=1, day=friday)
    assert draft.key == "R1:1:2026-11-27"
    assert (draft.evidence["mode"], draft.evidence["found"]) == ("weekly", 1)
    posts.append(R1Post(class_id=1, kind=WorkKind.MATERIAL, published_at=at(friday, 15)))
    assert evaluate_r1([art], posts, r1, cal, school_id=1, day=friday) == []


def test_the_weekly_class_is_judged_on_thursday_when_friday_is_a_holiday() -> None:
    cal = SchoolCalendar("Europe/London", "england")
    r1 = R1Settings(classes=[ClassRule(match=".*", mode=ClassMode.WEEKLY)])
    art = R1Class(class_id=1, platform_id="p1", name="Art")
    thursday = date(2026, 4, 2)  # Good Friday follows
    assert len(evaluate_r1([art], [], r1, cal, school_id=1, day=thursday)) == 1
