"""The termination letter itself: its on-screen preview and its PDF, from one template.

``render_letter_html(letter)`` gives the HTML fragment shown on the letter's page and in the
wizard (it follows the wizard as it fills: a transient, incomplete ``Letter`` shows discreet
placeholders such as « [Nom du souscripteur] » where a value is missing); ``letter_pdf(letter)``
the PDF sent to the insurer. Both are always in French, whatever the interface's language, and
both render ``resiliation/document/_letter.html`` (the content) with
``resiliation/document/letter.css`` (the stylesheet): the screen in a sheet
(``sheet.html``), the PDF in the core's base letter (``letter.html`` extends ``pdf/letter.html``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from markupsafe import Markup

from plugins.resiliation.models import Letter, MandateKind
from plugins.resiliation.rules import (
    CONTRACT_TYPE_LABELS,
    DATED_BY_EFFECT,
    REASON_LABELS,
    VEHICLES,
    ContractType,
    Reason,
    Sender,
)
from portal.core import clock
from portal.extensions import db

LOCALE = "fr"  # the letter is French whatever the interface's language
SHEET_TEMPLATE = "resiliation/document/sheet.html"
PDF_TEMPLATE = "resiliation/document/letter.html"

CIVILITIES = {"M": "Monsieur", "Mme": "Madame"}


@dataclass
class Person:
    """One subscriber as the letter names them: « Monsieur Dupont Jean » or « la société X »."""

    name: str  # "" when not typed yet (the template shows a placeholder)
    feminine: bool = False
    company: bool = False
    siret: str = ""


@dataclass
class ContractBlock:
    """The bullet block of one contract (values already formatted; "" when missing)."""

    reference: str
    type_label: str
    main_due_date: str
    registration: str
    property_address: str
    new_insurer: str
    new_reference: str
    vehicle: bool


@dataclass
class LetterDocument:
    """Everything the template prints, computed once (in French) from a letter."""

    reference: str
    platform: bool
    sender_name: str
    sender_lines: list[str]
    recipient_name: str
    recipient_lines: list[str]
    letter_date: date
    subscribers: list[Person]
    address_lines: list[str]
    contracts: list[ContractBlock]
    reason: str  # the Reason's value, or "" when not chosen yet
    reason_text: str  # its label, or the custom reason's text
    effective_date: date | None
    event_date: date | None
    vehicle_count: int
    acknowledgement_email: str
    mandate: str  # "", "hand" or "electronic"
    added_text: str

    @property
    def plural_subscribers(self) -> bool:
        return len(self.subscribers) > 1

    @property
    def contract_count(self) -> int:
        return max(len(self.contracts), 1)


def render_letter_html(letter: Letter, *, tenant=None) -> Markup:
    """The letter as an HTML fragment for the screen (a sheet with its own scoped styles).

    ``letter`` may be stored or transient (not in the session, still incomplete while the wizard
    fills it). ``tenant`` defaults to the letter's (the current request's when it has none)."""
    from portal.core.pdf.render import render_pdf_html

    tenant = _tenant_of(letter, tenant)
    html = render_pdf_html(
        SHEET_TEMPLATE, tenant=tenant, locale=LOCALE, doc=_document(letter, tenant)
    )
    return Markup(html)  # noqa: S704 - an autoescaped template's output


def letter_html(letter: Letter, *, tenant=None) -> str:
    """The whole HTML page the PDF is made from (the benchmark renders it alone)."""
    from portal.core.pdf.render import render_pdf_html

    tenant = _tenant_of(letter, tenant)
    return render_pdf_html(
        PDF_TEMPLATE, tenant=tenant, locale=LOCALE, **_pdf_context(letter, tenant)
    )


def letter_pdf(letter: Letter, *, tenant=None) -> bytes:
    """The letter's PDF (A4, the tenant's fonts and colours), in French."""
    from portal.core.pdf.render import render_pdf

    tenant = _tenant_of(letter, tenant)
    return render_pdf(PDF_TEMPLATE, tenant=tenant, locale=LOCALE, **_pdf_context(letter, tenant))


def pdf_filename(letter: Letter) -> str:
    """« lettre-RES-7K3M9Q2X4T.pdf »."""
    return f"lettre-{letter.reference or 'resiliation'}.pdf"


# --- building the document ----------------------------------------------------------------------


def _tenant_of(letter: Letter, tenant):
    if tenant is not None:
        return tenant
    from flask import g, has_request_context

    current = g.get("tenant") if has_request_context() else None
    if current is not None and (letter.tenant_id is None or letter.tenant_id == current.id):
        return current
    from portal.core.tenants import active_tenant_id
    from portal.core.tenants.resolver import tenant_directory

    tenant_id = letter.tenant_id or active_tenant_id()
    found = tenant_directory().by_id(tenant_id) if tenant_id else None
    if found is None:
        raise LookupError("the letter's tenant is unknown")
    return found


def _pdf_context(letter: Letter, tenant) -> dict:
    doc = _document(letter, tenant)
    return {"doc": doc, "subject": None, "reference": None, "letter_date": doc.letter_date}


def _document(letter: Letter, tenant) -> LetterDocument:
    from portal.core.i18n import force_locale

    with force_locale(LOCALE), db.session.no_autoflush:
        return _build(letter, tenant)


def _text(value) -> str:
    return str(value or "").strip()


def _as_date(value) -> date | None:
    """A date from what a letter being filled may hold (a date, an ISO string), else None."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def _build(letter: Letter, tenant) -> LetterDocument:
    from portal.core.accounts.letterhead import letterhead_lines

    account, profile = _owner(letter)
    platform = letter.sender == Sender.PLATFORM
    legal = tenant.config.legal
    if platform:
        sender_name = legal.entity
        sender_lines = [line for line in _text(legal.address).splitlines() if line.strip()]
    elif account is not None:
        sender_name = account.display_name
        lines = letterhead_lines(account)
        sender_lines = lines[1:] if lines and lines[0] == sender_name else lines
    else:
        sender_name, sender_lines = "", []

    reason = _reason(letter.reason)
    if reason is Reason.CUSTOM:
        reason_text = _text(letter.custom_reason)
    elif reason is not None:
        reason_text = str(REASON_LABELS[reason])
    else:
        reason_text = ""

    contracts = [_contract(c) for c in (letter.contracts or [])]
    email = _text(profile.email if profile is not None else "") or _text(
        account.email if account is not None else ""
    )
    mandate = (
        letter.mandate_kind
        if letter.mandate_kind in (MandateKind.HAND_SIGNED, MandateKind.ELECTRONIC)
        else ""
    )
    return LetterDocument(
        reference=_text(letter.reference),
        platform=platform,
        sender_name=_text(sender_name),
        sender_lines=sender_lines,
        recipient_name=_text(letter.recipient_name),
        recipient_lines=_address(
            letter.recipient_street,
            letter.recipient_complement,
            letter.recipient_postal_code,
            letter.recipient_city,
        ),
        letter_date=_as_date(letter.send_date) or clock.today(tenant),
        subscribers=_subscribers(letter),
        address_lines=_address(letter.street, letter.complement, letter.postal_code, letter.city),
        contracts=contracts,
        reason=reason.value if reason is not None else "",
        reason_text=reason_text,
        effective_date=_as_date(letter.effective_date) if reason in DATED_BY_EFFECT else None,
        event_date=_as_date(getattr(letter, "event_date", None)),
        vehicle_count=sum(1 for c in contracts if c.vehicle),
        acknowledgement_email=email,
        mandate=mandate,
        added_text=_text(letter.added_text),
    )


