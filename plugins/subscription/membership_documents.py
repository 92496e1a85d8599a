"""The membership documents: the « Bulletin individuel d'adhésion » (BIA) and the « Mandat de
prélèvement SEPA », as PDFs laid out from ``subscription/pdf/membership_*.html``; the paper
membership form (a quote's BIA with blank lines for what the client writes by hand) for a client
without an email. Always in French: contractual documents of a French insurer."""

from __future__ import annotations

from datetime import date

from plugins.subscription import rules
from plugins.subscription.models import Contract, Quote
from plugins.subscription.products import product_of
from portal.core import clock
from portal.core.pdf import render_pdf
from portal.extensions import db

LOCALE = "fr"
MEMBERSHIP_FILENAME = "Bulletin individuel d'adhesion.pdf"
SEPA_FILENAME = "Mandat SEPA.pdf"


def agent_of(row) -> dict:
    """The agent who proposed the quote: the agency's name, the profile's name and email."""
    from portal.core.accounts.models import Account, Profile

    account = db.session.get(Account, row.account_id)
    profile = db.session.get(Profile, row.managed_by_id) if row.managed_by_id else None
    agency = (account.display_name if account is not None else "") or ""
    return {
        "agency": agency,
        "name": profile.name if profile is not None else agency,
        "email": (profile.email if profile is not None else None)
        or (account.email if account else None),
        "phone": (profile.phone if profile is not None else None)
        or (account.phone if account else ""),
        "orias": account.orias if account is not None else None,
    }


def _household(quote: Quote) -> list[dict]:
    needs = quote.needs or {}
    people = [{"role": "Assuré principal", "birth_date": needs.get("birth_date")}]
    if needs.get("spouse_birth_date"):
        people.append({"role": "Conjoint", "birth_date": needs["spouse_birth_date"]})
    for rank in range(1, int(needs.get("children") or 0) + 1):
        people.append({"role": f"Enfant {rank}", "birth_date": None})
    for person in people:
        value = person["birth_date"]
        person["birth_date"] = date.fromisoformat(value).strftime("%d/%m/%Y") if value else ""
    return people


def _context(row: Contract | Quote, tenant, *, paper: bool) -> dict:
    quote = row.quote if isinstance(row, Contract) else row
    product = product_of(tenant, row.product_code)
    formula = product.formula(row.formula_code) if product else None
    options = [product.option(code) for code in (row.options or [])] if product else []
    settings = tenant.settings_for("subscription")
    contract = row if isinstance(row, Contract) else None
    return {
        "contract": contract,
        "quote": quote,
        "client": row.client,
        "civility": rules.CIVILITIES.get(row.client.civility, ""),
        "product": product,
        "formula": formula,
        "options": [option for option in options if option is not None],
        "household": _household(quote),
        "regime": rules.REGIMES.get((quote.needs or {}).get("regime", ""), ""),
        "contract_number": rules.contract_number(contract.prefix, contract.number)
        if contract
        else "",
        "quote_number": rules.quote_number(quote.prefix, quote.number, quote.version),
        "agent": agent_of(row),
        "paper": paper,
        "creditor_id": settings.sepa_creditor_id,
        "debit_day": contract.debit_day if contract else settings.debit_day,
        "today": clock.today(tenant),
        "signature_note": bool(contract and contract.signature_state != "by_hand"),
        "iban_formatted": iban_formatted,
    }


def iban_formatted(iban: str) -> str:
    """« FR76 3000 6000 0112 3456 7890 189 »."""
    compact = (iban or "").replace(" ", "")
    return " ".join(compact[index : index + 4] for index in range(0, len(compact), 4))


def iban_masked(iban: str) -> str:
    """« FR76 **** **** **** **** ***0 189 »: the country, the key and the last four."""
    compact = (iban or "").replace(" ", "")
    if len(compact) < 9:
        return compact
    hidden = compact[:4] + "*" * (len(compact) - 8) + compact[-4:]
    return iban_formatted(hidden)


def membership_form_pdf(row: Contract | Quote, tenant, *, paper: bool = False) -> bytes:
    """The « Bulletin individuel d'adhésion » of a contract (what the client gave), or with
    ``paper`` of a quote: pre-filled with the quote, blank lines for the social-security number,
    the bank details and the signature."""
    return render_pdf(
        "subscription/pdf/membership_form.html",
        tenant=tenant,
        locale=LOCALE,
        **_context(row, tenant, paper=paper or not isinstance(row, Contract)),
    )


def sepa_mandate_pdf(row: Contract | Quote, tenant) -> bytes:
    """The « Mandat de prélèvement SEPA » of a contract (its RUM, the creditor, the debtor);
    for a quote, with blank lines for the bank details."""
    return render_pdf(
        "subscription/pdf/membership_sepa.html",
        tenant=tenant,
        locale=LOCALE,
        **_context(row, tenant, paper=not isinstance(row, Contract)),
    )


def product_pdf(tenant, product, kind: str) -> bytes:
    """A product document as a PDF (the products helper's, else its text laid out here)."""
    try:
        from plugins.subscription.product_documents import document_pdf
    except ImportError:
        document_pdf = None
    if document_pdf is not None:
        return document_pdf(tenant, product, kind)
    document = product.documents[kind]
    return render_pdf(
        "subscription/pdf/membership_text.html",
        tenant=tenant,
        locale=LOCALE,
        document=document,
        blocks=text_blocks(document.text),
        product=product,
    )


def text_blocks(text: str) -> list[tuple[str, str]]:
    """A product document's text as ``(kind, text)`` blocks: « heading » (a line starting with
    « # ») or « paragraph »."""
    blocks = []
    for part in (text or "").split("\n\n"):
        part = part.strip()
        if not part:
            continue
        for line in part.splitlines() if part.startswith("#") else [part]:
            if line.startswith("#"):
                blocks.append(("heading", line.lstrip("#").strip()))
            elif line.strip():
                blocks.append(("paragraph", " ".join(line.split())))
    return blocks
