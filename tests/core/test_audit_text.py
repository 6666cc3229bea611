"""The audit trail in words: enums by label, records by name, changes as old → new."""

from __future__ import annotations

from pathlib import Path

from cspdesk.domain.enums import ActionStatus, AuditKind, CaseStatus, PanelType, Sector
from cspdesk.services.audit.audit import AuditQuery, AuditService
from cspdesk.services.audit.audit_text import entry_details_text, record_text, value_text
from cspdesk.services.access.auth import create_database
from cspdesk.services.partnership.starter import AgencyChoice, PanelChoice
from cspdesk.services.database.workspace import close_workspace


def test_enum_values_read_as_their_labels() -> None:
    assert entry_details_text("agency", {"name": "Turning Point", "short_code": "TP", "sector": "substance_misuse"}) == (
        f"short code: TP; sector: {Sector.SUBSTANCE_MISUSE.label}")
    assert Sector.SUBSTANCE_MISUSE.label != "substance_misuse"
    assert entry_details_text("panel", {"name": "Swale CSVG", "panel_type": "csvg", "ref_prefix": "SCSVG"}) == (
        f"panel type: {PanelType.CSVG.label}; reference prefix: SCSVG")
    # The same key means different things on different records.
    assert value_text("on_hold", key="status", entity="action") == ActionStatus.ON_HOLD.label
    assert value_text("listed", key="status", entity="case") == CaseStatus.LISTED.label
    assert value_text("on_hold", key="status", entity="case") == "on_hold"
    # A value no enum knows (an old spelling) is shown as stored, not refused.
    assert value_text("retired_sector", key="sector") == "retired_sector"


def test_records_are_named_by_their_entry_when_it_names_them() -> None:
    assert record_text("agency", 17, {"name": "Kent Police", "sector": "police"}) == "Agency: Kent Police"
    assert record_text("agency", 17, {"short_code": {"old": "P", "new": "KP"}}) == "Agency 17"
    # Renamed: by its new name, and the details say how.
    renamed = {"name": {"old": "Police", "new": "Kent Police"}}
    assert record_text("agency", 17, renamed) == "Agency: Kent Police"
    assert entry_details_text("agency", renamed) == "name: Police → Kent Police"
    assert record_text("case", 4, {"reference": "MARAC-0004"}) == "Case: MARAC-0004"
    # There is one partnership: its number means nothing.
    assert record_text("partnership", 1, {"changes": {}}) == "Partnership"
    assert record_text("", None, {}) == ""
    assert record_text("risk_assessment", 3, {}) == "Risk assessment 3"


def test_nested_details_read_as_words_not_json() -> None:
    changes = {"changes": {"idle_lock_minutes": {"old": 10, "new": 15}, "due": {"old": "2026-01-02", "new": None}}}
    assert entry_details_text("partnership", changes) == "Changed idle lock minutes: 10 → 15; due: 2 Jan 2026 → none"
    assert entry_details_text("partnership", {"demo": True, "scale": "small", "seed": 1, "accounts": 16}) == (
        "demo: yes; scale: small; seed: 1; accounts: 16")
    assert entry_details_text("account", {"panel_ids": [1, 3], "role": "officer"}) == "panel ids: 1, 3; role: Officer"
    assert entry_details_text("report", {"period": {"start": "2026-04-01", "end": "2026-06-30"}}) == (
        "period: (start: 1 Apr 2026; end: 30 Jun 2026)")
    assert "{" not in entry_details_text("x", {"a": {"b": {"c": 1}}})
    assert entry_details_text("case", {"redacted": True}) == "(details erased)"
    assert entry_details_text("x", {}) == ""


def test_the_service_hands_rows_in_words(tmp_path: Path) -> None:
    created = create_database(
        tmp_path / "words.db", admin_username="admin", admin_name="Ada", password="a long enough password 1",
        partnership_name="Safer Testshire",
        panels=[PanelChoice(PanelType.CSVG, "Testshire CSVG", "TCSVG", "")],
        agencies=[AgencyChoice("Turning Point", "TP", Sector.SUBSTANCE_MISUSE)])
    ctx = created.ctx
    service = AuditService(ctx)
    rows = service.event_rows(service.event_ids(AuditQuery(kinds=frozenset({AuditKind.CREATE}))))
    by_entity = {row.entity: row for row in rows}
    assert by_entity["agency"].record == "Agency: Turning Point"
    assert by_entity["agency"].details_text == f"sector: {Sector.SUBSTANCE_MISUSE.label}; short code: TP"
    assert by_entity["panel"].record == "Panel: Testshire CSVG"
    assert "panel type: CSVG / Community MARAC" in by_entity["panel"].details_text
    assert by_entity["partnership"].record == "Partnership: Safer Testshire"
    assert "{" not in by_entity["partnership"].details_text
    # The stored form is unchanged: tools and the chain still see the JSON.
    assert '"sector":"substance_misuse"' in by_entity["agency"].summary
    close_workspace(ctx)
