"""The one place deciding what a letter is billed as: type, mandate and sender → the priced item,
priced from the tenant's list (the plugin's defaults here, in cents incl. VAT)."""

from __future__ import annotations

import pytest

from plugins.resiliation import pricing
from plugins.resiliation.models import Letter, MandateKind
from plugins.resiliation.rules import Sender, SendType
from portal.core.tenants import tenant_directory


@pytest.mark.parametrize(
    ("sender", "mandate", "send_type", "code", "cents"),
    [
        (Sender.AGENCY, MandateKind.NONE, SendType.LRAR, "resiliation.lrar", 378),
        (Sender.AGENCY, MandateKind.HAND_SIGNED, SendType.LR, "resiliation.lr", 297),
        (
            Sender.AGENCY,
            MandateKind.ELECTRONIC,
            SendType.LRAR,
            "resiliation.lrar_esigned_mandate",
            491,
        ),
        (Sender.AGENCY, MandateKind.ELECTRONIC, SendType.LR, "resiliation.lr_esigned_mandate", 418),
        (
            Sender.PLATFORM,
            MandateKind.ELECTRONIC,
            SendType.LRAR,
            "resiliation.platform_sender",
            528,
        ),
        (Sender.PLATFORM, MandateKind.ELECTRONIC, SendType.LR, "resiliation.platform_sender", 528),
    ],
)
def test_the_price_of_a_letter(app, tenant_ids, sender, mandate, send_type, code, cents):
    letter = Letter(sender=sender, mandate_kind=mandate, send_type=send_type)
    assert pricing.letter_price_code(letter) == code
    with app.test_request_context():
        tenant = tenant_directory().by_id(tenant_ids["resilimo"])
        item = pricing.letter_price(letter, tenant)
    assert (item.code, item.price_cents) == (code, cents)


def test_the_platform_sends_with_acknowledgement_only():
    assert pricing.send_types_for(Letter(sender=Sender.PLATFORM)) == [SendType.LRAR]
    assert pricing.send_types_for(Letter(sender=Sender.AGENCY)) == [SendType.LRAR, SendType.LR]


def test_the_type_asked_wins_over_the_letters_own():
    letter = Letter(sender=Sender.AGENCY, mandate_kind=MandateKind.NONE, send_type=SendType.LRAR)
    assert pricing.letter_price_code(letter, SendType.LR) == "resiliation.lr"
