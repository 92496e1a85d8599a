"""Every back-office page reads in French (issue 12, point 7): no stored code (``approved``,
``orias_certificate``, ``amount_cents``), no ``True``/``False``/``None``, no English word.

The test walks the URL map: every ``backoffice.*`` page answering GET is rendered with real ids
of a seeded back office (accounts of each kind, profiles active, inactive and erased, documents
in each state, credit movements, a mandate register, conversations, decided sign-up requests,
an audit log written by the real operations), as an admin. A URL value is resolved from what the
page's handler loads (``@handler(load=…)``): the seeded row of that model, else any row, else
the page is left out (listed on failure of the minimum set below). The words are checked in what
a reader sees: the text of the page and its ``aria-label``/``title``/``alt``/``placeholder``
attributes — not in ``data-*`` attributes, nor in ``<code>`` (file keys and commands an operator
types, e.g. a tenant's settings).
"""

from __future__ import annotations

import html
import re
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
from bokit import make_account
from sqlalchemy import select
from webkit import PDF_BYTES, png_bytes

from portal.core import audit
from portal.core.accounts.models import Account, AccountStatus, Profile
from portal.core.backoffice import account_actions
from portal.core.backoffice.models import StaffRole, StaffUser
from portal.core.storage import storage
from portal.core.storage.base import tenant_key
from portal.core.tenants import tenant_scope, unscoped
from portal.core.verification import review
from portal.core.verification.models import (
    DocumentKind,
    PlatformMandate,
    ProfessionalDocument,
)
from portal.extensions import db

# Stored codes and English words that must never reach the reader of a French page.
FORBIDDEN_WORDS = {
    # Python values printed as they are
    "True",
    "False",
    "None",
    # statuses and states
    "pending",
    "approved",
    "rejected",
    "invited",
    "closing",
    "closed",
    "requested",
    "received",
    "answered",
    "executed",
    "verified",
    "failed",
    "started",
    # kinds and roles
    "agency",
    "member",
    "farmer",
    "employer",
    "individual",
    "visitor",
    "staff",
    "system",
    "purchase",
    "refund",
    "adjustment",
    "payout",
    "statutes",
    "kbis",
    # English words of an interface
    "tenant",
    "tenants",
    "Tenant",
    "Tenants",
    "plugin",
    "plugins",
    "Back office",
    "back office",
    "Dashboard",
    "Settings",
    "Login",
    "Logout",
    "Save",
    "Cancel",
    "Submit",
    "Search",
    "Yes",
    "Status",
    "Email",
    "Account",
    "Accounts",
    "Balance",
    "Amount",
    "Date of",
}
# snake_case identifiers (``orias_certificate``, ``pending_approval``, ``amount_cents``).
SNAKE_CASE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
# Audit actions and endpoints as stored (``account.signup_approved``).
DOTTED_CODE = re.compile(
    r"\b(?:account|backoffice|staff|credits|messaging|verification|onboarding|billing)"
    r"\.[a-z_]+\b"
)
# Pages that are files, not text.
NOT_PAGES = {"backoffice.favicon", "backoffice.stylesheet"}
# The pages the seeded back office must reach (others are walked when their rows exist).
MUST_RENDER = {
    "backoffice.dashboard",
    "backoffice.accounts",
    "backoffice.account",
    "backoffice.account_edit",
    "backoffice.profile_erase",
    "backoffice.mandate_record",
    "backoffice.signup_requests",
    "backoffice.signup_reject",
    "backoffice.invite",
    "backoffice.tenants",
    "backoffice.tenant",
    "backoffice.audit",
    "backoffice.verification_queue",
    "backoffice.verification_document",
    "backoffice.credit_accounts",
    "backoffice.credit_adjust",
    "backoffice.messaging_inbox_tenants",
    "backoffice.messaging_inbox",
    "backoffice.messaging_conversation",
}

ATTRIBUTES = re.compile(r'\s(?:aria-label|title|alt|placeholder)="([^"]*)"')


def reader_text(page: str) -> str:
    """What a reader of ``page`` sees or hears: its text and its labelling attributes."""
    page = re.sub(r"<(script|style|code|pre)\b.*?</\1>", " ", page, flags=re.S | re.I)
    page = re.sub(r"<svg\b.*?</svg>", " ", page, flags=re.S | re.I)
    attributes = " ".join(ATTRIBUTES.findall(page))
    text = re.sub(r"<[^>]+>", " ", page)
    return html.unescape(f"{text} {attributes}")


