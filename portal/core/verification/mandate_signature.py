"""The platform mandate's signature: once per account, by the holder, the password typed again
as the signature; the text signed is kept word for word with its fingerprint."""

from __future__ import annotations

from flask import has_request_context, request
from flask_babel import gettext as _
from sqlalchemy import select

from portal.core import audit
from portal.core.accounts.models import Account, Profile
from portal.core.accounts.passwords import verify_password
from portal.core.clock import now
from portal.core.tenants.config import CurrentTenant
from portal.core.verification import mandate as mandate_text_module
from portal.core.verification.errors import MandateAlreadySigned, MandateChanged, WrongPassword
from portal.core.verification.models import PlatformMandate
from portal.extensions import db


def account_mandate(account: Account) -> PlatformMandate | None:
    return db.session.scalar(
        select(PlatformMandate).where(PlatformMandate.account_id == account.id)
    )


def sign_mandate(
    account: Account, profile: Profile, tenant: CurrentTenant, password: str, shown_sha256: str
) -> PlatformMandate:
    """The holder signs the mandate once: the password typed again is the signature.

    ``shown_sha256`` is the fingerprint of the text the holder read: if the text changed since
    (account details edited meanwhile) the signature is refused and the new text shown.
    """
    if account_mandate(account) is not None:
        raise MandateAlreadySigned(_("Le mandat a déjà été signé."))
    if not verify_password(account.password_hash, password):
        raise WrongPassword(_("Mot de passe incorrect."))
    text = mandate_text_module.mandate_text(account, tenant)
    sha256 = mandate_text_module.fingerprint(text)
    if sha256 != shown_sha256:
        raise MandateChanged(
            _("Le texte du mandat a changé depuis son affichage : relisez-le avant de signer.")
        )
    mandate = PlatformMandate(
        account_id=account.id,
        signer_name=account.holder_name,
        text=text,
        text_sha256=sha256,
        signed_at=now(),
        ip=request.remote_addr if has_request_context() else None,
    )
    db.session.add(mandate)
    db.session.flush()
    audit.record(
        "verification.mandate_signed",
        target=mandate,
        text_sha256=sha256,
        **audit.by_account(account, profile),
    )
    return mandate