def _owner(letter: Letter):
    """The letter's account and managing profile (the current ones for a letter not stamped)."""
    from portal.core.accounts.models import Account, Profile
    from portal.core.accounts.session import current_account, current_profile

    account = db.session.get(Account, letter.account_id) if letter.account_id else None
    profile = db.session.get(Profile, letter.managed_by_id) if letter.managed_by_id else None
    if account is None:
        from flask import has_request_context

        if has_request_context():
            account = current_account()
            profile = profile or current_profile()
    return account, profile


def _reason(value) -> Reason | None:
    if not value:
        return None
    try:
        return Reason(value)
    except ValueError:
        return None


def _address(street, complement, postal_code, city) -> list[str]:
    last = " ".join(p for p in (_text(postal_code), _text(city)) if p)
    return [x for x in (_text(street), _text(complement), last) if x]


def _person(civility, last_name, first_name) -> Person:
    name = " ".join(p for p in (_text(last_name), _text(first_name)) if p)
    title = CIVILITIES.get(_text(civility), "")
    return Person(name=f"{title} {name}" if title and name else name, feminine=civility == "Mme")


def format_siret(siret: str) -> str:
    """``73282932000074`` → ``732 829 320 00074`` (no-break spaces: never cut across lines)."""
    digits = _text(siret).replace(" ", "")
    if len(digits) == 14 and digits.isdigit():
        return "\u00a0".join((digits[:3], digits[3:6], digits[6:9], digits[9:]))
    return digits


def _subscribers(letter: Letter) -> list[Person]:
    if letter.professional:
        first = Person(
            name=_text(letter.company_name),
            feminine=True,
            company=True,
            siret=format_siret(letter.siret),
        )
    else:
        first = _person(letter.civility, letter.last_name, letter.first_name)
    people = [first]
    if _text(letter.co_last_name):
        people.append(_person(letter.co_civility, letter.co_last_name, letter.co_first_name))
    return people


def _contract(contract) -> ContractBlock:
    kind = None
    if contract.contract_type:
        try:
            kind = ContractType(contract.contract_type)
        except ValueError:
            kind = None
    if kind is ContractType.OTHER and _text(contract.other_type):
        label = _text(contract.other_type)
    else:
        label = str(CONTRACT_TYPE_LABELS[kind]) if kind is not None else ""
    due = _as_date(contract.main_due_date)
    return ContractBlock(
        reference=_text(contract.reference),
        type_label=label,
        main_due_date=due.strftime("%d/%m/%Y") if due else "",
        registration=_text(contract.registration) if kind in VEHICLES else "",
        property_address=_text(contract.property_address),
        new_insurer=_text(contract.new_insurer),
        new_reference=_text(contract.new_reference),
        vehicle=kind in VEHICLES,
    )