def faults(page: str) -> list[str]:
    text = reader_text(page)
    found = [
        word
        for word in FORBIDDEN_WORDS
        if re.search(rf"(?<![\w@.-]){re.escape(word)}(?![\w@-]|\.[a-z])", text)
    ]
    found += SNAKE_CASE.findall(text) + DOTTED_CODE.findall(text)
    return sorted(set(found))


def test_the_checker_sees_what_a_reader_sees():
    assert faults("<p>Statut : approved</p>") == ["approved"]
    assert faults('<td data-status="approved">Validé</td>') == []
    assert faults("<p>orias_certificate</p><p>None</p>") == ["None", "orias_certificate"]
    assert faults('<button aria-label="Refund">Rembourser</button>') == []
    assert faults('<a title="pending">x</a>') == ["pending"]
    assert faults("<p><code>idle_timeout_minutes</code></p>") == []
    assert "account.signup_approved" in faults(
        "<p>jean.pending@agence.fr account.signup_approved</p>"
    )
    assert faults("<p>jean.pending@agence.fr, approbation</p>") == []


# --- the seeded back office ----------------------------------------------------------------------


def _store(tenant_id: int, name: str, data: bytes, content_type: str) -> str:
    key = tenant_key(tenant_id, "readable-pages", name)
    storage().put(key, data, content_type)
    return key


def _document(tenant_id: int, account_id: int, kind, name: str, data: bytes, content_type: str):
    document = ProfessionalDocument(
        account_id=account_id,
        kind=kind,
        storage_key=_store(tenant_id, name, data, content_type),
        filename=name,
        content_type=content_type,
        size=len(data),
    )
    db.session.add(document)
    db.session.flush()
    return document


@pytest.fixture
def seeded(app, tenant_ids, make_staff):
    """A back office with something of everything; returns the ids the walk prefers."""
    sys.path.insert(0, str(Path(__file__).parents[1] / "messaging_backoffice"))
    import mbokit

    admin = make_staff(StaffRole.ADMIN, name="Nadia Admin")
    resilimo, msr, horizon = (tenant_ids[s] for s in ("resilimo", "msr", "horizon"))
    with app.app_context():
        agency_id = make_account(
            resilimo,
            commercial_name="Agence Lumière",
            orias="12345678",
            siren="732829320",
            mobile="+33612345678",
        )
        closing_id = make_account(
            resilimo, commercial_name="Cabinet Ancien", status=AccountStatus.CLOSING
        )
        pending_id = make_account(
            msr,
            status=AccountStatus.PENDING_APPROVAL,
            commercial_name="",
            first_name="Paul",
            last_name="Moreau",
            category="farmer",
        )
        approved_id = make_account(
            msr, status=AccountStatus.PENDING_APPROVAL, commercial_name="", category="employer"
        )
        rejected_id = make_account(
            msr, status=AccountStatus.PENDING_APPROVAL, commercial_name="", category="individual"
        )
        make_account(
            horizon, commercial_name="Point de vente Horizon", status=AccountStatus.INVITED
        )
    with app.app_context(), unscoped():
        staff = db.session.get(StaffUser, admin.id)
        agency = db.session.get(Account, agency_id)
        # Profiles: active, inactive, erased.
        with tenant_scope(resilimo):
            active = Profile(account=agency, name="Léa Martin", email="lea@agence-lumiere.fr")
            inactive = Profile(account=agency, name="Hugo Petit", email="hugo@agence-lumiere.fr")
            erased = Profile(account=agency, name="Inès Roux", email="ines@agence-lumiere.fr")
            db.session.add_all([active, inactive, erased])
            db.session.flush()
        account_actions.set_profile_active(inactive, staff, False)
        account_actions.erase_profile(erased, staff)
        # Documents: a PDF waiting, an image approved, a PDF rejected.
        with tenant_scope(resilimo):
            waiting = _document(
                resilimo,
                agency_id,
                DocumentKind.ORIAS_CERTIFICATE,
                "orias.pdf",
                PDF_BYTES,
                "application/pdf",
            )
            image = _document(
                resilimo, agency_id, DocumentKind.KBIS, "kbis.png", png_bytes(), "image/png"
            )
            refused = _document(
                resilimo,
                agency_id,
                DocumentKind.STATUTES,
                "statuts.pdf",
                PDF_BYTES,
                "application/pdf",
            )
        review.approve_document(image, staff, date.today() + timedelta(days=300))
        review.reject_document(refused, staff, "Document illisible")
        with tenant_scope(resilimo):
            db.session.add(
                PlatformMandate(
                    account_id=agency_id,
                    signer_name="Camille Durand",
                    text="Mandat",
                    text_sha256="0" * 64,
                    signed_at=agency.created_at,
                )
            )
        account_actions.record_mandate(
            agency,
            staff,
            event="requested",
            channel="help_request",
            occurred_on=date.today(),
            person="Camille Durand (titulaire)",
            note="M-000001",
        )
        # Details changed after a help request; credit adjusted by an operator.
        account_actions.change_details(
            agency, staff, {"city": "Lyon", "postal_code": "69006"}, "Demande d'aide M-000001"
        )
        from portal.core.credits.billing import operations as billing

        billing.adjust_credit(agency, staff, 2500, "Geste commercial", "readable-1")
        closing = db.session.get(Account, closing_id)
        billing.adjust_credit(closing, staff, 6000, "Avoir", "readable-2")
        _refund_requested(closing)
        _letter_sent(agency)
        # Sign-up requests decided; one still waits.
        account_actions.approve(db.session.get(Account, approved_id), staff)
        account_actions.reject(db.session.get(Account, rejected_id), staff, "Hors du territoire")
        # What the accounts did, as their operations record it.
        audit.record(
            "account.signup",
            **audit.by_account(db.session.get(Account, pending_id)),
            target=db.session.get(Account, pending_id),
            mode="approval",
        )
        db.session.commit()
        preferred = {
            Account: agency_id,
            Profile: active.id,
            ProfessionalDocument: waiting.id,
        }
    conversation = mbokit.start(app, tenant_ids)  # an msr member's secure message
    return {
        "admin": admin,
        "preferred": preferred,
        "conversation": conversation,
        "pending": pending_id,
    }


