"""The signer's link: a secret token per signer (an HMAC of the app's secret key and a nonce the
engine can renew), found only on its tenant, valid while the procedure is ongoing and it is the
signer's turn."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from flask import current_app, g, has_request_context, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.core import clock
from portal.core.signatures import rules
from portal.core.signatures.errors import (
    LinkInvalid,
)
from portal.core.signatures.models import (
    ProcedureSigner,
    ProcedureState,
    SignerState,
)
from portal.core.tenants import tenant_directory
from portal.extensions import db

_LINK_PURPOSE = b"signature-link:"


def _token_for_nonce(nonce: str) -> str:
    secret = current_app.config["SECRET_KEY"]
    if isinstance(secret, str):
        secret = secret.encode()
    digest = hmac.new(secret, _LINK_PURPOSE + nonce.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def signer_token(signer: ProcedureSigner) -> str:
    """The signer's link token: HMAC-SHA256 of the link nonce with the app's secret key (not
    derivable from what the database holds); only its SHA-256 is stored."""
    return _token_for_nonce(signer.link_nonce)


def new_link() -> tuple[str, str]:
    """A fresh link nonce and the SHA-256 of its token, as a signer row keeps them."""
    nonce = secrets.token_hex(16)
    return nonce, _token_hash(_token_for_nonce(nonce))


def renew_link(signer: ProcedureSigner) -> str:
    """A new link for the signer (the old one stops working); returns the new token."""
    signer.link_nonce, signer.token_hash = new_link()
    return signer_token(signer)


def signer_url(signer: ProcedureSigner, *, _external: bool = True) -> str:
    """The signer's pages, on the tenant's own address (also from a job)."""
    token = signer_token(signer)
    tenant = g.get("tenant") if has_request_context() else None
    if tenant is not None and tenant.id == signer.tenant_id:
        return url_for("signatures.signer_home", token=token, _external=_external)
    from portal.core.mail.rendering import tenant_base_url

    signer_tenant = tenant_directory().get(signer.tenant_id)
    with current_app.test_request_context("/"):
        path = url_for("signatures.signer_home", token=token)
    return tenant_base_url(signer_tenant).rstrip("/") + path if _external else path


def _signer_by_token(token: str) -> ProcedureSigner | None:
    if not token or len(token) > 100:
        return None
    wanted = _token_hash(token)
    # Scoped to the active tenant: another tenant's link is unknown on this host.
    signer = db.session.scalar(select(ProcedureSigner).where(ProcedureSigner.token_hash == wanted))
    if signer is None or not hmac.compare_digest(signer.token_hash, wanted):
        return None
    return signer


def signer_for_token(token: str) -> ProcedureSigner:
    """The signer a link belongs to, while they may act on it: the procedure is ongoing and it
    is their turn. Raises :class:`LinkInvalid` otherwise."""
    signer = _signer_by_token(token)
    if signer is None:
        raise LinkInvalid()
    require_turn(signer)
    return signer


def signer_for_done_page(token: str) -> ProcedureSigner | None:
    """The signer of a link whatever the procedure's state (the success or refusal page)."""
    return _signer_by_token(token)


def require_turn(signer: ProcedureSigner) -> None:
    procedure = signer.procedure
    if procedure.state != ProcedureState.ONGOING:
        raise LinkInvalid()
    if signer.state in (SignerState.SIGNED, SignerState.DECLINED, SignerState.WAITING):
        raise LinkInvalid()
    if signer not in rules.signer_turn(procedure.signers, procedure.ordered):
        raise LinkInvalid()
    if rules.aware(procedure.deadline) <= clock.now():
        raise LinkInvalid(_l("La date limite de signature est passée : ce lien n'est plus actif."))
