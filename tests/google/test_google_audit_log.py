"""The Classroom audit log as a change feed: parsing activities, and reading windows of it."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from googleapiclient.http import HttpMockSequence

from connector.google.audit import AuditLogs
from connector.google.audit_events import parse_activity, school_changes
from connector.google.errors import RetryableError
from connector.google.retry import RetryPolicy
from connector.records import SkippedRecord, SubmissionState

T = datetime(2026, 3, 20, 10, 0, tzinfo=UTC)


def activity(name: str, at: datetime, actor: str = "t@oak.sch.uk", **params: Any) -> dict[str, Any]:
    """An activity item as Google's Reports API serves one."""
    out = []
    for k, v in params.items():
        if isinstance(v, bool):
            out.append({"name": k, "boolValue": v})
        elif isinstance(v, list):
            out.append({"name": k, "multiValue": v})
        else:
            out.append({"name": k, "value": v})
    return {
        "kind": "admin#reports#activity",
        "id": {"time": at.isoformat().replace("+00:00", "Z"), "uniqueQualifier": "17",
               "applicationName": "classroom", "customerId": "C01"},
        "actor": {"callerType": "USER", "email": actor, "profileId": "1"},
        "events": [{"type": "course_work_update", "name": name, "parameters": out}],
    }  # fmt: skip


def test_a_state_change_names_course_work_pupil_state_lateness_and_grade() -> None:
    item = activity("changed_submission_state", T, course_id="7", post_id="9",
                    impacted_users=["Pupil@Oak.sch.uk"], submission_state="turned_in",
                    is_late=True, has_grade=False)  # fmt: skip
    events = parse_activity(item)
    changes = school_changes(events, frozenset({"7"}), since=T, until=T, total=1)  # type: ignore[arg-type]

    [c] = changes.submissions
    assert (c.class_platform_id, c.work_platform_id, c.pupil_email, c.at) == (
        "7", "9", "pupil@oak.sch.uk", T,
    )  # fmt: skip
    assert (c.state, c.late, c.graded) == (SubmissionState.TURNED_IN, True, False)


def test_a_pupil_named_only_as_the_actor_is_the_one_whose_submission_changed() -> None:
    item = activity("changed_submission_state", T, actor="kid@oak.sch.uk", course_id="7",
                    post_id="9", submission_state="reclaimed_by_student")  # fmt: skip
    [c] = school_changes(parse_activity(item), frozenset({"7"}), since=T, until=T,  # type: ignore[arg-type]
                         total=1).submissions  # fmt: skip
    assert (c.pupil_email, c.state, c.late) == ("kid@oak.sch.uk", SubmissionState.RECLAIMED, None)


def test_grades_given_and_taken_back_change_only_graded() -> None:
    items = [
        activity("set_grade", T, course_id="7", post_id="9", impacted_users=["a@x", "b@x"]),
        activity("unset_grade", T, course_id="7", post_id="9", impacted_users=["b@x"]),
        activity("set_draft_grade", T, course_id="7", post_id="9", impacted_users=["c@x"]),
    ]
    events = [e for i in items for e in parse_activity(i)]  # type: ignore[union-attr]
    subs = school_changes(events, frozenset({"7"}), since=T, until=T, total=3).submissions
    assert [(c.pupil_email, c.state, c.graded) for c in subs] == [
        ("a@x", None, True), ("b@x", None, True), ("b@x", None, False),
    ]  # fmt: skip


def test_roster_and_post_events_touch_their_course_and_course_events_relist_courses() -> None:
    items = [
        activity("user_added_to_course", T, course_id="1", course_role="student",
                 impacted_users=["n@x"]),
        activity("published_course_work", T, course_id="2", post_id="5",
                 course_work_type="material"),
        activity("commented_course_work", T, course_id="3", post_id="6"),
        activity("published_course_work", T, course_id="99", post_id="8"),
    ]  # fmt: skip
    events = [e for i in items for e in parse_activity(i)]  # type: ignore[union-attr]
    ours = frozenset({"1", "2", "3"})
    quiet = school_changes(events, ours, since=T, until=T, total=4)
    created = school_changes(
        parse_activity(activity("created_course", T, course_id="42")),  # type: ignore[arg-type]
        ours, since=T, until=T, total=1,
    )  # fmt: skip

    assert (quiet.touched_classes, quiet.classes_changed) == ({"1", "2"}, False)
    assert quiet.submissions == []
    assert created.classes_changed


