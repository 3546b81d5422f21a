"""R7 "store only what the rules need": no content columns in the schema, and no content
(work descriptions, attachment names, comments) anywhere in a store synced from a sandbox
that serves it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import String, Text, inspect, select
from sqlalchemy.orm import Session, sessionmaker

from connector.sandbox.app import build_sandbox
from connector.sandbox.scenario import generate
from connector.sandbox.world import World
from sync.models import Base
from tests.e2e.support import synced_store
from tests.sandbox_google.conftest import classroom_for

CONTENT = re.compile(
    r"description|text|comment|body|content|attachment|material|drive|recording_?(link|url)"
    r"|link|url|file|title|join_ref"
)
# Each column that matches CONTENT and stays, with why R7 allows it.
ALLOWED = {
    # The nudge names the work, and R2's not-for-marking rule matches a title tag.
    "work.title",
    # A meeting's subject: R4 picks live lessons by title pattern; it is not a recording.
    "live_lesson.title",
    # The meeting's join reference (Meet space / Teams join URL) ties attendance reports to
    # the lesson; it opens the meeting, never a recording.
    "live_lesson.join_ref",
    # Deep links in nudges ("open it in Classroom"): an address, not what is behind it.
    "work.alternate_link",
    "submission.alternate_link",
    "school_class.alternate_link",
    # The emails classpulse itself writes (nudges, digests): its own words, purged with
    # the retention period; no pupil work is quoted in them.
    "outbound_message.body_text",
    "outbound_message.body_html",
    # The digest's charts (images classpulse drew), named by content id.
    "outbound_attachment.content_id",
    "outbound_attachment.filename",
}


def test_no_column_is_named_for_content_except_the_justified_ones() -> None:
    found = {
        f"{table.name}.{column.name}"
        for table in Base.metadata.tables.values()
        for column in table.columns
        if CONTENT.search(column.name)
    }
    assert found == ALLOWED


def test_the_migrated_schema_has_no_content_column_the_models_do_not_declare(
    engine: object,
) -> None:
    inspector = inspect(engine)
    for table in inspector.get_table_names():
        if table == "alembic_version" or table.startswith("apscheduler"):
            continue
        for column in inspector.get_columns(table):
            name = f"{table}.{column['name']}"
            assert not CONTENT.search(column["name"]) or name in ALLOWED, name


@pytest.mark.postgres
def test_a_synced_store_holds_no_description_or_attachment_the_sandbox_served(
    migrated_url: str, session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    scenario = generate("tiny", seed=1, platforms="google")
    settings = synced_store(scenario, migrated_url, session_factory, tmp_path, lessons=False)

    # The sandbox serves descriptions and attachments, so their absence below means something.
    admin = settings.schools[0].google
    assert admin is not None
    with build_sandbox(World(scenario)) as sb:
        classroom = classroom_for(sb, admin.admin_email)
        served = [
            w
            for c in scenario.classes
            for w in classroom.courses().courseWork().list(courseId=c.id).execute()
            .get("courseWork", [])
        ]
    assert served and all(w["description"] and w["materials"] for w in served)

    markers = [w["description"] for w in served]
    markers += [m["driveFile"]["driveFile"]["title"] for w in served for m in w["materials"]]
    markers += [m["driveFile"]["driveFile"]["id"] for w in served for m in w["materials"]]
    with session_factory() as session:
        values = _all_text(session)
    assert len(values) > 100, "nothing synced"
    leaked = sorted({m for m in markers if any(m in v for v in values)})
    assert leaked == []


def _all_text(session: Session) -> list[str]:
    out: list[str] = []
    for table in Base.metadata.sorted_tables:
        cols = [c for c in table.columns if isinstance(c.type, String | Text)]
        if cols:
            for row in session.execute(select(*cols)):
                out.extend(str(v) for v in row if v is not None)
    return out