def _letter_sent(account: Account) -> None:
    """A registered email the agency validated: on the sendings' pages with its timeline."""
    from portal.core import sendings
    from portal.core.sendings.operators.base import Channel, Party

    with tenant_scope(account.tenant_id):
        sending = sendings.create_sending(
            account=account,
            profile=account.holder_profile,
            owner="resiliation",
            channel=Channel.LRE,
            title="Résiliation du contrat AUTO-123",
            documents=[sendings.NewDocument("lettre.pdf", PDF_BYTES)],
            sender=Party("Agence Lumière", email="contact@agence-lumiere.fr"),
            recipient=Party("MAAF Assurances", email="resiliation@maaf.example"),
        )
        sendings.validate_sending(sending)


def _refund_requested(account: Account) -> None:
    """The holder of the closing account asks for the remaining credit, with an IBAN."""
    from portal.core.credits import refunds
    from portal.core.tenants import tenant_directory

    with tenant_scope(account.tenant_id):
        refunds.request_refund(
            account,
            account.holder_profile,
            tenant_directory().get(account.tenant_id),
            iban="FR76 3000 6000 0112 3456 7890 189",
            holder=account.holder_name,
        )


def _value(app, rule, param: str, seeded, chosen: dict):
    """A value for the URL's ``param``: the seeded row of what the handler loads, else any."""
    view = app.view_functions[rule.endpoint]
    spec = getattr(view, "portal_handler", {}).get("load", {}).get(param)
    if spec is not None:
        model = spec.model
        if rule.endpoint == "backoffice.signup_reject" and model is Account:
            return seeded["pending"]
        wanted = seeded["preferred"].get(model)
        if wanted is None:
            with app.app_context(), unscoped():
                wanted = db.session.scalar(
                    select(getattr(model, spec.column)).order_by(model.id.desc()).limit(1)
                )
        if wanted is not None and hasattr(model, "tenant_id"):
            with app.app_context(), unscoped():
                row = db.session.scalar(select(model).where(getattr(model, spec.column) == wanted))
                chosen["tenant_id"] = row.tenant_id
        return wanted
    if param == "tenant_slug":
        return None  # resolved last, from the rows chosen (or the page's plugin)
    if param == "page":
        return 1
    return None


def _tenant_slug(app, rule, chosen: dict) -> str:
    from portal.core.tenants import Tenant

    with app.app_context(), unscoped():
        if "tenant_id" in chosen:
            return db.session.scalar(select(Tenant.slug).where(Tenant.id == chosen["tenant_id"]))
    owner = app.extensions["portal.backoffice_page_owners"].get(rule.endpoint)
    if owner is not None:
        from portal.core.tenants import tenant_directory

        with app.app_context():
            for slug in ("resilimo", "msr", "horizon"):
                tenant = tenant_directory().by_slug(slug)
                if tenant is not None and owner in tenant.enabled_plugins:
                    return slug
    return "msr" if rule.endpoint.startswith("backoffice.messaging") else "resilimo"


