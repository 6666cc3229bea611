"""Which referral form a panel takes: one class per panel type over :class:`ReferralDialog`."""

from __future__ import annotations

from cspdesk.domain.enums import PanelType
from cspdesk.services.errors import ServiceError
from cspdesk.services.referrals.referrals import PanelRules
from cspdesk_gui.referrals.carm_form import CarmReferralForm
from cspdesk_gui.referrals.csvg_form import CsvgReferralForm
from cspdesk_gui.referrals.dialog import ReferralDialog
from cspdesk_gui.referrals.marac_form import MaracReferralForm
from cspdesk_gui.referrals.socp_form import SocpReferralForm

FORM_CLASSES: dict[PanelType, type[ReferralDialog]] = {
    PanelType.MARAC: MaracReferralForm,
    PanelType.CSVG: CsvgReferralForm,
    PanelType.SOCP: SocpReferralForm,
    PanelType.CARM: CarmReferralForm,
}


def form_class(rules: PanelRules) -> type[ReferralDialog]:
    """The form of the panel's type; ServiceError for a panel that takes no referrals of its own."""
    form = FORM_CLASSES.get(rules.panel_type)
    if form is None or rules.asks is None:
        raise ServiceError(f"{rules.name} takes no referrals of its own.")
    return form
