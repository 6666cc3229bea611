"""Partnership and panel settings: saved in one audited transaction, every bad value named by its
field, administrators only, and they take effect where they are used (the RAG colours, the MARAC
return's rate, the DASH threshold the referral form applies)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import select

from cspdesk.domain.enums import AuditKind, PanelType, Rag, Role
from cspdesk.services.actions.actions import ActionQuery, ActionService
from cspdesk.services.context import Actor, ServiceContext
from cspdesk.services.errors import PermissionDenied, ValidationError
from cspdesk.services.partnership.partnership import PartnershipService
from cspdesk.services.referrals.referrals import ReferralService
from cspdesk.services.partnership.settings import SettingsService
from cspdesk.storage import models as m


def _last_audit(ctx: ServiceContext) -> tuple[AuditKind, str, dict]:
    with ctx.reading() as s:
        return tuple(s.execute(select(m.AuditEvent.kind, m.AuditEvent.entity, m.AuditEvent.details)
                               .order_by(m.AuditEvent.id.desc()).limit(1)).one())


def test_partnership_settings_are_saved_audited_and_used(demo_ctx: ServiceContext) -> None:
    service = SettingsService(demo_ctx)
    before = service.partnership()
    actions = ActionService(demo_ctx)
    query = ActionQuery()
    amber_before = actions.rag_counts(query)[Rag.AMBER]

    result = service.set_partnership(replace(before, amber_days=before.amber_days + 21,
                                             population_adult_women=112_500, protective_marking=" official "))
    assert result.changes.partnership and result.changes.actions
    saved = service.partnership()
    assert saved.amber_days == before.amber_days + 21 and saved.population_adult_women == 112_500
    assert saved.protective_marking == "OFFICIAL"
    kind, entity, details = _last_audit(demo_ctx)
    assert kind is AuditKind.UPDATE and entity == "partnership"
    assert details["changes"]["amber_days"] == {"old": before.amber_days, "new": before.amber_days + 21}
    assert set(details["changes"]) == {"amber_days", "population_adult_women", "protective_marking"}
    # A longer Amber window turns more unfinished actions amber; the marking is on every page.
    assert actions.amber_days() == before.amber_days + 21
    assert actions.rag_counts(query)[Rag.AMBER] > amber_before
    assert PartnershipService(demo_ctx).get().protective_marking == "OFFICIAL"

    # Saving what is already there changes nothing and records nothing.
    assert not service.set_partnership(saved).changes
    assert _last_audit(demo_ctx)[2] == details


@pytest.mark.parametrize(("field", "value", "words"), [
    ("amber_days", 0, "Amber"),
    ("amber_days", 91, "Amber"),
    ("small_number_threshold", 0, "Small numbers"),
    ("population_adult_women", 0, "Adult female population"),
    ("name", "   ", "name cannot be empty"),
    ("protective_marking", "X" * 61, "60 characters or fewer"),
    ("confidentiality_statement", "", "confidentiality statement cannot be empty"),
])
def test_a_bad_partnership_setting_is_named_and_nothing_is_saved(demo_ctx: ServiceContext, field: str,
                                                                 value: object, words: str) -> None:
    service = SettingsService(demo_ctx)
    before = service.partnership()
    with pytest.raises(ValidationError) as bad:
        service.set_partnership(replace(before, **{"amber_days": before.amber_days + 1, field: value}))
    assert bad.value.field == field and words in str(bad.value)
    assert service.partnership() == before  # not even the good field


def test_panel_rules_are_saved_and_the_referral_form_applies_them(demo_ctx: ServiceContext) -> None:
    service = SettingsService(demo_ctx)
    marac = next(p for p in service.panels() if p.panel_type is PanelType.MARAC)
    assert marac.dash_threshold == 14 and marac.escalation_incidents == 3  # the SafeLives defaults
    result = service.set_panel(replace(marac, dash_threshold=12, repeat_window_months=24))
    assert result.changes.panels and result.value.dash_threshold == 12
    rules = ReferralService(demo_ctx).panel_rules(marac.panel_id)
    assert (rules.dash_threshold, rules.repeat_window_months) == (12, 24)
    kind, entity, details = _last_audit(demo_ctx)
    assert kind is AuditKind.UPDATE and entity == "panel" and details["name"] == marac.name
    assert set(details["changes"]) == {"dash_threshold", "repeat_window_months"}
    with pytest.raises(ValidationError) as bad:
        service.set_panel(replace(marac, dash_threshold=25))
    assert bad.value.field == "dash_threshold" and "from 1 to 24" in str(bad.value)


def test_only_administrators_keep_the_settings(demo_ctx: ServiceContext) -> None:
    coordinator = ServiceContext(store=demo_ctx.store,
                                 actor=Actor(user_id=None, username="coord", role=Role.COORDINATOR))
    service = SettingsService(coordinator)
    with pytest.raises(PermissionDenied):
        service.partnership()
    current = SettingsService(demo_ctx).partnership()
    with pytest.raises(PermissionDenied):
        service.set_partnership(replace(current, amber_days=30))
    panel = SettingsService(demo_ctx).panels()[0]
    with pytest.raises(PermissionDenied):
        service.set_panel(replace(panel, minutes_per_case=20))
    assert SettingsService(demo_ctx).partnership() == current


def test_the_return_divides_by_the_population_set(demo_ctx: ServiceContext) -> None:
    from cspdesk.domain.periods import quarter
    from cspdesk.services.papers.returns import ReturnService

    returns = ReturnService(demo_ctx)
    panel_id = returns.panel_id_by_name("Swale MARAC")
    period = quarter("2026Q3")
    cases = returns.build(panel_id, period).figure("Cases discussed", "Cases discussed").count
    assert cases
    service = SettingsService(demo_ctx)
    service.set_partnership(replace(service.partnership(), population_adult_women=50_000))
    rate = returns.build(panel_id, period).figure("Cases discussed", "Cases per 10,000 adult women").text
    assert rate == f"{cases * 10_000 / 50_000:.1f}"
