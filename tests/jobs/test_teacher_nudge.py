from datetime import UTC, date, datetime, time

from sqlalchemy import select
from sqlalchemy.orm import Session

from jobs.check import check_range
from jobs.emails import render
from jobs.notify import queue_nudges
from jobs.nudge_items import ClassNudge, NudgeLine
from jobs.nudge_text import nudge_context
from sync.models import MessageStatus, OutboundMessage
from tests.html_tags import HtmlTags
from tests.jobs.factories import Factory, make_settings, school_settings

MON, TUE = date(2026, 11, 23), date(2026, 11, 24)
WED_MORNING = datetime(2026, 11, 25, 7, 45, tzinfo=UTC)  # London is on UTC in November
SETTINGS = make_settings(school_settings())


def judge(db: Session, *days: date) -> None:
    for d in days:
        check_range(db, SETTINGS, start=d, end=d, as_of=datetime(2026, 11, 24, 17, tzinfo=UTC))


def outbox(db: Session) -> list[OutboundMessage]:
    return list(db.scalars(select(OutboundMessage).order_by(OutboundMessage.id)))


def test_a_teacher_gets_one_nudge_a_day_for_all_their_classes(db: Session, make: Factory) -> None:
    ann = make.person("Ann Teacher", "Ann@oak.sch.uk")
    school = make.school()
    make.klass(school, "7A Maths", teachers=[ann])
    make.klass(school, "8C Maths", teachers=[ann], link="https://classroom.example/c/8c")
    judge(db, MON, TUE)

    first = queue_nudges(db, SETTINGS, now=WED_MORNING)
    again = queue_nudges(db, SETTINGS, now=WED_MORNING.replace(hour=12))

    [msg] = outbox(db)
    assert first.queued == 1 and again.queued == 0
    assert again.skipped["already-sent"] == 1
    assert msg.key == "ann@oak.sch.uk:nudge:2026-11-25"
    assert (msg.status, msg.kind, msg.period) == (MessageStatus.QUEUED, "nudge", "2026-11-25")
    assert msg.subject == "Home learning to post for 2 classes"
    # Tuesday, the previous school day, is named; Monday's gap was last nudge's news.
    assert "7A Maths\n- Nothing posted on Tuesday 24 November." in msg.body_text
    assert "Monday" not in msg.body_text
    assert "https://classroom.example/c/8c" in msg.body_text
    assert 'href="https://classroom.example/c/8c"' in msg.body_html


def test_co_teachers_each_get_their_own_nudge(db: Session, make: Factory) -> None:
    ann = make.person("Ann", "ann@oak.sch.uk")
    bob = make.person("Bob", "bob@oak.sch.uk")
    make.klass(make.school(), teachers=[ann, bob])
    judge(db, TUE)
    assert queue_nudges(db, SETTINGS, now=WED_MORNING).queued == 2
    assert sorted(m.recipient_email for m in outbox(db)) == ["ann@oak.sch.uk", "bob@oak.sch.uk"]


def test_nobody_is_nudged_when_nothing_is_open(db: Session, make: Factory) -> None:
    ann = make.person()
    cls = make.klass(make.school(), teachers=[ann])
    make.work(cls, datetime(2026, 11, 24, 9, tzinfo=UTC))
    judge(db, TUE)
    summary = queue_nudges(db, SETTINGS, now=WED_MORNING)
    assert summary.queued == 0
    assert summary.skipped["nothing-open"] == 1
    assert outbox(db) == []


def test_a_finding_fixed_before_the_nudge_is_not_sent(db: Session, make: Factory) -> None:
    ann = make.person()
    cls = make.klass(make.school(), teachers=[ann])
    judge(db, TUE)
    make.work(cls, datetime(2026, 11, 24, 9, tzinfo=UTC))  # a late sync finds it
    check_range(db, SETTINGS, start=TUE, end=TUE, as_of=WED_MORNING.replace(hour=7))
    assert queue_nudges(db, SETTINGS, now=WED_MORNING).skipped["nothing-open"] == 1
    assert outbox(db) == []


