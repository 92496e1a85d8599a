"""What a letter costs: the one place that decides which priced item a letter is billed as.

The finalize and confirmation pages show it, the next issue charges it: both ask here.
Prices come from the tenant's price list (:func:`portal.core.pricing.price_list`: the plugin's
defaults, the tenant's ``[prices]`` overrides), in integer cents including VAT.
"""

from __future__ import annotations

from plugins.resiliation.models import MandateKind
from plugins.resiliation.rules import Sender, SendType
from portal.core.plugins import PricedItem
from portal.core.pricing import price_list

LRAR = "resiliation.lrar"
LR = "resiliation.lr"
LRAR_ESIGNED = "resiliation.lrar_esigned_mandate"
LR_ESIGNED = "resiliation.lr_esigned_mandate"
PLATFORM = "resiliation.platform_sender"


def send_types_for(letter) -> list[SendType]:
    """The send types a letter may go with: the platform sends with acknowledgement only."""
    if letter.sender == Sender.PLATFORM:
        return [SendType.LRAR]
    return [SendType.LRAR, SendType.LR]


def letter_price_code(letter, send_type: SendType | str | None = None) -> str:
    """The priced-item code of ``letter`` sent as ``send_type`` (its own type by default): in the
    platform's name ``resiliation.platform_sender`` (acknowledgement only, the e-signed mandate
    included); with a mandate signed electronically ``resiliation.lrar_esigned_mandate`` /
    ``.lr_esigned_mandate``; else ``resiliation.lrar`` / ``.lr``."""
    if letter.sender == Sender.PLATFORM:
        return PLATFORM
    kind = SendType(send_type or letter.send_type or SendType.LRAR)
    esigned = letter.mandate_kind == MandateKind.ELECTRONIC
    if kind is SendType.LR:
        return LR_ESIGNED if esigned else LR
    return LRAR_ESIGNED if esigned else LRAR


def letter_price(letter, tenant, send_type: SendType | str | None = None) -> PricedItem:
    """The priced item (``price_cents`` incl. VAT, ``vat_rate_bp``, ``label``) ``letter`` is
    billed as on ``tenant`` when sent as ``send_type`` (its own type by default)."""
    return price_list(tenant)[letter_price_code(letter, send_type)]
