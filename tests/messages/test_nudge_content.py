"""What a teacher's nudge says: every rule, grouped by class, linked, short, and safe."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from jobs.notify import queue_nudges
from sync.models import OutboundMessage
from tests.html_tags import HtmlTags
from tests.jobs.factories import Factory
from tests.messages.rows import MORNING, TUE, finding, lesson, pupil, settings_with, work

SETTINGS = settings_with()
TEAMS = "https://teams.microsoft.com/l/team/19%3aabc"


def the_nudge(db: Session, email: str = "ann@oak.sch.uk") -> OutboundMessage:
    db.commit()
    queue_nudges(db, SETTINGS, now=MORNING)
    row = db.scalar(select(OutboundMessage).where(OutboundMessage.recipient_email == email))
    assert row is not None
    return row


def test_the_nudge_names_every_rule_grouped_by_class_with_links(db: Session, make: Factory) -> None:
    school = make.school()
    ann = make.person("Ann Teacher", "ann@oak.sch.uk")
    bob = make.person("Bob Other", "bob@oak.sch.uk")
    maths = make.klass(school, "7A Maths", teachers=[ann], link=TEAMS)
    science = make.klass(school, "8B Science", teachers=[ann], link=None)
    history = make.klass(school, "9C History", teachers=[bob])
    finding(db, "R1", school, day=TUE, cls=maths)
    fractions = work(make, maths, "Fractions", "https://classroom.google.com/c/1/a/2/details")
    finding(
        db,
        "R2",
        school,
        work=fractions,
        cls=maths,
        evidence={"overdue": 5, "oldest_turned_in_at": "2026-11-20T09:00:00+00:00"},
    )
    sam = pupil(make, maths, "Sam Pupil")
    pupil(make, history, "Sam Pupil")  # not Ann's class: its signal is Bob's to hear
    finding(
        db,
        "R3",
        school,
        pupil=sam,
        cls=maths,
        evidence={
            "signals": [
                {"signal": "missed_work", "class_id": maths.id, "missed": 3},
                {"signal": "missed_work", "class_id": history.id, "missed": 4},
                {"signal": "inactive", "days": 3},
            ]
        },
    )
    noor = make.person("Noor Elsewhere", None, staff=False)  # in none of Ann's classes
    finding(db, "R3", school, pupil=noor, evidence={"signals": [{"signal": "inactive"}]})
    finding(db, "R4", school, lesson=lesson(db, school, ann, cls=science, title="Cells"))
    finding(db, "R4", school, lesson=lesson(db, school, bob, cls=maths, title="Bob's call"))
    finding(db, "R4-1to1", school, lesson=lesson(db, school, ann, cls=None, title="1:1"))

    msg = the_nudge(db)
    body = msg.body_text
    maths_part, science_part = body.split("8B Science")
    assert "7A Maths\n- Nothing posted on Tuesday 24 November." in maths_part
    assert "- Fractions: 5 submissions waiting to be marked, the oldest handed in 4 days ago." in (
        maths_part
    )
    assert "  Open the work: https://classroom.google.com/c/1/a/2/details" in maths_part
    assert (
        "- Sam Pupil: missed 3 pieces of work in a row; "
        "no activity in any class for 3 school days." in maths_part
    )
    assert "missed 4" not in body and "Noor" not in body
    assert f"Open the class: {TEAMS}" in maths_part
    assert "- Cells: Live lesson on Tuesday 24 November at 10:00 has no recording." in (
        science_part
    )
    assert "Bob's call" not in body and "1:1" not in body  # not Ann's; safeguarding's
    assert msg.subject == "4 things to look at in 2 classes"
    assert f'href="{TEAMS}"' in msg.body_html


def test_a_class_of_many_overdue_submissions_is_one_line_not_one_per_submission(
    db: Session, make: Factory
) -> None:
    school = make.school()
    ann = make.person("Ann Teacher", "ann@oak.sch.uk")
    maths = make.klass(school, "7A Maths", teachers=[ann])
    for title in ("Fractions", "Decimals"):
        finding(
            db,
            "R2",
            school,
            work=work(make, maths, title, None),
            evidence={"overdue": 30, "oldest_turned_in_at": "2026-11-24T19:00:00+00:00"},
        )
    msg = the_nudge(db)
    assert msg.body_text.count("30 submissions waiting to be marked") == 2
    assert "the oldest handed in 12 hours ago" in msg.body_text
    assert msg.subject == "2 things to look at in 1 class"


def test_hostile_titles_and_names_from_every_rule_are_escaped(db: Session, make: Factory) -> None:
    school = make.school()
    ann = make.person("Ann \u202eTeacher", "ann@oak.sch.uk")
    cls = make.klass(school, '"><img src=x onerror=alert(1)>', teachers=[ann])
    w = work(make, cls, "<script>alert('work')</script>" + "W" * 10_000, "javascript:alert(1)")
    finding(db, "R2", school, work=w, evidence={"overdue": 1})
    kid = pupil(make, cls, '<img src=x onerror="alert(2)">\u202e' + "P" * 10_000)
    finding(db, "R3", school, pupil=kid, evidence={"signals": [{"signal": "inactive", "days": 3}]})
    finding(
        db,
        "R4",
        school,
        lesson=lesson(
            db,
            school,
            ann,
            cls=cls,
            title="<b onmouseover=alert(3)>Live</b>\u2067" + "L" * 10_000,
            started_at=datetime(2026, 11, 24, 9, tzinfo=UTC),
        ),
    )

    msg = the_nudge(db)
    parser = HtmlTags()
    parser.feed(msg.body_html)
    assert not {"script", "img", "b"} & set(parser.tags)
    assert not any(h.startswith("javascript") for h in parser.hrefs)
    assert "&lt;script&gt;alert(&#39;work&#39;)&lt;/script&gt;" in msg.body_html
    assert "javascript:" not in msg.body_text
    for part in (msg.subject, msg.body_text, msg.body_html):
        assert "\u202e" not in part and "\u2067" not in part
        assert "W" * 200 not in part and "P" * 200 not in part and "L" * 200 not in part
    assert len(msg.body_html) < 12_000
