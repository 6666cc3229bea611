""""Also known to" (issue 20, item 2), on both engines: the other panels' names and nothing more,
as far as the partnership's setting for each pair of panels allows; audited when shown."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.chronology_setup import Known, make_known
from cspdesk.domain.enums import AuditKind, Role
from cspdesk.services.context import Actor
from cspdesk.services.errors import NotFound, PermissionDenied
from cspdesk.services.people.known_to import AlsoKnownToService
from cspdesk.storage.models import AuditEvent


@pytest.fixture
def known(ctx) -> Known:  # noqa: ANN001
    return make_known(ctx)


@pytest.mark.parametrize("panels, names", [
    (("MARAC",), ("Testshire CARM", "Testshire CSVG")),
    (("MARAC", "CSVG"), ("Testshire CARM",)),
    (("MARAC", "CSVG", "CARM"), ()),
    (("CARM",), ("Testshire CSVG", "Testshire MARAC")),
])
def test_users_on_one_two_and_three_panels_see_the_other_panels_names(known: Known, panels, names) -> None:  # noqa: ANN001
    ctx = known.intake.ctx
    ctx.actor = known.user(*panels)
    assert AlsoKnownToService(ctx).names(known.person) == names


def test_socp_is_not_named_by_default_either_way(known: Known) -> None:
    ctx = known.intake.ctx
    ctx.actor = known.user("MARAC")
    assert AlsoKnownToService(ctx).names(known.nominal) == ()  # also an OCG's nominal: SOCP not named
    ctx.actor = known.user("SOCP")
    assert AlsoKnownToService(ctx).names(known.nominal) == ()  # and SOCP is not told of MARAC


def test_the_setting_turns_a_pair_on_and_off_and_is_audited(known: Known) -> None:
    ctx = known.intake.ctx
    admin = ctx.actor
    service = AlsoKnownToService(ctx)
    marac, socp, csvg = known.intake.marac, known.intake.socp, known.intake.csvg
    settings = {(x.first, x.second): x for x in service.settings()}
    assert settings[(marac, socp)].shown is False and settings[(marac, csvg)].shown is True

    service.set_shown(socp, marac, True)
    ctx.actor = known.user("MARAC")
    assert AlsoKnownToService(ctx).names(known.nominal) == ("Testshire SOCP",)
    ctx.actor = known.user("SOCP")
    assert AlsoKnownToService(ctx).names(known.nominal) == ("Testshire MARAC",)

    ctx.actor = admin
    service.set_shown(marac, csvg, False)
    ctx.actor = known.user("MARAC")
    assert AlsoKnownToService(ctx).names(known.person) == ("Testshire CARM",)
    with ctx.reading() as s:
        entries = s.execute(select(AuditEvent.kind, AuditEvent.details).where(AuditEvent.entity == "panel_disclosure")
                            .order_by(AuditEvent.id)).all()
        shown = s.execute(select(AuditEvent.kind, AuditEvent.entity, AuditEvent.entity_id, AuditEvent.details)
                          .order_by(AuditEvent.id.desc()).limit(1)).one()
    assert [tuple(e) for e in entries] == [
        (AuditKind.UPDATE, {"panels": sorted([marac, socp]), "shown": True}),
        (AuditKind.UPDATE, {"panels": sorted([marac, csvg]), "shown": False}),
    ]
    assert tuple(shown) == (
        AuditKind.VIEW, "person", known.person, {"also_known_to": ["Testshire CARM"]})


def test_only_administrators_change_the_setting(known: Known) -> None:
    ctx = known.intake.ctx
    ctx.actor = Actor(user_id=known.intake.coordinator_id, username="coord", role=Role.COORDINATOR,
                      panel_ids=frozenset({known.intake.marac, known.intake.socp}))
    with pytest.raises(PermissionDenied):
        AlsoKnownToService(ctx).set_shown(known.intake.marac, known.intake.socp, True)


def test_nothing_is_said_of_a_person_the_user_cannot_see(known: Known) -> None:
    ctx = known.intake.ctx
    ctx.actor = known.user("SOCP")
    with pytest.raises(NotFound) as hidden:
        AlsoKnownToService(ctx).names(known.person)
    with pytest.raises(NotFound) as missing:
        AlsoKnownToService(ctx).names(987_654_321)
    assert str(hidden.value) == str(missing.value)