def test_malformed_activities_and_unknown_states_are_skipped_with_a_reason() -> None:
    no_time = activity("changed_submission_state", T, course_id="7", post_id="9")
    no_time["id"].pop("time")
    odd = activity("changed_submission_state", T, course_id="7", post_id="9",
                   impacted_users=["a@x"], submission_state="teleported")  # fmt: skip

    skipped = parse_activity(no_time)
    changes = school_changes(parse_activity(odd), frozenset({"7"}), since=T, until=T, total=1)  # type: ignore[arg-type]

    assert isinstance(skipped, SkippedRecord) and "time" in skipped.reason
    assert changes.submissions == [] and "teleported" in changes.skipped[0].reason


class Recorder(HttpMockSequence):  # type: ignore[misc]
    """HttpMockSequence that also keeps each request's query."""

    def __init__(self, replies: list[tuple[dict[str, str], str]]) -> None:
        super().__init__(replies)
        self.queries: list[dict[str, list[str]]] = []

    def request(self, uri: str, method: str = "GET", *args: Any, **kw: Any) -> Any:
        self.queries.append(parse_qs(urlsplit(uri).query))
        return super().request(uri, method, *args, **kw)


def _page(items: list[dict[str, Any]], token: str | None = None) -> tuple[dict[str, str], str]:
    body: dict[str, Any] = {"kind": "admin#reports#activities", "items": items}
    if token:
        body["nextPageToken"] = token
    return {"status": "200"}, json.dumps(body)


@pytest.fixture
def no_sleep() -> RetryPolicy:
    return RetryPolicy(sleep=lambda _s: None)


def test_a_window_is_read_page_by_page_once_and_serves_every_school_of_the_round(
    no_sleep: RetryPolicy,
) -> None:
    a = activity("set_grade", T, course_id="7", post_id="9", impacted_users=["a@x"])
    http = Recorder([_page([a], "p2"), _page([a])])
    logs = AuditLogs(retry=no_sleep)
    log = logs.log_for("http://sandbox/", {}, "admin@trust", http_factory=lambda: http)

    first, fresh = log.window(T - timedelta(hours=1), T)
    same = logs.log_for("http://sandbox/", {}, "ADMIN@trust", http_factory=lambda: http)
    second, fresh_again = same.window(T - timedelta(minutes=30), T + timedelta(seconds=20))

    assert (len(first.events), fresh, second is first, fresh_again) == (2, True, True, False)
    assert len(http.queries) == 2
    q = http.queries[0]
    assert (q["maxResults"], q["startTime"], q["endTime"]) == (
        ["1000"], ["2026-03-20T09:00:00.000Z"], ["2026-03-20T10:00:00.000Z"],
    )  # fmt: skip
    assert http.queries[1]["pageToken"] == ["p2"]


def test_a_window_reaching_back_before_the_last_one_is_read_again(no_sleep: RetryPolicy) -> None:
    http = Recorder([_page([]), _page([])])
    log = AuditLogs(retry=no_sleep).log_for("http://s/", {}, "a@t", http_factory=lambda: http)
    log.window(T - timedelta(hours=1), T)
    _, fresh = log.window(T - timedelta(hours=2), T)
    assert fresh and len(http.queries) == 2


def test_the_quota_503_is_backed_off_and_retried(no_sleep: RetryPolicy) -> None:
    quota = {"status": "503"}, json.dumps({"error": {"code": 503, "message": "Quota exceeded"}})
    http = Recorder([quota, _page([])])
    log = AuditLogs(retry=no_sleep).log_for("http://s/", {}, "a@t", http_factory=lambda: http)
    window, _ = log.window(T - timedelta(hours=1), T)
    assert (window.events, len(http.queries), log.stats.retries) == ([], 2, 1)


def test_a_log_that_keeps_failing_raises_a_retryable_error(no_sleep: RetryPolicy) -> None:
    down = {"status": "503"}, "{}"
    http = Recorder([down] * 20)
    log = AuditLogs(retry=RetryPolicy(max_attempts=3, sleep=lambda _s: None)).log_for(
        "http://s/", {}, "a@t", http_factory=lambda: http
    )
    with pytest.raises(RetryableError):
        log.window(T - timedelta(hours=1), T)
