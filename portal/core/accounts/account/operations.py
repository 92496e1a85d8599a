"""Actions of the account area: profiles, contact details. Each runs in the caller's
transaction (the request pipeline commits) and writes its audit entry there."""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _

from portal.core import audit
from portal.core.accounts.authentication import find_account
from portal.core.accounts.models import Account, Profile
from portal.core.accounts.passwords import verify_password
from portal.core.accounts.validators import AccountDataError, normalize_email, normalize_phone
from portal.core.i18n import N_
from portal.core.mail.jobs import queue_email
from portal.extensions import db


def record(action: str, account: Account, actor: Profile | None, target=None, **details):
    """An audit entry by the logged-in account (the profile at work is named in the label)."""
    return audit.record(
        action,
        **audit.by_account(account, actor),
        target=target if target is not None else account,
        profile_id=actor.id if actor is not None else None,
        **details,
    )


# --- Profiles ("utilisateurs du compte") ---------------------------------------------------------


def _check_unique_name(account: Account, name: str, profile: Profile | None = None) -> None:
    # Profiles are chosen by name right after login: two with the same name would be confusing.
    clash = next(
        (
            p
            for p in account.profiles
            if p is not profile and p.name.strip().casefold() == name.casefold()
        ),
        None,
    )
    if clash is not None:
        raise AccountDataError("name", _("Un utilisateur de ce compte porte déjà ce nom."))


def create_profile(account: Account, actor: Profile, data: dict) -> Profile:
    _check_unique_name(account, data["name"])
    profile = Profile(
        account=account,
        name=data["name"],
        email=normalize_email(data["email"]),
        phone=normalize_phone(data["phone"]) if data.get("phone") else None,
        mobile=normalize_phone(data["mobile"]) if data.get("mobile") else None,
        active=bool(data.get("active", True)),
        is_holder=False,
    )
    db.session.add(profile)
    db.session.flush()
    record("account.profile_created", account, actor, target=profile, name=profile.name)
    return profile


def update_profile(profile: Profile, actor: Profile, data: dict) -> None:
    """Change a profile. The holder's profile stays active: it is the account itself."""
    account = profile.account
    _check_unique_name(account, data["name"], profile)
    active = bool(data.get("active", True))
    if profile.is_holder and not active:
        raise AccountDataError(
            "active", _("Le profil du titulaire du compte ne peut pas être désactivé.")
        )
    was_active = profile.active
    profile.name = data["name"]
    profile.email = normalize_email(data["email"])
    profile.phone = normalize_phone(data["phone"]) if data.get("phone") else None
    profile.mobile = normalize_phone(data["mobile"]) if data.get("mobile") else None
    profile.active = active
    record("account.profile_updated", account, actor, target=profile, name=profile.name)
    if was_active != active:
        # What the profile manages stays assigned to it; only choosing it is refused.
        action = "account.profile_reactivated" if active else "account.profile_deactivated"
        record(action, account, actor, target=profile, name=profile.name)


# --- Contact details: only the email and the phone are the user's to change -----------------------


def email_taken(account: Account, email: str) -> bool:
    """Another account of this tenant logs in with ``email`` (the query is tenant-scoped)."""
    owner = find_account(email)
    return owner is not None and owner.id != account.id


def change_details(
    account: Account,
    actor: Profile,
    *,
    email: str,
    phone: str,
    password: str,
    international: bool = False,
) -> list[str]:
    """Apply a new login email and/or phone; returns the names of what changed. ``international``:
    a number of another country (+44…) is accepted (tenants that allow addresses abroad).

    A new email needs the current password (whoever holds the session must not take the account
    over) and a notice goes to the old address, so the holder learns of a change they did not make.
    """
    changed = []
    email = normalize_email(email)
    if email != normalize_email(account.email):
        if not password or not verify_password(account.password_hash, password):
            raise AccountDataError(
                "current_password",
                _("Saisissez votre mot de passe actuel pour changer l'adresse e-mail."),
            )
        if email_taken(account, email):
            raise AccountDataError("email", _("Un autre compte utilise déjà cette adresse e-mail."))
        old = account.email
        account.email = email
        holder = account.holder_profile
        if holder is not None and normalize_email(holder.email) == normalize_email(old):
            # Replies and alerts reach the holder where they log in: the new address.
            holder.email = email
        record("account.email_changed", account, actor, old=old, new=email)
        queue_email(
            "notification",
            to=old,
            subject=N_("L'adresse e-mail de votre compte a été modifiée"),
            title=_("L'adresse e-mail de votre compte a été modifiée"),
            paragraphs=[
                _(
                    "L'adresse de connexion de votre compte %(name)s est désormais %(email)s.",
                    name=account.display_name,
                    email=email,
                ),
                _("Si vous n'êtes pas à l'origine de ce changement, contactez-nous sans attendre."),
            ],
            action_url=url_for("core.home", _external=True),
            action_label=_("Aller sur le site"),
        )
        changed.append("email")
    new_phone = normalize_phone(phone, international=international)
    if new_phone and new_phone != account.phone:
        old_phone = account.phone
        account.phone = new_phone
        record("account.phone_changed", account, actor, old=old_phone, new=new_phone)
        changed.append("phone")
    return changed
