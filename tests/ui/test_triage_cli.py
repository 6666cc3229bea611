"""``cspdesk triage`` and ``cspdesk print community-trigger`` (issue 19, part C) on the demo
partnership with its accounts: the day's list before and after the triage meeting is made, its
record as a PDF, and a CSVG's year of ASB case reviews on the screen and on paper."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from types import SimpleNamespace

from pypdf import PdfReader

from cspdesk.cli import main
from cspdesk.domain.enums import PanelType, Role
from cspdesk.services.access.auth import DEMO_PASSWORD, sign_in
from cspdesk.services.partnership.panels import PanelService
from cspdesk.services.referrals.community_trigger import ApplicationDraft, CommunityTriggerService, IncidentInput

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "core"))
from triage_setup import refer  # noqa: E402

TUESDAY = date(2026, 12, 1)


def test_the_triage_list_and_the_figures_from_the_command_line(demo_accounts_db, demo_accounts, tmp_path, capsys,
                                                               monkeypatch):
    admin = next(a.username for a in demo_accounts if a.role is Role.ADMINISTRATOR)
    ctx = sign_in(demo_accounts_db, admin, DEMO_PASSWORD)
    panels = PanelService(ctx).list_panels()
    marac = next(p for p in panels if p.panel_type is PanelType.MARAC)
    csvg = next(p for p in panels if p.panel_type is PanelType.CSVG)
    with ctx.reading() as s:
        from sqlalchemy import select

        from cspdesk.storage.models import Agency

        police = s.scalar(select(Agency.id).order_by(Agency.id))
    it = SimpleNamespace(ctx=ctx, marac=marac.id, police=police)
    refer(it, TUESDAY, "Cliperson")
    refer(it, date(2026, 11, 30), "Mondayperson")
    svc = CommunityTriggerService(ctx)
    one = svc.apply(ApplicationDraft(panel_id=csvg.id, received_on=date(2026, 3, 2), applicant_name="A Applicant",
                                     incidents=(IncidentInput(date(2026, 2, 1)),))).value
    svc.decide_threshold(one.id, True, date(2026, 3, 9))
    svc.record_review(one.id, date(2026, 4, 1), recommendations=[(None, "Patrols"), (None, "Mediation")])
    ctx.store.dispose()
    monkeypatch.setenv("CSPDESK_PASSWORD", DEMO_PASSWORD)
    common = ["--db", str(demo_accounts_db), "--user", admin]

    assert main(["triage", *common, "--panel", marac.name, "--date", TUESDAY.isoformat()]) == 0
    said = capsys.readouterr().out
    assert "No triage meeting on Tue 01 Dec 2026" in said and "the last 24 hours" in said
    assert "2 referral(s) waiting" in said  # Monday's and Tuesday's

    out = tmp_path / "triage.pdf"
    assert main(["triage", *common, "--panel", marac.name, "--date", TUESDAY.isoformat(), "--create",
                 "--out", str(out)]) == 0
    said = capsys.readouterr().out
    assert "Daily triage" in said and "2 referral(s), 2 not yet decided" in said
    assert "Daily triage" in " ".join(p.extract_text() for p in PdfReader(out).pages)

    figures = tmp_path / "ct.pdf"
    assert main(["print", "community-trigger", *common, "--panel", csvg.name, "--year", "2026",
                 "--out", str(figures)]) == 0
    said = capsys.readouterr().out
    assert "Applications received" in said and "Recommendations made" in said
    lines = {line.rsplit(None, 1)[0].strip(): int(line.rsplit(None, 1)[1]) for line in said.splitlines()
             if line.startswith("  ")}
    assert lines["Applications received"] == 1 and lines["Case reviews held"] == 1
    assert lines["Recommendations made"] == 2
    assert "ASB case reviews" in " ".join(p.extract_text() for p in PdfReader(figures).pages)