def test_a_nudge_outside_the_send_window_is_skipped_with_a_reason(
    db: Session, make: Factory
) -> None:
    make.klass(make.school(), teachers=[make.person()])
    judge(db, TUE)
    too_late = datetime(2026, 11, 24, 17, 30, tzinfo=UTC)
    too_early = datetime(2026, 11, 25, 7, 29, tzinfo=UTC)
    for when in (too_late, too_early):
        summary = queue_nudges(db, SETTINGS, now=when)
        assert summary.skipped == {"outside-window": 1}, when
    assert outbox(db) == []
    # The gap waits for the next window.
    assert queue_nudges(db, SETTINGS, now=too_early.replace(minute=30)).queued == 1


def test_nobody_is_nudged_at_the_weekend(db: Session, make: Factory) -> None:
    make.klass(make.school(), teachers=[make.person()])
    fri = date(2026, 11, 27)
    check_range(db, SETTINGS, start=fri, end=fri, as_of=datetime(2026, 11, 27, 17, tzinfo=UTC))
    saturday = datetime(2026, 11, 28, 10, tzinfo=UTC)
    assert queue_nudges(db, SETTINGS, now=saturday).skipped == {"outside-window": 1}
    monday = datetime(2026, 11, 30, 8, tzinfo=UTC)
    assert queue_nudges(db, SETTINGS, now=monday).queued == 1
    [msg] = outbox(db)
    assert "Friday 27 November" in msg.body_text


def test_a_teacher_without_an_email_is_skipped_with_a_reason(db: Session, make: Factory) -> None:
    make.klass(make.school(), teachers=[make.person(email=None)])
    judge(db, TUE)
    assert queue_nudges(db, SETTINGS, now=WED_MORNING).skipped == {"no-email": 1}


def test_a_teacher_who_left_the_class_is_not_nudged_for_it(db: Session, make: Factory) -> None:
    ann = make.person()
    cls = make.klass(make.school())
    make.teach(ann, cls, left_at=datetime(2026, 11, 20, tzinfo=UTC))
    judge(db, TUE)
    assert queue_nudges(db, SETTINGS, now=WED_MORNING).queued == 0
    assert outbox(db) == []


def test_hostile_names_are_escaped_and_tamed(db: Session, make: Factory) -> None:
    school = make.school()
    ann = make.person('Ann"><img src=x onerror=alert(1)>', "ann@oak.sch.uk")
    make.klass(school, "<script>alert(1)</script>", teachers=[ann], link="javascript:alert(1)")
    make.klass(school, '"><img src=x onerror=alert(1)>', teachers=[ann])
    make.klass(school, "7A \u202eshtaM\u202c Maths", teachers=[ann])
    make.klass(school, "Y" * 500, teachers=[ann])  # the column's limit; 10 kB below
    judge(db, TUE)
    queue_nudges(db, SETTINGS, now=WED_MORNING)
    [msg] = outbox(db)

    parser = HtmlTags()
    parser.feed(msg.body_html)
    assert "script" not in parser.tags and "img" not in parser.tags
    assert not any(h.startswith("javascript") for h in parser.hrefs)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in msg.body_html
    assert "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in msg.body_html
    assert "javascript:" not in msg.body_text
    for body in (msg.body_html, msg.body_text, msg.subject):
        assert "\u202e" not in body
        assert "Y" * 200 not in body
    assert len(msg.body_html) < 20_000
    assert "7A shtaM Maths" in msg.body_text


def test_ten_kilobyte_names_are_cut_short_in_every_part() -> None:
    context = nudge_context(
        teacher_name="A" * 10_000,
        school_name="S" * 10_000,
        classes=[
            ClassNudge(
                1,
                "Y" * 10_000,
                "https://x.example/" + "p" * 10_000,
                [NudgeLine("R2", "1 submission waiting to be marked", "Y" * 10_000)],
            )
        ],
        cutoff=time(16),
        today=date(2026, 11, 25),
    )
    email = render("nudge", context)
    for part in (email.subject, email.text, email.html):
        assert "Y" * 200 not in part and "A" * 200 not in part and "S" * 200 not in part
    assert len(email.html) < 8_000 and len(email.text) < 2_000
