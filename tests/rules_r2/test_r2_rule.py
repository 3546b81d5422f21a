"""R2 through the store: submissions in, one finding per piece of overdue work out."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from config.rules import MarkingWindow, R2Settings, WindowKind
from connector.records import SubmissionState
from sync.models import Finding
from tests.rules_r2.conftest import MON, R2Store, at, judge_r2

TUE, WED, THU, FRI = (MON + timedelta(days=n) for n in range(1, 5))
NEXT_MON = MON + timedelta(days=7)


def only_r2(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.rule == "R2"]


def test_a_submission_unmarked_after_one_school_day_is_overdue(
    sqlite_session: Session, store: R2Store
) -> None:
    cls = store.klass(store.school(), "7A History", teachers=[store.person()])
    work = store.homework(cls)
    store.submit(work, store.person("Pip", None, staff=False), at(MON, 10))
    assert only_r2(judge_r2(sqlite_session, at(TUE, 9, 59))) == []
    [finding] = only_r2(judge_r2(sqlite_session, at(TUE, 10, 1)))
    assert finding.work_id == work.id
    assert finding.class_id == cls.id
    assert finding.evidence["overdue"] == 1
    assert finding.evidence["oldest_age_working_hours"] == 9.0


def test_several_overdue_submissions_make_one_line_for_the_work(
    sqlite_session: Session, store: R2Store
) -> None:
    cls = store.klass(store.school(), "7A History")
    work = store.homework(cls)
    for n, hour in enumerate((9, 11, 14)):
        store.submit(work, store.person(f"Pupil {n}", None, staff=False), at(MON, hour))
    [finding] = only_r2(judge_r2(sqlite_session, at(WED, 17)))
    assert finding.evidence["overdue"] == 3
    assert finding.evidence["oldest_turned_in_at"] == at(MON, 9).isoformat()
    assert finding.evidence["oldest_age_working_hours"] == 26.0


def test_returned_or_graded_work_is_marked_and_the_finding_resolves(
    sqlite_session: Session, store: R2Store
) -> None:
    cls = store.klass(store.school(), "7A History")
    work = store.homework(cls)
    pupil = store.person("Pip", None, staff=False)
    sub = store.submit(work, pupil, at(MON, 10))
    graded = store.submit(work, store.person("Ola", None, staff=False), at(MON, 10))
    graded.graded, graded.updated_at = True, at(MON, 15)  # Teams: feedback published
    assert only_r2(judge_r2(sqlite_session, at(WED, 9)))[0].evidence["overdue"] == 1
    sub.state, sub.returned_at = SubmissionState.RETURNED, at(WED, 10)
    assert only_r2(judge_r2(sqlite_session, at(WED, 11))) == []
    [resolved] = sqlite_session.scalars(select(Finding).where(Finding.rule == "R2")).all()
    assert resolved.resolved_at == at(WED, 11)


def test_a_reclaimed_or_never_turned_in_submission_is_not_waiting_for_marking(
    sqlite_session: Session, store: R2Store
) -> None:
    work = store.homework(store.klass(store.school(), "7A History"))
    a, b = store.person("A", None, staff=False), store.person("B", None, staff=False)
    store.submit(work, a, at(MON, 9), state=SubmissionState.RECLAIMED)
    store.submit(work, b, None, state=SubmissionState.ASSIGNED)
    assert only_r2(judge_r2(sqlite_session, at(FRI, 17))) == []


def test_the_same_day_rule_wants_morning_work_back_by_five(
    sqlite_session: Session, store: R2Store
) -> None:
    cls = store.klass(store.school(), "7A Maths")
    morning, afternoon = store.homework(cls, title="am"), store.homework(cls, title="pm")
    store.submit(morning, store.person("A", None, staff=False), at(MON, 12, 59))
    store.submit(afternoon, store.person("B", None, staff=False), at(MON, 13, 30))
    r2 = R2Settings(windows=[MarkingWindow(match="Maths", kind=WindowKind.SAME_DAY)])
    assert only_r2(judge_r2(sqlite_session, at(MON, 17), r2)) == []
    [late] = only_r2(judge_r2(sqlite_session, at(TUE, 8, 1), r2))
    assert late.work_id == morning.id
    # The afternoon piece falls back to one school day: due Tuesday 13:30.
    assert {f.work_id for f in only_r2(judge_r2(sqlite_session, at(TUE, 13, 31), r2))} == {
        morning.id,
        afternoon.id,
    }


def test_an_end_of_week_window_waits_for_the_last_school_day_of_the_week(
    sqlite_session: Session, store: R2Store
) -> None:
    cls = store.klass(store.school(), "9C Art")
    monday, friday = store.homework(cls, title="mon"), store.homework(cls, title="fri")
    store.submit(monday, store.person("A", None, staff=False), at(MON, 9))
    store.submit(friday, store.person("B", None, staff=False), at(FRI, 17, 30))
    r2 = R2Settings(windows=[MarkingWindow(match="Art", kind=WindowKind.END_OF_WEEK)])
    assert only_r2(judge_r2(sqlite_session, at(FRI, 17), r2)) == []
    # Friday's 17:30 piece missed this week's deadline: it is due by next Friday.
    [late] = only_r2(judge_r2(sqlite_session, at(NEXT_MON, 8, 30), r2))
    assert late.work_id == monday.id


def test_a_subject_with_a_longer_window_is_judged_by_it(
    sqlite_session: Session, store: R2Store
) -> None:
    work = store.homework(store.klass(store.school(), "10D Science"))
    store.submit(work, store.person("A", None, staff=False), at(MON, 10))
    r2 = R2Settings(windows=[MarkingWindow(match="Science", hours=18)])
    assert only_r2(judge_r2(sqlite_session, at(TUE, 17), r2)) == []
    assert len(only_r2(judge_r2(sqlite_session, at(WED, 10, 1), r2))) == 1


def test_work_tagged_not_for_marking_is_exempt(sqlite_session: Session, store: R2Store) -> None:
    cls = store.klass(store.school(), "7A History")
    by_topic = store.homework(cls, topic="Not for marking")
    by_title = store.homework(cls, title="Reading log [NFM]")
    for w in (by_topic, by_title):
        store.submit(w, store.person("A", None, staff=False), at(MON, 9))
    assert only_r2(judge_r2(sqlite_session, at(FRI, 17))) == []


def test_a_pupil_with_nothing_marked_for_seven_days_is_listed_for_the_digest(
    sqlite_session: Session, store: R2Store
) -> None:
    work = store.homework(store.klass(store.school(), "7A History"))
    pip = store.person("Pip", None, staff=False)
    ola = store.person("Ola", None, staff=False)
    store.submit(work, pip, at(MON, 9))
    store.submit(work, ola, at(MON, 9), state=SubmissionState.RETURNED, returned_at=at(TUE, 9))
    feedback = [f for f in judge_r2(sqlite_session, at(NEXT_MON, 9, 1)) if f.rule != "R2"]
    assert [f.pupil_id for f in feedback] == [pip.id]
    assert feedback[0].evidence["last_feedback_at"] is None
    # Ola's feedback is a week old on Tuesday 09:00: listed from then on.
    later = judge_r2(sqlite_session, at(NEXT_MON + timedelta(days=1), 9, 1))
    assert {f.pupil_id for f in later if f.rule == "R2-feedback"} == {pip.id, ola.id}
