"""Strong identity verification with the sandbox provider: started (charged through the hook,
link emailed) → photo sent, pending → decided by a scheduled job → verified or failed."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from verifykit import emails_to, form_token, logged_in, make_agent, png_bytes, text_of

from portal.core.accounts.models import Account
from portal.core.credits.ledger import adjust, balance_cents
from portal.core.devbox.models import DevboxMessage
from portal.core.identity.sandbox.models import SandboxIdentitySession
from portal.core.jobs import drain, scheduler_tick
from portal.core.plugins import hookimpl
from portal.core.tenants import tenant_scope
from portal.core.verification import is_strongly_identified
from portal.core.verification.models import IdentityVerification, VerificationStatus
from portal.extensions import db

PAGE = "/compte/verification/identite"
BOXES = {"confirm_information": "y", "consent_debit": "y"}


class ChargeHook:
    """Stands for the credits module: records each start, or refuses like "no credit"."""

    def __init__(self, refuse: str | None = None):
        self.calls: list[int] = []
        self.refuse = refuse

    @hookimpl
    def on_identity_verification_started(self, tenant, account, verification):
        self.calls.append(verification.id)
        if self.refuse:
            raise RuntimeError(self.refuse)


@pytest.fixture
def charge(app):
    hooks = []

    def install(refuse=None) -> ChargeHook:
        hook = ChargeHook(refuse)
        plugins = app.extensions["portal.plugins"]
        plugins.register_core(f"test_charge_{len(hooks)}", hook)
        hooks.append(f"core.test_charge_{len(hooks)}")
        return hook

    yield install
    for name in hooks:
        app.extensions["portal.plugins"].pm.unregister(name=name)


@pytest.fixture
def holder(app, tenant_ids):
    """An agent with 50 € of credit: the verification costs 14.40 € (credits module)."""
    agent = make_agent(app, email="titulaire@example.fr")
    with app.app_context(), tenant_scope(agent.tenant_id):
        account = db.session.get(Account, agent.id)
        adjust(account, 5000, reason="crédit de test", idempotency_key="test", actor_label="test")
        db.session.commit()
    return agent


def test_starting_a_verification_debits_its_price_once(app, client, holder):
    assert _start(client).status_code == 302
    with app.app_context(), tenant_scope(holder.tenant_id):
        assert balance_cents(holder.id) == 5000 - 1440


def test_the_verification_is_on_the_monthly_invoice_with_its_vat(app, client, holder):
    from portal.core import clock
    from portal.core.credits.billing.documents import issue_monthly_invoices
    from portal.core.tenants import tenant_directory

    _start(client)
    drain(app)  # the sandbox's own jobs are done before the invoice run writes
    with app.app_context():
        month = clock.local_now(tenant_directory().get(holder.tenant_id))
        [invoice] = issue_monthly_invoices(holder.tenant_id, month.year, month.month)
        total, vat = invoice.total_cents, invoice.vat_breakdown
        db.session.commit()
    drain(app)  # and the invoice's email is sent before the next test
    assert total == 1440
    assert vat == {"2000": {"base": 1200, "vat": 240, "total": 1440}}


def test_without_enough_credit_nothing_starts(app, client_for, tenant_ids):
    poor = make_agent(app, email="sans-credit@example.fr")
    client = logged_in(client_for, poor)
    response = _start(client)
    assert "ne couvre pas ce montant" in response.get_data(as_text=True)
    assert _verifications(app, poor) == []


@pytest.fixture
def client(client_for, holder):
    return logged_in(client_for, holder)


def _start(client, boxes=BOXES):
    token = form_token(client, PAGE)
    return client.post(PAGE, data={"csrf_token": token, **boxes})


def _verifications(app, agent) -> list[IdentityVerification]:
    with app.app_context(), tenant_scope(agent.tenant_id):
        rows = list(
            db.session.scalars(
                select(IdentityVerification)
                .where(IdentityVerification.account_id == agent.id)
                .order_by(IdentityVerification.id)
            )
        )
        db.session.expunge_all()
        return rows


def _identified(app, agent) -> bool:
    with app.app_context(), tenant_scope(agent.tenant_id):
        return is_strongly_identified(db.session.get(Account, agent.id))


def _emailed_link(app, agent) -> str:
    emails = emails_to(app, agent.tenant_id, agent.email)
    link_mail = [m for m in emails if "lien de vérification" in m.subject][-1]
    # on the tenant's configured host, whatever host the request came in on
    match = re.search(
        r"https://portail\.resilimo\.test(/_sandbox/identite/[\w-]+)", link_mail.body_text
    )
    assert match, link_mail.body_text
    return match.group(1)


def _send_photo(client_for, path, data=None, filename="cni.png", simulate=False):
    provider = client_for("resilimo")  # the holder's phone: no portal session
    welcome = provider.get(path)
    assert welcome.headers["Referrer-Policy"] == "no-referrer"  # the link is a secret
    page = text_of(welcome)
    assert "Vérification d'identité de Camille Durand" in page
    token = form_token(provider, f"{path}/photo")
    form = {"csrf_token": token, "photo": (io.BytesIO(data or png_bytes()), filename)}
    if simulate:
        form["simulate_failure"] = "y"
    response = provider.post(f"{path}/photo", data=form, content_type="multipart/form-data")
    assert response.status_code == 302, text_of(response)
    return provider


def test_the_page_shows_the_holder_the_price_and_both_boxes(client):
    page = text_of(client.get(PAGE))
    assert "Vérification d'identité pour eIDAS" in page
    assert "Camille Durand" in page and "06 12 34 56 78" in page
    assert "titulaire@example.fr" in page
    assert "Coût de la procédure de vérification : 14,40\xa0€ TTC" in page
    assert "Je confirme les informations ci-dessus" in page
    assert "consens à ce que ce montant soit déduit de mon crédit" in page
    assert "Continuer la vérification" in page


def test_both_boxes_are_required(app, client, holder, charge):
    hook = charge()
    response = _start(client, {"confirm_information": "y"})
    assert "Acceptez le débit du tarif indiqué." in text_of(response)
    assert _verifications(app, holder) == [] and hook.calls == []


def test_verified_lifecycle_through_the_sandbox_and_the_scheduler(
    app, client_for, client, holder, charge
):
    hook = charge()
    response = _start(client)
    assert response.status_code == 302
    (verification,) = _verifications(app, holder)
    assert verification.status == VerificationStatus.STARTED
    assert verification.provider == "sandbox"
    assert hook.calls == [verification.id]  # charged once, inside the start
    assert "Vérification commencée" in text_of(client.get(PAGE))

    path = _emailed_link(app, holder)
    provider = _send_photo(client_for, path)
    drain(app)
    assert _verifications(app, holder)[0].status == VerificationStatus.PENDING
    assert "En attente d'un opérateur" in text_of(provider.get(f"{path}/attente"))
    assert "en cours de vérification par un opérateur" in text_of(client.get(PAGE))

    # The operator's decision waits in the database (20 s by default), not in a sleep.
    drain(app)
    assert _verifications(app, holder)[0].status == VerificationStatus.PENDING
    scheduler_tick(app, now=datetime.now(UTC) + timedelta(seconds=30))
    drain(app)
    (verification,) = _verifications(app, holder)
    assert verification.status == VerificationStatus.VERIFIED
    assert verification.completed_at is not None
    assert _identified(app, holder)
    assert "Identité vérifiée" in text_of(provider.get(f"{path}/attente"))
    assert "votre compte est identifié" in text_of(client.get(PAGE))
    subjects = [m.subject for m in emails_to(app, holder.tenant_id, holder.email)]
    assert "Votre identité est vérifiée" in subjects
    # Verified once: no second start, no second charge.
    token = form_token(client, "/compte/verification/justificatifs")
    client.post(PAGE, data={"csrf_token": token, **BOXES})
    assert len(_verifications(app, holder)) == 1 and len(hook.calls) == 1


def test_a_failed_verification_shows_its_reason_and_may_be_retried(
    app, client_for, client, holder, charge, monkeypatch
):
    monkeypatch.setitem(app.config, "PORTAL_IDENTITY_SANDBOX_DELAY_SECONDS", 0)
    hook = charge()
    _start(client)
    _send_photo(client_for, _emailed_link(app, holder), filename="refus-cni.png")
    drain(app)
    (verification,) = _verifications(app, holder)
    assert verification.status == VerificationStatus.FAILED
    assert "n'a pas pu être authentifié" in verification.failure_reason
    assert not _identified(app, holder)
    page = text_of(client.get(PAGE))
    assert "n'a pas abouti" in page and "n'a pas pu être authentifié" in page
    assert "Continuer la vérification" in page  # retry offered
    subjects = [m.subject for m in emails_to(app, holder.tenant_id, holder.email)]
    assert "Votre vérification d'identité n'a pas abouti" in subjects

    assert _start(client).status_code == 302
    first, second = _verifications(app, holder)
    assert (first.status, second.status) == (VerificationStatus.FAILED, VerificationStatus.STARTED)
    assert hook.calls == [first.id, second.id]


def test_the_simulate_failure_box_fails_too(app, client_for, client, holder, monkeypatch):
    monkeypatch.setitem(app.config, "PORTAL_IDENTITY_SANDBOX_DELAY_SECONDS", 0)
    _start(client)
    _send_photo(client_for, _emailed_link(app, holder), simulate=True)
    drain(app)
    assert _verifications(app, holder)[0].status == VerificationStatus.FAILED


def test_a_refusing_hook_leaves_nothing_started(app, client, holder, charge):
    charge(refuse="Crédit insuffisant : rechargez votre compte pour continuer.")
    response = _start(client)
    assert response.status_code == 200
    assert "Crédit insuffisant : rechargez votre compte pour continuer." in text_of(response)
    assert _verifications(app, holder) == []
    with app.app_context(), tenant_scope(holder.tenant_id):
        assert db.session.scalars(select(SandboxIdentitySession)).all() == []
    assert emails_to(app, holder.tenant_id, holder.email) == []


def test_the_sms_code_step(app, client_for, client, holder, monkeypatch):
    monkeypatch.setitem(app.config, "PORTAL_IDENTITY_SANDBOX_DELAY_SECONDS", 0)
    monkeypatch.setitem(app.config, "PORTAL_IDENTITY_SANDBOX_SMS_CODE", True)
    _start(client)
    path = _emailed_link(app, holder)
    provider = _send_photo(client_for, path)
    drain(app)
    page = text_of(provider.get(f"{path}/attente"))
    assert "Saisissez le code reçu par SMS" in page
    assert _verifications(app, holder)[0].status == VerificationStatus.PENDING
    with app.app_context(), tenant_scope(holder.tenant_id):
        sms = db.session.scalars(select(DevboxMessage).where(DevboxMessage.kind == "sms")).one()
        code = re.search(r"\d{6}", sms.body_text).group(0)
    token = form_token(provider, f"{path}/attente")
    wrong = provider.post(f"{path}/code", data={"csrf_token": token, "code": "000000"})
    assert "Code incorrect." in text_of(wrong) or code == "000000"
    provider.post(f"{path}/code", data={"csrf_token": token, "code": code})
    drain(app)
    assert _verifications(app, holder)[0].status == VerificationStatus.VERIFIED


def test_the_link_is_not_found_on_another_tenants_host(app, client_for, client, holder):
    _start(client)
    path = _emailed_link(app, holder)
    assert client_for("msr").get(path).status_code == 404
    assert client_for("resilimo").get("/_sandbox/identite/inconnu").status_code == 404


def test_only_the_holder_with_a_mobile_may_start(app, tenant_ids, client_for, holder, make_profile):
    collaborator_id = make_profile(holder, name="Dominique Martin")
    assert logged_in(client_for, holder, collaborator_id).get(PAGE).status_code == 403
    no_mobile = make_agent(app, email="sansmobile@example.fr", mobile=None)
    client = logged_in(client_for, no_mobile)
    page = text_of(client.get(PAGE))
    assert "Ajoutez votre téléphone portable à votre compte" in page
    token = form_token(client, "/compte/verification/justificatifs")
    response = client.post(PAGE, data={"csrf_token": token, **BOXES})
    assert "Ajoutez votre téléphone portable" in text_of(response)
    assert _verifications(app, no_mobile) == []
