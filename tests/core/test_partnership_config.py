"""`cspdesk init --config`: a partnership created from a file, as the wizard creates it."""

from __future__ import annotations

from pathlib import Path

import pytest

from cspdesk.cli import main
from cspdesk.domain.enums import PanelType, Role, Sector
from cspdesk.services.access.partnership_config import EXAMPLE, ConfigError, parse_config

PASSWORDS = {"CSPDESK_ADMIN_PASSWORD": "Admin-pass-4471", "CSPDESK_COORD_PASSWORD": "Coord-pass-9902"}


def _config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "partnership.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_example_file_creates_the_partnership_it_describes(tmp_path, monkeypatch, capsys) -> None:
    """The shipped example, as an IT team would run it: every account signs in with its password,
    the panels, agencies and memberships are the file's, the recovery key is printed once."""
    from cspdesk.services.access.accounts import AccountService
    from cspdesk.services.access.auth import recover, sign_in
    from cspdesk.services.partnership.partnership import PartnershipService
    from cspdesk.services.partnership.starter import StructureService
    from cspdesk.services.database.workspace import close_workspace

    # The example's last account has no password_env: give it one for a run with no terminal.
    text = EXAMPLE.read_text(encoding="utf-8").replace(
        "# no password_env: cspdesk init asks for this one", 'password_env = "IDVA_PW"')
    config = _config(tmp_path, text)
    for name, value in {**PASSWORDS, "IDVA_PW": "Idva-pass-3318"}.items():
        monkeypatch.setenv(name, value)
    db = tmp_path / "testshire.db"
    assert main(["init", "--db", str(db), "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert "Safer Testshire Partnership" in out and "Recovery key" in out

    ctx = sign_in(db, "admin", PASSWORDS["CSPDESK_ADMIN_PASSWORD"])
    try:
        panels = {p.name: p for p in StructureService(ctx).panels()}
        assert set(panels) == {"Testshire MARAC", "Testshire Community MARAC", "CSP Executive Group"}
        assert panels["Testshire Community MARAC"].panel_type is PanelType.CSVG
        assert panels["Testshire MARAC"].ref_prefix == "MARAC"
        agencies = {a.name: a for a in StructureService(ctx).agencies()}
        assert agencies["Testshire IDVA Service"].sector is Sector.DOMESTIC_ABUSE
        assert agencies["Home Housing Association"].short_code  # made from the initials
        accounts = {a.username: a for a in AccountService(ctx).list_accounts()}
        assert accounts["coord"].role is Role.COORDINATOR and accounts["coord"].must_change_password
        assert accounts["coord"].panel_ids == {panels["Testshire MARAC"].id, panels["Testshire Community MARAC"].id}
        assert accounts["officer.idva"].agency == "Testshire IDVA Service"
        info = PartnershipService(ctx).get()
        assert (info.name, info.protective_marking) == ("Safer Testshire Partnership", "OFFICIAL-SENSITIVE")
    finally:
        close_workspace(ctx)
    close_workspace(sign_in(db, "coord", PASSWORDS["CSPDESK_COORD_PASSWORD"]))
    # The printed recovery key opens the database.
    lines = out.splitlines()
    after = lines[next(i for i, x in enumerate(lines) if x.startswith("Recovery key")) + 1:]
    key = next(line.strip() for line in after if line.strip())
    close_workspace(recover(db, key, "admin", "Brand-new-pass-5150"))
    close_workspace(sign_in(db, "admin", "Brand-new-pass-5150"))


@pytest.mark.parametrize(("text", "says"), [
    ("[partnership]\nname = 'X'\n[[panel]]\ntype='marack'\nname='A'\nprefix='A'\n",
     "panel 1 (“A”): type “marack” is not one of"),
    ("[partnership]\nname = 'X'\n[[panel]]\ntype='marac'\nname='A'\nprefix='A'\n"
     "[[panel]]\ntype='csvg'\nname='B'\nprefix='A'\n", "same reference prefix"),
    ("[partnership]\nname = 'X'\n[[panel]]\ntype='marac'\nname='A'\nprefix='A'\n"
     "[[account]]\nusername='coord'\nname='C'\nrole='coordinator'\n", "role = \"administrator\""),
    ("[partnership]\nname = 'X'\n[[panel]]\ntype='marac'\nname='A'\nprefix='A'\n"
     "[[account]]\nusername='admin'\nname='C'\nrole='administrator'\npanels=['Nowhere MARAC']\n",
     "account 1 (“admin”): panel “Nowhere MARAC” is not one of the file's panels"),
    ("[partnership]\nname = 'X'\n[[panel]]\ntype='marac'\nname='A'\nprefix='A'\n"
     "[[account]]\nusername='admin'\nname='C'\nrole='boss'\n", "role “boss” is not one of"),
    ("[partnership]\nname = 'X'\n[[panel]]\ntype='marac'\nname='A'\nprefix='A'\n"
     "[[agency]]\nname='Police'\nsector='cops'\n", "agency 1 (“Police”): sector “cops”"),
    ("[partnership]\n[[panel]]\ntype='marac'\nname='A'\nprefix='A'\n", "[partnership]: give “name”"),
    ("[partnership\nname='X'", "not valid TOML"),
    ("[partnership]\nname='X'\n[[panels]]\ntype='marac'\n", "unknown section panels"),
])
def test_a_mistake_names_its_row_and_field(text: str, says: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(text)
    assert says in str(caught.value)


def test_a_refused_file_or_password_leaves_no_database(tmp_path, monkeypatch, capsys) -> None:
    config = _config(tmp_path, EXAMPLE.read_text(encoding="utf-8"))
    monkeypatch.setenv("CSPDESK_ADMIN_PASSWORD", PASSWORDS["CSPDESK_ADMIN_PASSWORD"])
    monkeypatch.setenv("CSPDESK_COORD_PASSWORD", "short")  # refused by the password rules
    db = tmp_path / "refused.db"
    assert main(["init", "--db", str(db), "--config", str(config)]) == 2
    assert "account 2 (“coord”): password:" in capsys.readouterr().err
    assert not db.exists() and list(tmp_path.iterdir()) == [config]

    monkeypatch.delenv("CSPDESK_COORD_PASSWORD")
    assert main(["init", "--db", str(db), "--config", str(config)]) == 2
    assert "CSPDESK_COORD_PASSWORD is not set" in capsys.readouterr().err
    assert not db.exists()


def test_the_example_is_printed_for_a_start(capsys) -> None:
    assert main(["init", "--example"]) == 0
    assert capsys.readouterr().out == EXAMPLE.read_text(encoding="utf-8")
