"""The price of a mail from the tenant's price grid (issue 17 §4, manual §8.6), VAT included:
printing per sheet (colour or black and white), the window envelopes, the postage of each
envelope by mode and weight band, staples, and the address line: the typed address (+0,16 €, it
pays for the address-carrier page) or the first document's address (−0,10 €).

Every amount is an item of the grid (:func:`default_items`), which a tenant overrides in
``[prices]`` (:mod:`portal.core.pricing`); the quote only multiplies and adds, in integer cents.
The confirmation page shows it, the sending charges it: both ask here.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from plugins.paper_mail import rules
from plugins.paper_mail.i18n import _, _l, ngettext
from plugins.paper_mail.models import RecipientSource
from portal.core.plugins import PricedItem
from portal.core.pricing import price_list
from portal.core.sendings import PriceLine

SHEET_BW = "paper_mail.sheet_bw"
SHEET_COLOUR = "paper_mail.sheet_colour"
ENVELOPE = {
    rules.Envelope.SMALL: "paper_mail.envelope_small",
    rules.Envelope.LARGE: "paper_mail.envelope_large",
}
STAPLE = "paper_mail.staple"
TYPED_ADDRESS = "paper_mail.typed_address"
FIRST_DOCUMENT_ADDRESS = "paper_mail.first_document_address"

# The SPEC's example « lettre verte 1 feuille 1,14 € » is a colour sheet (10) in a small
# envelope (6) with the 20 g lettre verte postage (98); the address line comes on top of it
# (+16 typed with its carrier page, −10 read in the first document).
SHEET_PRICES = {SHEET_BW: 6, SHEET_COLOUR: 10}
ENVELOPE_PRICES = {rules.Envelope.SMALL: 6, rules.Envelope.LARGE: 20}
STAPLE_PRICE = 5
TYPED_ADDRESS_PRICE = 16
FIRST_DOCUMENT_ADDRESS_PRICE = -10

# Industrial postage incl. VAT by weight band (rules.WEIGHT_BANDS, grams), below La Poste's
# public rates like a postal printer's (BeePOST: « 15 à 35 % plus économique »); a registered
# letter adds its fixed fee, the acknowledgement card its own.
POSTAGE = {
    rules.Mode.ECOPLI: (92, 184, 368, 550, 720, 910),
    rules.Mode.LETTRE_VERTE: (98, 196, 392, 580, 750, 950),
    rules.Mode.LETTRE_SUIVIE: (148, 246, 442, 630, 800, 1000),
    rules.Mode.RECOMMANDE: (450, 545, 690, 860, 1010, 1180),
    rules.Mode.RECOMMANDE_AR: (560, 655, 800, 970, 1120, 1290),
}

# The modes' names in a price label (lower case, inside a sentence).
_MODE_NAMES = {
    rules.Mode.ECOPLI: _l("écopli"),
    rules.Mode.LETTRE_VERTE: _l("lettre verte"),
    rules.Mode.LETTRE_SUIVIE: _l("lettre suivie"),
    rules.Mode.RECOMMANDE: _l("recommandé"),
    rules.Mode.RECOMMANDE_AR: _l("recommandé avec AR"),
}


def postage_code(mode: rules.Mode | str, band: int) -> str:
    """``paper_mail.postage_lettre_verte_20``: the postage of an envelope of ``mode`` up to
    ``band`` grams."""
    return f"paper_mail.postage_{rules.Mode(mode).value}_{band}"


def default_items() -> list[PricedItem]:
    """The paper mail's price grid, in cents incl. VAT at 20 %."""
    items = [
        PricedItem(SHEET_COLOUR, _l("Impression couleur, par feuille"), SHEET_PRICES[SHEET_COLOUR]),
        PricedItem(SHEET_BW, _l("Impression noir et blanc, par feuille"), SHEET_PRICES[SHEET_BW]),
        PricedItem(
            ENVELOPE[rules.Envelope.SMALL],
            _l("Enveloppe à fenêtre DL (jusqu'à 5 feuilles)"),
            ENVELOPE_PRICES[rules.Envelope.SMALL],
        ),
        PricedItem(
            ENVELOPE[rules.Envelope.LARGE],
            _l("Enveloppe à fenêtre C4 (jusqu'à 45 feuilles)"),
            ENVELOPE_PRICES[rules.Envelope.LARGE],
        ),
    ]
    for mode, prices in POSTAGE.items():
        for band, cents in zip(rules.WEIGHT_BANDS, prices, strict=True):
            label = _l(
                "Affranchissement %(mode)s, jusqu'à %(grams)s g", mode=_MODE_NAMES[mode], grams=band
            )
            # The home page shows each mode's first band; the terms of sale the whole grid.
            detail = band != rules.WEIGHT_BANDS[0]
            items.append(PricedItem(postage_code(mode, band), label, cents, detail=detail))
    items += [
        PricedItem(STAPLE, _l("Agrafe, par document"), STAPLE_PRICE),
        PricedItem(TYPED_ADDRESS, _l("Saisie de l'adresse du destinataire"), TYPED_ADDRESS_PRICE),
        PricedItem(
            FIRST_DOCUMENT_ADDRESS,
            _l("Adresse reprise du premier document"),
            FIRST_DOCUMENT_ADDRESS_PRICE,
            discount=True,
        ),
    ]
    return items


