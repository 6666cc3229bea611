"""A small partnership for the referral tests: one panel of each type, three agencies."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from cspdesk.domain.enums import PanelType, Role, Sector
from cspdesk.services.context import Actor
from cspdesk.services.partnership.partnership import PartnershipService

TODAY = date(2026, 6, 15)


@dataclass(frozen=True)
class Intake:
    ctx: object
    marac: int
    marac2: int
    csvg: int
    socp: int
    carm: int
    police: int
    housing: int
    idva: int
    coordinator_id: int  # a coordinator's account (the tests choose its panels with coordinator())


def make_intake(ctx) -> Intake:  # noqa: ANN001
    from cspdesk.storage.models import Agency, Panel, UserAccount

    ctx.today = lambda: TODAY
    if not PartnershipService(ctx).is_set_up():
        PartnershipService(ctx).set_up("Safer Testshire")
    with ctx.unit_of_work() as s:
        panels = {}
        for name, type_, prefix in [("Testshire MARAC", PanelType.MARAC, "MARAC"),
                                    ("Northtown MARAC", PanelType.MARAC, "MARAC-N"),
                                    ("Testshire CSVG", PanelType.CSVG, "CSVG"),
                                    ("Testshire SOCP", PanelType.SOCP, "SOCP"),
                                    ("Testshire CARM", PanelType.CARM, "CARM")]:
            panel = Panel(name=name, panel_type=type_, ref_prefix=prefix, created_at=ctx.now())
            s.add(panel)
            s.flush()
            panels[prefix] = panel.id
        agencies = {}
        for name, code, sector in [("Testshire Police", "POL", Sector.POLICE), ("Home Housing", "HH", Sector.HOUSING),
                                   ("Testshire IDVA Service", "IDVA", Sector.DOMESTIC_ABUSE)]:
            agency = Agency(name=name, short_code=code, sector=sector)
            s.add(agency)
            s.flush()
            agencies[code] = agency.id
        account = UserAccount(username="coord", display_name="A Coordinator", role=Role.COORDINATOR,
                              created_at=ctx.now())
        s.add(account)
        s.flush()
        coordinator_id = account.id
    return Intake(ctx, panels["MARAC"], panels["MARAC-N"], panels["CSVG"], panels["SOCP"], panels["CARM"],
                  agencies["POL"], agencies["HH"], agencies["IDVA"], coordinator_id)


@pytest.fixture
def intake(ctx) -> Intake:  # noqa: ANN001
    return make_intake(ctx)


def coordinator(user_id: int, *panel_ids: int) -> Actor:
    return Actor(user_id=user_id, username=f"coord{user_id}", role=Role.COORDINATOR, panel_ids=frozenset(panel_ids))
