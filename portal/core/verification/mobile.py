"""The holder's mobile, which the identity verification needs (the provider's SMS code): added
or changed on the verification page itself (manual §7: « vérifier l'exactitude des
informations de votre compte »)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired

from portal.core.accounts.account.operations import record
from portal.core.accounts.models import Account, Profile
from portal.core.accounts.validators import PhoneNumber, display_phone, normalize_phone, strip


class IdentityMobileForm(FlaskForm):
    """Rendered with ``prefix="mobile"``: the page's other form starts the verification."""

    mobile = StringField(
        _l("Téléphone portable"),
        filters=[strip],
        validators=[
            DataRequired(_l("Saisissez votre numéro de téléphone portable.")),
            PhoneNumber(mobile=True),
        ],
    )


def change_mobile(account: Account, actor: Profile, typed: str) -> bool:
    """Store the holder's mobile (E.164) on the account and on the holder's profile when that
    one had none or the same; returns False if nothing changed. The number is checked by the
    form (``PhoneNumber(mobile=True)``)."""
    new = normalize_phone(typed)
    if new is None:
        raise ValueError("not a phone number")
    old = account.mobile
    if new == old:
        return False
    account.mobile = new
    holder = account.holder_profile
    if holder is not None and holder.mobile in (None, "", old):
        holder.mobile = new
    record(
        "account.mobile_changed",
        account,
        actor,
        old=display_phone(old) or None,
        new=display_phone(new),
    )
    return True