@dataclass(frozen=True)
class Quote:
    """A mail's price: its lines (amounts incl. VAT, a discount negative) and their total."""

    lines: list[PriceLine]
    total_cents: int

    @classmethod
    def of(cls, lines: list[PriceLine]) -> Quote:
        return cls(lines, sum(line.amount_cents for line in lines))


def _line(item: PricedItem, count: int, label: str) -> PriceLine:
    return PriceLine(item.code, label, item.price_cents * count, item.vat_rate_bp)


def quote(
    tenant,
    *,
    mode: rules.Mode | str,
    colour: bool,
    sheets_per_envelope: tuple[int, ...] | list[int],
    staples: int = 0,
    recipient_source: str = RecipientSource.NONE,
) -> Quote:
    """The price of a mail of ``mode`` whose envelopes hold ``sheets_per_envelope`` sheets each
    (the address-carrier page included when the address is typed: it weighs, but the typed
    address's line pays for it), with ``staples`` stapled documents, on ``tenant``'s grid. One
    line per kind: printing, envelopes, postage per weight band, staples, the address line."""
    mode = rules.Mode(mode)
    counts = [int(n) for n in sheets_per_envelope]
    if not counts or min(counts) < 1:
        raise ValueError("a mail has at least one envelope of at least one sheet")
    prices = price_list(tenant)
    typed = recipient_source == RecipientSource.TYPED
    lines: list[PriceLine] = []

    printed = sum(counts) - (1 if typed else 0)
    if printed > 0:
        sheet = prices[SHEET_COLOUR if colour else SHEET_BW]
        label = (
            ngettext(
                "Impression couleur, %(num)d feuille",
                "Impression couleur, %(num)d feuilles",
                printed,
            )
            if colour
            else ngettext(
                "Impression noir et blanc, %(num)d feuille",
                "Impression noir et blanc, %(num)d feuilles",
                printed,
            )
        )
        lines.append(_line(sheet, printed, label))

    # One kind of envelope per mail (rules.envelope_plan): small for one of up to 5 sheets.
    kind = (
        rules.Envelope.SMALL
        if len(counts) == 1 and counts[0] <= rules.ENVELOPE_SHEETS[rules.Envelope.SMALL]
        else rules.Envelope.LARGE
    )
    envelope = prices[ENVELOPE[kind]]
    lines.append(_line(envelope, len(counts), _envelope_label(kind, len(counts))))

    bands = Counter(
        rules.weight_band(n * rules.SHEET_GRAMS + rules.ENVELOPE_GRAMS[kind]) for n in counts
    )
    for band in sorted(bands):
        number = bands[band]
        label = _(
            "Affranchissement %(mode)s, jusqu'à %(grams)s g", mode=_MODE_NAMES[mode], grams=band
        )
        if number > 1:
            label = _("%(label)s × %(num)d", label=label, num=number)
        lines.append(_line(prices[postage_code(mode, band)], number, label))

    if staples > 0:
        label = ngettext("Agrafage, %(num)d document", "Agrafage, %(num)d documents", staples)
        lines.append(_line(prices[STAPLE], staples, label))

    if typed:
        item = prices[TYPED_ADDRESS]
        lines.append(_line(item, 1, _("Saisie de l'adresse du destinataire")))
    elif recipient_source == RecipientSource.DETECTED:
        item = prices[FIRST_DOCUMENT_ADDRESS]
        lines.append(_line(item, 1, _("Adresse reprise du premier document")))
    return Quote.of(lines)


def _envelope_label(kind: rules.Envelope, count: int) -> str:
    if kind is rules.Envelope.SMALL:
        return ngettext(
            "Mise sous pli, %(num)d enveloppe DL", "Mise sous pli, %(num)d enveloppes DL", count
        )
    return ngettext(
        "Mise sous pli, %(num)d enveloppe C4", "Mise sous pli, %(num)d enveloppes C4", count
    )


def mail_quote(mail, preflight=None) -> Quote | None:
    """The price of ``mail`` as it stands on its tenant's grid, or None while its pre-flight
    checks fail (``preflight``: one already run, else run here). Its tenant, not the request's:
    the sending and other plugins' jobs ask too."""
    from plugins.paper_mail import checks
    from portal.core.tenants import tenant_directory

    if preflight is None:
        preflight = checks.preflight(mail)
    if not preflight.ok or preflight.plan is None:
        return None
    return quote(
        tenant_directory().by_id(mail.tenant_id),
        mode=mail.mode,
        colour=mail.colour,
        sheets_per_envelope=preflight.plan.sheets_per_envelope,
        staples=staples_of(mail),
        recipient_source=mail.recipient_source,
    )


def staples_of(mail) -> int:
    """Staples of a mail: one per stapled document (« autant d'agrafes que de documents »)."""
    return sum(1 for document in mail.documents if document.staple)
