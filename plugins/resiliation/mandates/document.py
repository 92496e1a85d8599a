"""The pre-filled termination mandate (« mandat de résiliation ») as a PDF, always in French:
the subscriber(s) give the mandatary — the agency, or the platform's legal entity when the
platform sends — the mandate to terminate the letter's contracts and to send the letter by
electronic registered mail."""

from __future__ import annotations

from plugins.resiliation.rules import (
    CONTRACT_TYPE_LABELS,
    DATED_BY_EFFECT,
    REASON_LABELS,
    ContractType,
    Reason,
    Sender,
)
from portal.core import clock
from portal.core.accounts.letterhead import format_orias
from portal.core.accounts.models import Account
from portal.core.i18n import force_locale
from portal.extensions import db

CIVILITIES = {"M": "Monsieur", "Mme": "Madame"}
FILENAME = "mandat-de-resiliation.pdf"


def person(civility: str, last_name: str, first_name: str) -> str:
    """« Monsieur Jean Dupont »."""
    parts = [CIVILITIES.get(civility, ""), first_name.strip(), last_name.strip()]
    return " ".join(part for part in parts if part)


def subscribers(letter) -> list[str]:
    """The people who sign: the subscriber (the company's representative) and the co-subscriber."""
    names = [person(letter.civility, letter.last_name, letter.first_name)]
    if letter.has_co_subscriber:
        names.append(person(letter.co_civility, letter.co_last_name, letter.co_first_name))
    return names


def address_lines(letter) -> list[str]:
    last = " ".join(p for p in (letter.postal_code, letter.city) if p)
    return [x for x in (letter.street, letter.complement, last) if x]


def mandatary(letter, tenant) -> dict:
    """Who receives the mandate: the agency (commercial name, address, ORIAS) or, when the
    platform sends, the tenant's legal entity."""
    if letter.sender == Sender.PLATFORM:
        legal = tenant.config.legal
        lines = [legal.address] if legal.address else []
        if legal.registration:
            lines.append(legal.registration)
        return {"name": legal.entity or tenant.name, "lines": lines, "platform": True}
    account = db.session.get(Account, letter.account_id)
    lines = [account.address]
    if account.address2:
        lines.append(account.address2)
    lines.append(f"{account.postal_code} {account.city}")
    if account.orias:
        lines.append(f"N° ORIAS : {format_orias(account.orias)}")
    return {
        "name": account.commercial_name,
        "lines": [line.strip() for line in lines if line and line.strip()],
        "platform": False,
    }


def contract_rows(letter) -> list[dict]:
    rows = []
    for contract in letter.contracts:
        label = str(CONTRACT_TYPE_LABELS[ContractType(contract.contract_type)])
        if contract.contract_type == ContractType.OTHER and contract.other_type:
            label = f"{label} : {contract.other_type}"
        rows.append(
            {
                "type": label,
                "reference": contract.reference,
                "registration": contract.registration,
                "main_due_date": contract.main_due_date,
            }
        )
    return rows


def context(letter, tenant, *, electronic: bool = False) -> dict:
    with force_locale("fr"):
        reason = str(REASON_LABELS[letter.reason])
        if letter.custom_reason and letter.reason == Reason.CUSTOM:
            reason = f"{reason} : {letter.custom_reason}"
        return {
            "letter": letter,
            "signers": subscribers(letter),
            "plural": letter.has_co_subscriber,
            "address": address_lines(letter),
            "mandatary": mandatary(letter, tenant),
            "contracts": contract_rows(letter),
            "reason": reason,
            "place": letter.city,
            "today": clock.today(tenant),
            "electronic": electronic,
            "new_contract": letter.reason in DATED_BY_EFFECT,
            "new_insurers": sorted({c.new_insurer for c in letter.contracts if c.new_insurer}),
        }


def mandate_pdf(letter, tenant, *, electronic: bool = False) -> bytes:
    """The mandate to print and sign by hand, or (``electronic``) the one the subscriber(s)
    sign electronically (the engine adds each signature block)."""
    from portal.core.pdf.render import render_pdf

    return render_pdf(
        "resiliation/mandates/pdf/mandate.html",
        tenant=tenant,
        locale="fr",
        **context(letter, tenant, electronic=electronic),
    )
