"""Graph JSON → records: the states Teams shows, mapped to ours."""

from __future__ import annotations

from datetime import UTC, datetime

from connector.graph import education as edu
from connector.records import (
    ClassRecord,
    ClassState,
    SkippedRecord,
    SubmissionRecord,
    SubmissionState,
    WorkKind,
    WorkRecord,
    WorkState,
)

PUPIL = "6c1f5a0e-0000-4000-8000-000000000001"
DUE = {"a1": datetime(2026, 11, 19, 15, 0, tzinfo=UTC)}
NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def _sub(status: str, **extra: object) -> dict[str, object]:
    return {"id": "s1", "assignmentId": "a1", "status": status,
            "recipient": {"@odata.type": "#microsoft.graph.educationSubmissionIndividualRecipient",
                          "userId": PUPIL}, **extra}


def _points(published: float | None) -> dict[str, object]:
    grade = None if published is None else {"points": published}
    return {"@odata.type": "#microsoft.graph.educationPointsOutcome", "id": "o1",
            "points": {"points": 5.0}, "publishedPoints": grade}


def test_reassigned_work_counts_as_returned_without_a_mark() -> None:
    rec = edu.submission(_sub("reassigned", reassignedDateTime="2026-11-20T10:00:00Z",
                              outcomes=[_points(6.0)]), "c1", DUE, NOW)
    assert isinstance(rec, SubmissionRecord)
    assert rec.state is SubmissionState.RETURNED and not rec.graded
    assert rec.returned_at == datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


def test_only_published_points_or_feedback_count_as_graded() -> None:
    draft = edu.submission(_sub("returned", outcomes=[_points(None)]), "c1", DUE, NOW)
    marked = edu.submission(_sub("returned", outcomes=[_points(8.0)]), "c1", DUE, NOW)
    feedback = edu.submission(_sub("returned", outcomes=[{
        "@odata.type": "#microsoft.graph.educationFeedbackOutcome", "id": "o2",
        "feedback": None, "publishedFeedback": {"text": {"content": "x"}}}]), "c1", DUE, NOW)
    assert isinstance(draft, SubmissionRecord) and not draft.graded
    assert isinstance(marked, SubmissionRecord) and marked.graded
    assert isinstance(feedback, SubmissionRecord) and feedback.graded


def test_work_turned_in_after_the_due_time_is_late() -> None:
    late = edu.submission(_sub("submitted", submittedDateTime="2026-11-19T15:00:01.1234567Z"),
                          "c1", DUE, NOW)
    assert isinstance(late, SubmissionRecord) and late.late
    assert late.state is SubmissionState.TURNED_IN


def test_a_published_assignment_with_a_future_assign_time_is_scheduled() -> None:
    rec = edu.work({"id": "a1", "status": "published", "assignDateTime": "2026-12-01T08:00:00Z",
                    "assignedDateTime": None}, "c1")
    assert not isinstance(rec, SkippedRecord)
    assert rec.state is WorkState.SCHEDULED and rec.published_at is None


def test_an_assignment_without_a_status_is_skipped() -> None:
    rec = edu.work({"id": "a1"}, "c1")
    assert isinstance(rec, SkippedRecord) and rec.platform_id == "a1"


def test_work_not_turned_in_by_the_due_time_is_late() -> None:
    rec = edu.submission(_sub("working"), "c1", DUE, NOW)
    assert isinstance(rec, SubmissionRecord) and rec.late


def test_work_a_pupil_took_back_is_reclaimed() -> None:
    rec = edu.submission(_sub("working", submittedDateTime="2026-11-18T10:00:00Z",
                              unsubmittedDateTime="2026-11-18T11:00:00Z"), "c1", DUE, NOW)
    assert isinstance(rec, SubmissionRecord) and rec.state is SubmissionState.RECLAIMED


def test_work_taken_back_keeps_when_it_had_been_handed_in_though_graph_clears_it() -> None:
    # Graph's unsubmit answer: "submittedDateTime": null beside unsubmittedDateTime.
    rec = edu.submission(_sub("working", submittedDateTime=None,
                              unsubmittedDateTime="2026-11-18T11:00:00Z"), "c1", DUE, NOW)
    assert isinstance(rec, SubmissionRecord) and rec.state is SubmissionState.RECLAIMED
    assert rec.turned_in_at == datetime(2026, 11, 18, 11, 0, tzinfo=UTC)
    assert rec.late  # still not handed in, and the due time has passed


def test_a_published_class_module_is_material_published_when_it_was_made() -> None:
    made = "2026-11-18T08:15:00Z"
    rec = edu.module({"id": "m1", "status": "published", "displayName": "Reading",
                      "createdDateTime": made, "lastModifiedDateTime": "2026-11-19T10:00:00Z"},
                     "c1")
    assert isinstance(rec, WorkRecord)
    assert rec.kind is WorkKind.MATERIAL and rec.state is WorkState.PUBLISHED
    assert rec.published_at == datetime(2026, 11, 18, 8, 15, tzinfo=UTC)


def test_a_draft_class_module_is_draft_material_never_published() -> None:
    rec = edu.module({"id": "m2", "status": "draft",
                      "createdDateTime": "2026-11-18T08:15:00Z"}, "c1")
    assert isinstance(rec, WorkRecord)
    assert rec.state is WorkState.DRAFT and rec.published_at is None


def test_a_class_whose_term_has_ended_is_archived() -> None:
    item = {"id": "c1", "displayName": "7C History", "term": {"endDate": "2025-07-31"}}
    old = edu.klass(item, "s1", NOW.date())
    current = edu.klass({**item, "term": {"endDate": "2027-07-31"}}, "s1", NOW.date())
    assert isinstance(old, ClassRecord) and old.state is ClassState.ARCHIVED
    assert isinstance(current, ClassRecord) and current.state is ClassState.ACTIVE
