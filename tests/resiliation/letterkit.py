"""Helpers of the resiliation tests: a directory insurer and a written letter, made directly in
the database (each test module imports this kit by name, never copies it)."""

from __future__ import annotations

import html
import re
import uuid
from datetime import date, timedelta

from plugins.resiliation.models import Letter, LetterContract
from plugins.resiliation.rules import ContractType, Reason
from portal.core.directory.kinds import EntryKind
from portal.core.directory.models import DirectoryEntry
from portal.core.directory.search import search_key
from portal.core.references import new_reference
from portal.core.tenants import tenant_scope
from portal.core.verification.models import DocumentKind, DocumentStatus, ProfessionalDocument
from portal.extensions import db

MAAF = {
    "name": "MAAF Assurances",
    "street": "Chaban de Chauray",
    "postal_code": "79036",
    "city": "NIORT CEDEX 9",
    "lre_email": "resiliation@maaf.example",
    "recipient_identified": True,
}


def make_insurer(app, tenant_id: int, **fields) -> int:
    """A directory insurer of the tenant (MAAF's fictional addresses unless told); its id."""
    values = {**MAAF, **fields}
    with app.app_context(), tenant_scope(tenant_id):
        entry = DirectoryEntry(
            kind=values.pop("kind", EntryKind.INSURER),
            search_key=search_key(values["name"]),
            **values,
        )
        db.session.add(entry)
        db.session.commit()
        return entry.id


def make_letter(app, account, *, contracts: list[dict] | None = None, **fields) -> int:
    """A written letter (state draft, to finish) of ``account`` (an ``AccountRef``), managed by its
    holder: « Monsieur Jean Dupont » to MAAF for its main due date, one health contract unless
    ``contracts`` (dicts of ``LetterContract`` columns) say otherwise; its id."""
    insurer_id = fields.pop("insurer_id", None) or make_insurer(
        app, account.tenant_id, name=f"MAAF Assurances {uuid.uuid4().hex[:8]}"
    )
    with app.app_context(), tenant_scope(account.tenant_id):
        insurer = db.session.get(DirectoryEntry, insurer_id)
        values = {
            "civility": "M",
            "last_name": "Dupont",
            "first_name": "Jean",
            "street": "2 rue des fleurs",
            "postal_code": "38000",
            "city": "GRENOBLE",
            "email": "jean.dupont@example.org",
            "reason": Reason.MAIN_DUE_DATE,
            **fields,
        }
        letter = Letter(
            reference=new_reference("RES-", Letter.reference),
            account_id=account.id,
            managed_by_id=account.holder_profile_id,
            insurer_id=insurer.id,
            recipient_name=insurer.name,
            recipient_street=insurer.street,
            recipient_postal_code=insurer.postal_code,
            recipient_city=insurer.city,
            recipient_email=insurer.lre_email,
            recipient_identified=insurer.recipient_identified,
            **values,
        )
        for position, contract in enumerate(
            contracts
            or [
                {
                    "contract_type": ContractType.HEALTH,
                    "reference": "1234",
                    "main_due_date": date(2021, 7, 1),
                }
            ]
        ):
            letter.contracts.append(LetterContract(position=position, **contract))
        db.session.add(letter)
        db.session.commit()
        return letter.id


def verified(app, account) -> None:
    """``account`` has a verified ORIAS certificate valid for 90 days (the agency may attach or
    not attach the mandate)."""
    with app.app_context(), tenant_scope(account.tenant_id):
        db.session.add(
            ProfessionalDocument(
                account_id=account.id,
                kind=DocumentKind.ORIAS_CERTIFICATE,
                storage_key=f"tenants/{account.tenant_id}/orias.pdf",
                filename="orias.pdf",
                content_type="application/pdf",
                size=10,
                status=DocumentStatus.APPROVED,
                expires_on=date.today() + timedelta(days=90),
            )
        )
        db.session.commit()


# --- reading a page as its user does ------------------------------------------------------------


def text(response) -> str:
    page = response.get_data(as_text=True)
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    plain = html.unescape(re.sub(r"<[^>]+>", " ", page))
    return re.sub(r"\s+", " ", plain.replace("\xa0", " ").replace("\u202f", " "))


def error_of(response, field: str) -> str:
    """The error shown next to ``field`` (empty when none)."""
    found = re.search(
        rf'<p class="error" id="{field}-error">(.*?)</p>', response.get_data(as_text=True), re.S
    )
    return html.unescape(found.group(1)).strip() if found else ""


def value_of(response, field: str) -> str | None:
    page = response.get_data(as_text=True)
    tag = re.search(rf'<input[^>]*\bname="{field}"[^>]*>', page)
    if tag is None:
        area = re.search(rf'<textarea[^>]*\bname="{field}"[^>]*>(.*?)</textarea>', page, re.S)
        return html.unescape(area.group(1)).strip() if area else None
    found = re.search(r'\bvalue="([^"]*)"', tag.group(0))
    return html.unescape(found.group(1)) if found else ""
