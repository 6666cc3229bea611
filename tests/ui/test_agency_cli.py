"""``cspdesk circulate`` and ``cspdesk returns`` (issue 18) on the demo partnership with its
accounts: the folders and drafts written, a returned (still encrypted) sheet filed, the state shown,
and a sheet for another meeting refused with exit 2 and the reason."""

from __future__ import annotations

import io
import sys
from pathlib import Path

from openpyxl import load_workbook

from cspdesk.cli import main
from cspdesk.domain.enums import MeetingStatus, Role
from cspdesk.services.agencies.sealing import decrypt_xlsx, encrypt_xlsx
from cspdesk.services.access.auth import DEMO_PASSWORD, sign_in

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "core"))
from papers_helpers import busiest_meeting  # noqa: E402


def test_circulate_then_import_a_return_from_the_command_line(demo_accounts_db, demo_accounts, tmp_path, capsys,
                                                              monkeypatch):
    admin = next(a.username for a in demo_accounts if a.role is Role.ADMINISTRATOR)
    ctx = sign_in(demo_accounts_db, admin, DEMO_PASSWORD)
    meeting_id = busiest_meeting(ctx, MeetingStatus.PLANNED)
    ctx.store.dispose()
    monkeypatch.setenv("CSPDESK_PASSWORD", DEMO_PASSWORD)
    common = ["--db", str(demo_accounts_db), "--user", admin]
    out = tmp_path / "out"
    assert main(["circulate", *common, "--meeting", str(meeting_id), "--what", "research", "--out", str(out)]) == 0
    said = capsys.readouterr().out
    assert "Research request:" in said and "passwords.txt" in said
    passwords = dict(line.rsplit("  ", 1) for line in (out / "passwords.txt").read_text().splitlines()[3:])
    folder = sorted(p for p in out.iterdir() if p.is_dir())[0]
    sheet = next(folder.glob("*.xlsx"))
    emls = list(folder.glob("*.eml"))
    assert len(emls) == 1
    password = next(pw for name, pw in passwords.items() if pw.strip() and _opens(sheet, pw.strip())).strip()

    wb = load_workbook(io.BytesIO(decrypt_xlsx(sheet.read_bytes(), password)))
    wb.worksheets[0]["D7"], wb.worksheets[0]["E7"] = "Known", "Held since 2025"
    buf = io.BytesIO()
    wb.save(buf)
    returned = tmp_path / "returned.xlsx"
    returned.write_bytes(encrypt_xlsx(buf.getvalue(), password))  # sent back as it came: encrypted
    monkeypatch.setenv("CSPDESK_RETURN_PASSWORD", password)
    assert main(["returns", "import", str(returned), *common, "--meeting", str(meeting_id)]) == 0
    assert "1 filed" in capsys.readouterr().out

    assert main(["returns", "import", str(returned), *common, "--meeting", str(meeting_id + 999)]) == 2
    assert "for another meeting" in capsys.readouterr().err

    assert main(["returns", "status", *common, "--meeting", str(meeting_id)]) == 0
    status = capsys.readouterr().out
    assert "Returned" in status and "Chase list:" in status and "Sent " in status


def _opens(sheet: Path, password: str) -> bool:
    try:
        decrypt_xlsx(sheet.read_bytes(), password)
    except ValueError:
        return False
    return True
