"""The client space's sign-in, without a password: the client's email (the one given on the
quote) is their login. Asking for a link emails one (a signed, timestamped token valid
``client_link_hours``); opening it signs the browser in for that email on that tenant. Every
query of the client space goes through :func:`contracts_of` / :func:`documents_of`: the Client
rows of that email in the current tenant (whichever agent made the quote), never an id from the
URL on its own."""

from __future__ import annotations

import logging
import time

from flask import current_app, session, url_for
from itsdangerous import BadSignature, TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import func, select

from plugins.subscription.i18n import _l
from plugins.subscription.models import Client, Contract, Quote, SupportingDocument
from plugins.subscription.rules import ContractProgress, SignatureState
from portal.core import clock
from portal.core.jobs import enqueue, job
from portal.extensions import db

log = logging.getLogger(__name__)
SALT = "subscription.client-space.login"
SESSION_KEY = "subscription_client"


class _ClockSigner(TimestampSigner):
    """Timestamps from the portal's clock (tests move it)."""

    def get_timestamp(self) -> int:
        return int(clock.now().timestamp())


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=SALT, signer=_ClockSigner)


def normalized(email: str | None) -> str:
    return (email or "").strip().lower()


def _hours(tenant) -> int:
    return tenant.settings_for("subscription").client_link_hours


def make_token(tenant_id: int, email: str) -> str:
    return _serializer().dumps({"t": tenant_id, "e": normalized(email)})


def email_from_token(token: str, tenant) -> str | None:
    """The email a sign-in token was made for, when it is genuine, not expired and made for
    ``tenant``; else None."""
    try:
        data = _serializer().loads(token, max_age=_hours(tenant) * 3600)
    except BadSignature:  # tampered, expired (SignatureExpired is a BadSignature) or garbage
        return None
    if not isinstance(data, dict) or data.get("t") != tenant.id or not data.get("e"):
        return None
    return str(data["e"])


def login_url(email: str, tenant) -> str:
    """An absolute sign-in link to the client space of ``tenant`` for ``email``, valid
    ``client_link_hours`` (for the emails: the confirmation of the membership request)."""
    from portal.core.mail.rendering import tenant_rendering

    token = make_token(tenant.id, email)
    with tenant_rendering(tenant):
        return url_for("subscription.client_login_link", token=token, _external=True)


# --- the signed-in client -------------------------------------------------------------------------


def sign_in(tenant, email: str) -> None:
    session[SESSION_KEY] = {"tenant": tenant.id, "email": normalized(email), "at": time.time()}


def sign_out() -> None:
    session.pop(SESSION_KEY, None)


def signed_in_email(tenant) -> str | None:
    """The email the browser is signed in with on ``tenant`` (None: not signed in, another
    tenant's session, or older than ``client_link_hours``)."""
    data = session.get(SESSION_KEY)
    if not isinstance(data, dict) or data.get("tenant") != tenant.id or not data.get("email"):
        return None
    if time.time() - float(data.get("at", 0)) > _hours(tenant) * 3600:
        return None
    return str(data["email"])


def clients_of(email: str, tenant) -> list[Client]:
    """The Client rows of ``email`` in ``tenant`` (one per agent who quoted them)."""
    return list(
        db.session.scalars(
            select(Client)
            .where(Client.tenant_id == tenant.id, func.lower(Client.email) == normalized(email))
            .order_by(Client.id)
        )
    )


def _client_ids(email: str, tenant) -> list[int]:
    return [client.id for client in clients_of(email, tenant)]


def quotes_of(email: str, tenant) -> list[Quote]:
    ids = _client_ids(email, tenant)
    if not ids:
        return []
    return list(
        db.session.scalars(
            select(Quote)
            .where(Quote.tenant_id == tenant.id, Quote.client_id.in_(ids))
            .order_by(Quote.created_at.desc(), Quote.id.desc())
        )
    )


def contracts_of(email: str, tenant) -> list[Contract]:
    ids = _client_ids(email, tenant)
    if not ids:
        return []
    return list(
        db.session.scalars(
            select(Contract)
            .where(Contract.tenant_id == tenant.id, Contract.client_id.in_(ids))
            .order_by(Contract.created_at.desc(), Contract.id.desc())
        )
    )


def owns_contract(email: str, tenant, contract: Contract) -> bool:
    return contract.tenant_id == tenant.id and contract.client_id in _client_ids(email, tenant)


def open_for_documents(contract: Contract) -> bool:
    """Whether the contract still takes supporting documents (signed or signing by hand, the
    membership not created yet)."""
    return (
        contract.signature_state != SignatureState.FAILED
        and contract.progress != ContractProgress.MEMBERSHIP_CREATED
    )


def documents_of(contracts: list[Contract]) -> dict[int, list[SupportingDocument]]:
    """The supporting documents of each contract (by contract id), in the rules' order."""
    from plugins.subscription.rules import SUPPORTING_DOCUMENTS

    ids = [contract.id for contract in contracts]
    found: dict[int, list[SupportingDocument]] = {contract_id: [] for contract_id in ids}
    if not ids:
        return found
    order = list(SUPPORTING_DOCUMENTS)
    rows = db.session.scalars(
        select(SupportingDocument).where(SupportingDocument.contract_id.in_(ids))
    ).all()
    for row in sorted(
        rows, key=lambda r: (order.index(r.kind) if r.kind in order else len(order), r.id)
    ):
        found[row.contract_id].append(row)
    return found


# --- the emailed link ---------------------------------------------------------------------------


def ask_for_link(email: str, tenant, locale: str | None = None) -> None:
    """The sign-in form was posted: the job emails a link when the address has a file here
    (nothing is said either way)."""
    enqueue(send_login_link, normalized(email), locale or tenant.config.default_locale)


@job(queue="mail")
def send_login_link(tenant_id, email, locale=None):
    """Email the client-space sign-in link to ``email`` when a client of the tenant has it."""
    from portal.core.mail import MailBounced, compose_email, send_email
    from portal.core.tenants import tenant_directory

    tenant = tenant_directory().by_id(tenant_id)
    if tenant is None or not clients_of(email, tenant):
        return
    hours = _hours(tenant)
    url = login_url(email, tenant)
    message = compose_email(
        tenant,
        "notification",
        to=email,
        subject=_l("Votre lien de connexion à l'espace client"),
        locale=locale or tenant.config.default_locale,
        context={
            "title": _l("Connexion à votre espace client"),
            "paragraphs": [
                _l(
                    "Vous avez demandé à vous connecter à votre espace client : retrouvez-y vos "
                    "devis, vos contrats et vos documents signés, et transmettez vos pièces "
                    "justificatives."
                ),
                _l("Ce lien est valable %(hours)s heures.", hours=hours),
                _l("Si vous n'êtes pas à l'origine de cette demande, ignorez ce message."),
            ],
            "action_url": url,
            "action_label": _l("Accéder à mon espace client"),
        },
    )
    try:
        send_email(message)
    except MailBounced:  # a dead address: nothing more to do
        log.info("client-space link to a refused address")


SAME_ANSWER = _l(
    "Si un dossier correspond à cette adresse, un lien de connexion vient de vous être envoyé."
)

JOBS: list = [send_login_link]
