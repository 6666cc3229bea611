"""Children in their own right on a MARAC case (issue 19, part A): one row per child per case.

The child is a ``case_person`` in the child role; the school's name stays in ``case_person.school``
(it was there first, and the import, the papers and the redaction already read it). This table
holds the rest: not in education, the Operation Encompass notification and the children's services
status. A row goes with its case_person (and so with its case).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Boolean, Date, String
from sqlalchemy.orm import Mapped, mapped_column

from cspdesk.domain.children import CscStatus
from cspdesk.storage.models import Base, enum_column, fk


class CaseChild(Base):
    __tablename__ = "case_child"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_person_id: Mapped[int] = mapped_column(fk("case_person.id", ondelete="CASCADE"), unique=True)
    not_in_education: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Whether the child's school was notified under Operation Encompass; None: not recorded.
    encompass_notified: Mapped[bool | None] = mapped_column(Boolean)
    encompass_on: Mapped[date | None] = mapped_column(Date)
    encompass_by_agency_id: Mapped[int | None] = mapped_column(fk("agency.id", ondelete="SET NULL"))
    encompass_by: Mapped[str] = mapped_column(String(200), default="")
    csc_status: Mapped[CscStatus | None] = mapped_column(enum_column(CscStatus, "csc_status"))
