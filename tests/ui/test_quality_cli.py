"""``cspdesk print quality`` (issue 19) on the demo partnership: the marked PDF written and read back,
and a panel that is not a MARAC refused with exit 2 and the reason."""

from __future__ import annotations

from pypdf import PdfReader

from cspdesk.cli import main
from cspdesk.domain.enums import Role
from cspdesk.services.access.auth import DEMO_PASSWORD


def test_print_quality_from_the_command_line(demo_accounts_db, demo_accounts, tmp_path, capsys, monkeypatch):
    admin = next(a.username for a in demo_accounts if a.role is Role.ADMINISTRATOR)
    monkeypatch.setenv("CSPDESK_PASSWORD", DEMO_PASSWORD)
    common = ["--db", str(demo_accounts_db), "--user", admin]
    out = tmp_path / "quality.pdf"
    assert main(["print", "quality", *common, "--panel", "Swale MARAC", "--from", "2026-04-01", "--to", "2026-09-30",
                 "--out", str(out)]) == 0
    assert "written to" in capsys.readouterr().out
    text = "\n".join(page.extract_text() for page in PdfReader(out).pages)
    for expected in ("OFFICIAL-SENSITIVE", "Quality report", "Minutes per case", "Repeat rate",
                     "Agencies' attendance by meeting"):
        assert expected in text, expected
    assert main(["print", "quality", *common, "--panel", "Swale CARM", "--quarter", "2026Q3",
                 "--out", str(tmp_path / "csvg.pdf")]) == 2
    assert "measures a MARAC" in capsys.readouterr().err
