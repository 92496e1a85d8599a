"""The price of a mail from the tenant's price grid (issue 17 §4), VAT included: printing per
sheet (colour or black and white), envelopes, postage by mode and weight band, staples, the typed
address (+0,16 €) or the first document's address (−0,10 €).

Owner: helper « pricing ». API: ``default_items() -> list[PricedItem]`` (the grid's defaults,
codes ``paper_mail.…``); ``quote(tenant, *, mode, colour, duplex, sheets, staples,
recipient_source, plan) -> list[PriceLine]``; ``mail_quote(mail) -> Quote`` (lines, total_cents)
for a mail whose checks pass.
"""

from plugins.paper_mail.i18n import _l
from portal.core.plugins import PricedItem


def default_items() -> list[PricedItem]:
    return [
        PricedItem("paper_mail.lettre_verte_1", _l("Lettre verte, 1 feuille"), 114),
        PricedItem("paper_mail.typed_address", _l("Saisie de l'adresse du destinataire"), 16),
        PricedItem(
            "paper_mail.first_document_address",
            _l("Adresse reprise du premier document"),
            -10,
            discount=True,
        ),
    ]
