"""A new partnership starts with the panels and agencies chosen at first run: written in the one
transaction that creates the database, every mistake named by row, nothing left behind."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import select

from cspdesk.domain.enums import PanelType, Role, Sector
from cspdesk.services.access.accounts import AccountService
from cspdesk.services.audit.audit import AuditService
from cspdesk.services.access.auth import create_database, sign_in
from cspdesk.services.errors import PermissionDenied, ValidationError
from cspdesk.services.partnership.panels import PanelService
from cspdesk.services.partnership.starter import (
    BUILT_IN_PANELS,
    COMMON_AGENCIES,
    AgencyChoice,
    PanelChoice,
    StructureService,
    check_agencies,
    check_panels,
    suggest_code,
)
from cspdesk.services.database.workspace import close_workspace
from cspdesk.storage.models import Agency, Panel, PanelAgency

PASSWORD = "correct horse battery"


def _by_type(kind: PanelType) -> PanelChoice:
    return next(p for p in BUILT_IN_PANELS if p.panel_type is kind)


def _create(db, panels, agencies):  # noqa: ANN001, ANN202
    return create_database(db, admin_username="priya.shah", admin_name="Priya Shah", password=PASSWORD,
                           partnership_name="Safer Testshire Partnership", panels=panels, agencies=agencies)


def _check_started(ctx) -> None:  # noqa: ANN001
    rows = PanelService(ctx).list_panels()
    assert [(r.name, r.panel_type, r.ref_prefix, r.active_cases) for r in rows] == [
        ("Community MARAC", PanelType.CSVG, "CMARAC", 0),
        ("Testshire MARAC", PanelType.MARAC, "TMARAC", 0),
    ]
    with ctx.reading() as s:
        agencies = {a.name: a for a in s.scalars(select(Agency))}
        assert set(agencies) == {"Testshire Police", "Fire and Rescue Service", "Oasis Women's Centre"}
        assert agencies["Oasis Women's Centre"].short_code == "OWC"
        core = {(p, a) for p, a, c in s.execute(
            select(Panel.name, Agency.name, PanelAgency.is_core)
            .join(Panel, Panel.id == PanelAgency.panel_id).join(Agency, Agency.id == PanelAgency.agency_id)) if c}
    # Every agency sits on every panel; police are core at both, fire only at the Community MARAC.
    assert ("Testshire MARAC", "Testshire Police") in core
    assert ("Community MARAC", "Fire and Rescue Service") in core
    assert ("Testshire MARAC", "Fire and Rescue Service") not in core
    assert ("Testshire MARAC", "Oasis Women's Centre") in core  # domestic abuse is core at MARAC
    assert AuditService(ctx).verify().ok


def _choices() -> tuple[list[PanelChoice], list[AgencyChoice]]:
    panels = [replace(_by_type(PanelType.MARAC), name="Testshire MARAC", ref_prefix="tmarac "),
              _by_type(PanelType.CSVG)]
    fire = next(a for a in COMMON_AGENCIES if a.sector is Sector.FIRE)
    agencies = [AgencyChoice("Testshire  Police", "POL", Sector.POLICE), fire,
                AgencyChoice("Oasis Women's Centre", "", Sector.DOMESTIC_ABUSE)]
    return panels, agencies


def test_the_chosen_panels_and_agencies_are_there_after_sign_in(db_path) -> None:
    panels, agencies = _choices()
    close_workspace(_create(db_path, panels, agencies).ctx)
    ctx = sign_in(db_path, "priya.shah", PASSWORD)
    try:
        _check_started(ctx)
    finally:
        close_workspace(ctx)


@pytest.mark.postgres
def test_the_same_start_on_a_server(pg_url: str) -> None:
    panels, agencies = _choices()
    ctx = _create(pg_url, panels, agencies).ctx
    try:
        _check_started(ctx)
    finally:
        close_workspace(ctx)


@pytest.mark.parametrize(
    ("panels", "agencies", "field", "words"),
    [
        ([_by_type(PanelType.MARAC), replace(_by_type(PanelType.CSVG), ref_prefix="marac")], None, "panels",
         "“Community MARAC” and “MARAC” have the same reference prefix, MARAC: give each its own."),
        ([replace(_by_type(PanelType.MARAC), ref_prefix="MARAC 1")], None, "panels", "“MARAC”: the reference prefix uses letters and digits"),
        ([replace(_by_type(PanelType.SOCP), name="  ")], None, "panels", "A ticked panel has no name: give it one."),
        (None, [COMMON_AGENCIES[0], replace(COMMON_AGENCIES[1], name="police")], "agencies",
         "“police” and “Police” are the same name: keep one agency."),
    ],
)
def test_a_bad_row_is_named_and_nothing_is_made(db_path, panels, agencies, field, words) -> None:
    default_panels, default_agencies = _choices()
    with pytest.raises(ValidationError) as refused:
        create_database(db_path, admin_username="priya.shah", admin_name="Priya Shah", password=PASSWORD,
                        panels=default_panels if panels is None else panels,
                        agencies=default_agencies if agencies is None else agencies)
    assert refused.value.field == field
    assert words in str(refused.value)
    assert list(db_path.parent.iterdir()) == []


def test_the_wizard_must_choose_a_panel_and_an_agency() -> None:
    with pytest.raises(ValidationError, match="at least one panel"):
        check_panels([])
    with pytest.raises(ValidationError, match="at least one agency"):
        check_agencies([])


def test_codes_are_suggested_from_initials_and_numbered_when_taken() -> None:
    assert suggest_code("Oasis Women's Centre") == "OWC"
    assert suggest_code("Department for Work and Pensions") == "DWP"
    assert suggest_code("Oasis Women's Centre", {"OWC", "OWC2"}) == "OWC3"


# -- afterwards: Administration → Panels and agencies ------------------------------------------


def test_an_administrator_adds_a_panel_and_agencies_later(db_path) -> None:
    panels, agencies = _choices()
    ctx = _create(db_path, panels, agencies).ctx
    service = StructureService(ctx)
    try:
        carm = service.add_panel(replace(_by_type(PanelType.CARM), name="Testshire CARM")).value
        row = next(p for p in service.panels() if p.id == carm)
        assert (row.ref_prefix, row.agencies) == ("CARM", 3)  # every active agency sits on it
        with pytest.raises(ValidationError) as clash:
            service.add_panel(replace(_by_type(PanelType.SOCP), ref_prefix="tmarac"))
        assert clash.value.field == "ref_prefix" and "Testshire MARAC uses the reference prefix TMARAC" in str(clash.value)
        with pytest.raises(ValidationError) as bad:
            service.add_panel(replace(_by_type(PanelType.SOCP), ref_prefix="SO CP"))
        assert bad.value.field == "ref_prefix"

        dwp = service.add_agency(AgencyChoice("Department for Work and Pensions", "", Sector.OTHER)).value
        assert {a.short_code: a.panels for a in service.agencies()}["DWP"] == 3
        with pytest.raises(ValidationError) as same:
            service.add_agency(AgencyChoice("testshire police", "", Sector.POLICE))
        assert same.value.field == "name" and "Testshire Police" in str(same.value)

        service.update_agency(dwp, "DWP Jobcentre Plus", "DWP", is_active=False)
        retired = next(a for a in service.agencies() if a.id == dwp)
        assert (retired.name, retired.is_active) == ("DWP Jobcentre Plus", False)
        offered = {name for _id, name in AccountService(ctx).agencies()}
        assert "DWP Jobcentre Plus" not in offered and "Testshire Police" in offered
        assert AuditService(ctx).verify().ok
    finally:
        close_workspace(ctx)


def test_only_administrators_change_the_panels_and_agencies(db_path) -> None:
    panels, agencies = _choices()
    admin = _create(db_path, panels, agencies).ctx
    try:
        AccountService(admin).add_account("sam", "Sam Officer", Role.COORDINATOR, agency_id=None,
                                          panel_ids=frozenset(), temporary_password="temporary pass 1")
        coordinator = sign_in(db_path, "sam", "temporary pass 1")
    finally:
        close_workspace(admin)
    try:
        with pytest.raises(PermissionDenied):
            StructureService(coordinator).add_agency(AgencyChoice("Oasis", "", Sector.VOLUNTARY))
        with pytest.raises(PermissionDenied):
            StructureService(coordinator).add_panel(_by_type(PanelType.SOCP))
    finally:
        close_workspace(coordinator)
