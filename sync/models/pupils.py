"""What a school's MIS says about its pupils: four flags and guardian emails, nothing more."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sync.models.base import Base


class PupilAttribute(Base):
    """One pupil's groups from the MIS CSV (R7: only these flags are kept).

    ``guardian_emails`` is filled only where the school sends parent notes; a later import
    replaces the whole row, and erasing the pupil deletes it.
    """

    __tablename__ = "pupil_attribute"
    __table_args__ = (UniqueConstraint("person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    send: Mapped[bool] = mapped_column(default=False)
    pupil_premium: Mapped[bool] = mapped_column(default=False)
    eal: Mapped[bool] = mapped_column(default=False)
    vulnerable: Mapped[bool] = mapped_column(default=False)
    guardian_emails: Mapped[list[str]] = mapped_column(JSON, default=list)
    imported_at: Mapped[datetime]
