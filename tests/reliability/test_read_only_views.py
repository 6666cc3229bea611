"""A copy opened read-only (another copy has the file) can still read cases, OCGs and summaries.

Reading a case or an OCG is audited as a view, which is a write; a read-only session cannot
write, so the view is read without an entry (as a read-only sign-in leaves none) instead of
being refused. Real encrypted demo file, real second sign-in.
"""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

from pypdf import PdfReader
from reliability_helpers import fast_kdf, fingerprint  # noqa: F401 - fast_kdf: autouse

from cspdesk.domain.enums import AuditKind
from cspdesk.services.audit.audit import AuditQuery, AuditService
from cspdesk.services.access.auth import DEMO_PASSWORD, create_demo_database, sign_in
from cspdesk.services.papers.case_summary import CaseSummaryService
from cspdesk.services.referrals.cases import CaseService
from cspdesk.services.referrals.ocgs import OcgService
from cspdesk.services.database.workspace import close_workspace


def test_a_read_only_copy_opens_cases_ocgs_and_summaries_and_writes_nothing(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    created, _accounts = create_demo_database(db)
    writer = created.ctx
    case_id = CaseService(writer).case_ids()[0]
    ocg_id = OcgService(writer).ocg_ids()[0]
    views_before = len(AuditService(writer).event_ids(AuditQuery(kinds=frozenset({AuditKind.VIEW}))))
    close_workspace(writer)
    kept = (db, db.with_name(db.name + ".keyring"))  # (SQLite may leave an empty -wal beside them)
    before = fingerprint(*kept)

    viewer = sign_in(db, "admin", DEMO_PASSWORD, read_only=True)
    try:
        case = CaseService(viewer).get_case(case_id)
        assert case.row.reference
        ocg = OcgService(viewer).get_ocg(ocg_id)
        assert ocg.row.reference and ocg.nominals
        pdf = CaseSummaryService(viewer).render(case_id)

        text = "".join(page.extract_text() for page in PdfReader(BytesIO(pdf)).pages)
        assert case.row.reference in text
    finally:
        close_workspace(viewer)
    assert fingerprint(*kept) == before  # not a byte written

    writer = sign_in(db, "admin", DEMO_PASSWORD)
    try:
        views = AuditService(writer).event_ids(AuditQuery(kinds=frozenset({AuditKind.VIEW})))
        assert len(views) == views_before  # the read-only look left no entry
        # …while the same reading by a writer is recorded, as before.
        CaseService(writer).get_case(case_id)
        assert len(AuditService(writer).event_ids(AuditQuery(kinds=frozenset({AuditKind.VIEW})))) == views_before + 1
    finally:
        close_workspace(writer)
