"""The schema checker catches what a sloppy fake would get wrong."""

from __future__ import annotations

from .discovery_schema import validate

GOOD = {
    "id": "1",
    "courseId": "2",
    "state": "TURNED_IN",
    "late": True,
    "assignedGrade": 7,
    "creationTime": "2026-03-02T08:00:00.000Z",
    "submissionHistory": [{"stateHistory": {"state": "CREATED", "actorUserId": "3"}}],
}


def test_a_well_formed_submission_has_no_problems() -> None:
    assert validate(GOOD, "StudentSubmission") == []


def test_unknown_fields_wrong_types_bad_enums_and_local_times_are_each_reported() -> None:
    bad = {
        **GOOD,
        "status": "x",
        "late": "yes",
        "state": "EXCUSED",
        "creationTime": "2026-03-02T08:00:00+01:00",
        "submissionHistory": [{"stateHistory": {"state": "RECLAIMED"}}],
    }
    problems = validate(bad, "StudentSubmission")
    assert len(problems) == 5
    assert any("'status' is not in the schema" in p for p in problems)
    assert any("submissionHistory[0].stateHistory.state" in p for p in problems)


def test_int32_fields_must_be_json_integers() -> None:
    assert validate({"year": "2026"}, "Date") != []
    assert validate({"year": 2026, "month": 3, "day": 4}, "Date") == []