def _pages(app, seeded):
    """(endpoint, url) of every back-office page answering GET, with values filled in."""
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.endpoint.startswith("backoffice.") or "GET" not in (rule.methods or ()):
            continue
        if rule.endpoint in NOT_PAGES:
            continue
        chosen: dict = {}
        values = {}
        missing = []
        for param in sorted(rule.arguments, key=lambda p: p == "tenant_slug"):
            value = _value(app, rule, param, seeded, chosen)
            if param == "tenant_slug":
                value = _tenant_slug(app, rule, chosen)
            if value is None:
                missing.append(param)
            values[param] = value
        if missing:
            yield rule.endpoint, None, missing
            continue
        with app.test_request_context(base_url="http://backoffice.localhost"):
            from flask import url_for

            yield rule.endpoint, url_for(rule.endpoint, **values), []


def test_every_back_office_page_reads_in_french(app, seeded, staff_client, backoffice):
    from portal.testing.web import sign_in_staff

    client = sign_in_staff(backoffice(), seeded["admin"])
    rendered, skipped, problems = set(), {}, {}
    for endpoint, url, missing in _pages(app, seeded):
        if url is None:
            skipped[endpoint] = missing
            continue
        response = client.get(url)
        assert response.status_code < 500, f"{url}: {response.status_code}"
        if response.status_code != 200 or response.mimetype != "text/html":
            if response.mimetype.startswith("image/"):
                rendered.add(endpoint)  # a preview: an image, as announced
            continue
        rendered.add(endpoint)
        # Other tests write made-up actions (``test.raw_sql``) to the log, which is never
        # emptied: their rows are not the back office's words.
        page = re.sub(
            r'<tr>(?:(?!</tr>).)*data-action="test\.(?:(?!</tr>).)*</tr>'
            r'|<option value="test\.[^"]*">[^<]*</option>',
            "",
            response.get_data(as_text=True),
            flags=re.S,
        )
        found = faults(page)
        if found:
            problems[url] = found
    assert not problems, f"raw codes or English words on French pages: {problems}"
    assert rendered >= MUST_RENDER, (
        f"not rendered: {sorted(MUST_RENDER - rendered)}; left out for want of a row: {skipped}"
    )


def test_the_login_pages_read_in_french_too(app, backoffice, make_staff):
    client = backoffice()
    assert faults(client.get("/backoffice/connexion").get_data(as_text=True)) == []
    staff = make_staff(StaffRole.SUPPORT, enrolled=False)
    from bokit import PASSWORD, csrf_token

    page = client.get("/backoffice/connexion")
    client.post(
        "/backoffice/connexion",
        data={"email": staff.email, "password": PASSWORD, "csrf_token": csrf_token(page.text)},
    )
    enrolment = client.get("/backoffice/connexion/code").get_data(as_text=True)
    assert "<svg" in enrolment and faults(enrolment) == []


def test_a_page_of_the_seeded_account_shows_each_state_in_words(app, seeded, backoffice):
    from portal.testing.web import sign_in_staff

    client = sign_in_staff(backoffice(), seeded["admin"])
    account_id = seeded["preferred"][Account]
    page = html.unescape(client.get(f"/backoffice/comptes/{account_id}").get_data(as_text=True))
    for words in (
        "En attente de vérification",  # the PDF waiting
        "Validé",  # the image
        "Refusé",  # the statutes
        "Attestation d'immatriculation ORIAS",
        "Extrait Kbis",
        "Actif",
        "Inactif",
        "Effacé",
        "Ajustement par un opérateur",
        "Demandé par le titulaire",
        "Justificatif validé",
        "Utilisateur effacé (données personnelles supprimées)",
        "Agence ou cabinet",
        "732 829 320",
    ):
        assert words in page, words
    assert re.search(r"25,00\s€", page)
    # Previews inline: the PDF as its first page rendered, the image itself; never the PDF.
    with app.app_context(), unscoped():
        documents = db.session.scalars(
            select(ProfessionalDocument).where(ProfessionalDocument.account_id == account_id)
        ).all()
    for document in documents:
        if document.content_type == "application/pdf":
            preview = f"/backoffice/justificatifs/{document.id}/pages/1.png"
            assert f'src="{preview}"' in page
            png = client.get(preview)
            assert png.status_code == 200 and png.mimetype == "image/png"
            assert f'src="/backoffice/justificatifs/{document.id}/fichier"' not in page
        else:
            assert f'src="/backoffice/justificatifs/{document.id}/fichier"' in page
    review_page = client.get(
        f"/backoffice/justificatifs/{seeded['preferred'][ProfessionalDocument]}"
    )
    assert "/pages/1.png" in review_page.get_data(as_text=True)
    assert "<embed" not in review_page.get_data(as_text=True)
    assert "<iframe" not in review_page.get_data(as_text=True)
