"""A partnership set up from a file an IT team keeps: ``cspdesk init --db PATH --config FILE``.

The file (TOML; a documented example is ``cspdesk/resources/partnership.example.toml``) says what
the first-run wizard asks: the partnership and its marking, the panels it runs, its agencies, and
its accounts. It goes through the wizard's own checks (:func:`check_panels`, :func:`check_agencies`,
the user-name and password rules), and every mistake names the table, the row (by number and
name) and the field. Everything is checked before anything is written: a refused file leaves no
database behind. The first ``administrator`` account is the one that creates the database (as in
the wizard); the others are added by it with their password as a temporary one, to be changed at
first sign-in.

Passwords are never in the file: each account names an environment variable holding it
(``password_env``), or the caller asks for it (the CLI prompts).
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cspdesk.domain.enums import PanelType, Role, Sector
from cspdesk.domain.marking import DEFAULT_MARKING
from cspdesk.services.errors import ServiceError, ValidationError
from cspdesk.services.partnership.starter import AgencyChoice, PanelChoice, check_agencies, check_panels, suggest_code

EXAMPLE = Path(__file__).resolve().parents[2] / "resources" / "partnership.example.toml"


@dataclass(frozen=True)
class AccountPlan:
    username: str
    name: str
    role: Role
    panels: tuple[str, ...]  # panel names, as in the file
    agency: str | None  # an agency's name or code, as in the file
    password_env: str | None
    row: str  # "account 2 (“coord”)": how errors name it


@dataclass(frozen=True)
class PartnershipPlan:
    name: str
    marking: str
    panels: tuple[PanelChoice, ...]
    agencies: tuple[AgencyChoice, ...]
    accounts: tuple[AccountPlan, ...]


class ConfigError(ServiceError):
    """The file cannot be used: the message says where (table, row, field) and why."""

    def __init__(self, where: str, message: str) -> None:
        super().__init__(f"{where}: {message}")
        self.where = where


def _choice(enum: Any, raw: Any, where: str, field: str) -> Any:  # an enum class and member
    """An enum member from its value or its label, any case ("marac", "MARAC", "Police")."""
    text = str(raw or "").strip().casefold()
    for member in enum:
        if text in (member.value.casefold(), member.label.casefold(), member.name.casefold()):
            return member
    allowed = ", ".join(m.value for m in enum)
    raise ConfigError(where, f"{field} “{raw}” is not one of: {allowed}.")


def _text(table: Mapping[str, Any], key: str, where: str, *, required: bool = True) -> str:
    value = table.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ConfigError(where, f"give “{key}”.")
        return ""
    if not isinstance(value, str):
        raise ConfigError(where, f"“{key}” must be text in quotes.")
    return value.strip()


def _rows(data: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    rows = data.get(key, [])
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise ConfigError(f"[[{key}]]", f"write each {key} as a [[{key}]] table.")
    return rows


def _row_name(kind: str, number: int, table: Mapping[str, Any], key: str) -> str:
    label = table.get(key)
    return f"{kind} {number}" + (f" (“{label}”)" if isinstance(label, str) and label.strip() else "")


def parse_config(text: str) -> PartnershipPlan:
    """The plan a file describes, checked as the wizard checks it (nothing is written)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError("the file", f"it is not valid TOML ({exc}).") from None
    known = {"partnership", "panel", "agency", "account"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ConfigError("the file", f"unknown section {', '.join(unknown)}; use {', '.join(sorted(known))}.")
    part = data.get("partnership")
    if not isinstance(part, dict):
        raise ConfigError("[partnership]", "the file needs a [partnership] table with its name.")
    name = _text(part, "name", "[partnership]")
    marking = _text(part, "marking", "[partnership]", required=False) or DEFAULT_MARKING

    panels = []
    for i, row in enumerate(_rows(data, "panel"), start=1):
        where = _row_name("panel", i, row, "name")
        panels.append(PanelChoice(_choice(PanelType, row.get("type"), where, "type"), _text(row, "name", where),
                                  _text(row, "prefix", where), _text(row, "description", where, required=False)))
    if not panels:
        raise ConfigError("[[panel]]", "name at least one panel the partnership runs.")
    agencies = []
    codes: list[str] = []
    for i, row in enumerate(_rows(data, "agency"), start=1):
        where = _row_name("agency", i, row, "name")
        agency_name = _text(row, "name", where)
        code = _text(row, "code", where, required=False) or suggest_code(agency_name, codes)
        codes.append(code)
        agencies.append(AgencyChoice(agency_name, code, _choice(Sector, row.get("sector", "other"), where, "sector")))
    try:
        panels_checked = check_panels(panels)
        agencies_checked = check_agencies(agencies) if agencies else ()
    except ValidationError as exc:
        raise ConfigError("[[panel]]" if exc.field.startswith("panel") else "[[agency]]", str(exc)) from None

    panel_names = {p.name.casefold() for p in panels_checked}
    agency_names = {a.name.casefold() for a in agencies_checked} | {a.short_code.casefold() for a in agencies_checked}
    accounts = []
    seen: set[str] = set()
    for i, row in enumerate(_rows(data, "account"), start=1):
        where = _row_name("account", i, row, "username")
        from cspdesk.services.access.auth import check_username

        try:
            username = check_username(_text(row, "username", where))
        except ValidationError as exc:
            raise ConfigError(where, str(exc)) from None
        if username in seen:
            raise ConfigError(where, f"there is already an account called {username} in the file.")
        seen.add(username)
        role = _choice(Role, row.get("role"), where, "role")
        wanted = row.get("panels", [])
        if isinstance(wanted, str):
            wanted = [wanted]
        if not isinstance(wanted, list) or not all(isinstance(p, str) for p in wanted):
            raise ConfigError(where, "“panels” is a list of panel names in quotes: panels = [\"Testshire MARAC\"].")
        for panel in wanted:
            if panel.strip().casefold() not in panel_names:
                raise ConfigError(where, f"panel “{panel}” is not one of the file's panels.")
        agency = _text(row, "agency", where, required=False) or None
        if agency and agency.casefold() not in agency_names:
            raise ConfigError(where, f"agency “{agency}” is not one of the file's agencies (by name or code).")
        env = _text(row, "password_env", where, required=False) or None
        accounts.append(AccountPlan(username, _text(row, "name", where), role, tuple(p.strip() for p in wanted),
                                    agency, env, where))
    if not any(a.role is Role.ADMINISTRATOR for a in accounts):
        raise ConfigError("[[account]]", "name at least one account with role = \"administrator\": "
                                         "the first one creates the database.")
    return PartnershipPlan(name, marking, panels_checked, tuple(agencies_checked), tuple(accounts))


def load_config(path: str | Path) -> PartnershipPlan:
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise ConfigError(str(path), f"cannot read it ({exc.strerror or exc}).") from None
    except UnicodeDecodeError:
        raise ConfigError(str(path), "it is not UTF-8 text.") from None
    return parse_config(text)


def init_partnership(db: str | Path | None, plan: PartnershipPlan,  # noqa: ANN201 - CreatedDatabase
                     password_for: Callable[[AccountPlan], str]):
    """Create the database the plan describes: the first administrator, the partnership, its panels
    and agencies in one transaction (as the wizard does), then the other accounts. Every password is
    asked for and checked first, so a refused one leaves nothing behind."""
    from cspdesk.services.access.accounts import AccountService
    from cspdesk.services.access.auth import check_new_password, create_database

    passwords: dict[str, str] = {}
    for account in plan.accounts:
        password = password_for(account)
        try:
            check_new_password(password)
        except ValidationError as exc:
            raise ConfigError(account.row, f"password: {str(exc)}") from None
        passwords[account.username] = password
    first = next(a for a in plan.accounts if a.role is Role.ADMINISTRATOR)
    created = create_database(db, admin_username=first.username, admin_name=first.name or first.username,
                              password=passwords[first.username], partnership_name=plan.name,
                              protective_marking=plan.marking, panels=plan.panels, agencies=plan.agencies)
    service = AccountService(created.ctx)
    panel_ids = {name.casefold(): pid for pid, name in _panels(created.ctx)}
    agency_ids: dict[str, int] = {}
    for aid, name, code in _agencies(created.ctx):
        agency_ids[name.casefold()] = agency_ids[code.casefold()] = aid
    _join_panels(created.ctx, first, panel_ids)
    for account in plan.accounts:
        if account is first:
            continue
        service.add_account(account.username, account.name or account.username, account.role,
                            agency_id=agency_ids.get((account.agency or "").casefold()),
                            panel_ids=frozenset(panel_ids[p.casefold()] for p in account.panels),
                            temporary_password=passwords[account.username])
    return created


def _panels(ctx) -> Sequence[tuple[int, str]]:  # noqa: ANN001
    from cspdesk.services.partnership.starter import StructureService

    return [(p.id, p.name) for p in StructureService(ctx).panels()]


def _agencies(ctx) -> Sequence[tuple[int, str, str]]:  # noqa: ANN001
    from cspdesk.services.partnership.starter import StructureService

    return [(a.id, a.name, a.short_code) for a in StructureService(ctx).agencies()]


def _join_panels(ctx, first: AccountPlan, panel_ids: Mapping[str, int]) -> None:  # noqa: ANN001
    """The first administrator's panels, as the file names them (administrators see every panel
    anyway; the membership is what lists them as a panel's member)."""
    if not first.panels:
        return
    from cspdesk.services.access.accounts import AccountService

    service = AccountService(ctx)
    me = ctx.actor.user_id
    row = next(r for r in service.list_accounts() if r.id == me)
    service.update_account(me, display_name=row.display_name, role=Role.ADMINISTRATOR, agency_id=None,
                           panel_ids=frozenset(panel_ids[p.casefold()] for p in first.panels))
