"""What staff do to accounts: decide sign-up requests, invite holders, change an account's
details after a help request, deactivate or erase a collaborator's profile, note a mandate
request.

Back-office views run unscoped; each action enters the account's tenant (so tokens, emails and
every query belong to that tenant) and writes there; the request pipeline commits. A refused
action leaves nothing written. The work itself (statuses, tokens, emails, audit entries) is done
by ``portal.core.accounts.invitations``.
"""

from __future__ import annotations

from dataclasses import fields, replace
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.core import audit
from portal.core.accounts.account.operations import email_taken
from portal.core.accounts.emails import portal_link, scope_of, tenant_of
from portal.core.accounts.invitations import approve_signup, invite_account, reject_signup
from portal.core.accounts.models import Account, AccountStatus, Profile
from portal.core.accounts.registration import Applicant, check_applicant
from portal.core.accounts.validators import AccountDataError, normalize_email
from portal.core.backoffice.models import MandateChannel, MandateEvent, MandateRecord, StaffUser
from portal.core.clock import now
from portal.core.i18n import N_, force_locale
from portal.core.mail.jobs import queue_email
from portal.core.tenants import tenant_scope
from portal.extensions import db

# What an operator may change on an account, after a help request (JRMC manual §9.4: the user
# changes only the email and the phone himself, the rest « ne peut être effectuée que par notre
# équipe »).
EDITABLE_FIELDS = tuple(field.name for field in fields(Applicant))


class NotWaiting(Exception):
    """The request was already decided (by another operator, in another tab)."""


def approve(account: Account, staff: StaffUser) -> None:
    """The holder gets the link to create a password (``approve_signup``)."""
    _decide(account, approve_signup, staff)


def reject(account: Account, staff: StaffUser, reason: str) -> None:
    """The requester is told why (``reject_signup``). ``AccountDataError`` if no reason."""
    _decide(account, reject_signup, staff, reason)


def _decide(account: Account, decision, *args) -> None:
    with tenant_scope(account.tenant_id):
        # Locked (PostgreSQL) and re-read: two operators cannot both decide one request.
        db.session.refresh(account, with_for_update=True)
        if account.status != AccountStatus.PENDING_APPROVAL:
            raise NotWaiting
        try:
            with db.session.begin_nested():
                decision(account, *args)
        except AccountDataError:
            raise
        except ValueError:  # decided meanwhile by someone else
            raise NotWaiting from None


def invite(tenant_id: int, staff: StaffUser, **fields) -> int:
    """Create the invited account in ``tenant_id`` (``invite_account``); returns its id.

    ``AccountDataError`` (with the form field it concerns) when the data is refused, e.g. an
    email that already has an account on that tenant.
    """
    with tenant_scope(tenant_id), db.session.begin_nested():
        account = invite_account(**fields, staff=staff)
        db.session.flush()
        return account.id


# --- Details changed by an operator ------------------------------------------------------------


def change_details(account: Account, staff: StaffUser, values: dict, reason: str) -> list[str]:
    """Apply the operator's changes (``values``: normalised, by ``EDITABLE_FIELDS`` name); returns
    the names of the fields that changed. The holder's profile follows its names, email and phone
    where it shared them. A new login email must be free on the account's tenant
    (``AccountDataError`` on ``email``); the old address is told of the change. Audited, with the
    reason (e.g. the help request's reference) and the fields' names, not their values."""
    reason = (reason or "").strip()
    if not reason:
        raise AccountDataError("reason", _l("Indiquez le motif de la modification."))
    with scope_of(account):
        changed = [
            name
            for name in EDITABLE_FIELDS
            if name in values and (getattr(account, name) or None) != (values[name] or None)
        ]
        if not changed:
            return []
        # The rules of a sign-up hold for the account as it will be (one place: accounts).
        current = Applicant(**{name: getattr(account, name, None) for name in EDITABLE_FIELDS})
        check_applicant(replace(current, **{name: values[name] for name in changed}))
        if "email" in changed:
            values["email"] = normalize_email(values["email"])
            if email_taken(account, values["email"]):
                raise AccountDataError(
                    "email", _l("Un autre compte de ce portail utilise déjà cette adresse e-mail.")
                )
        before = {name: getattr(account, name) for name in EDITABLE_FIELDS}
        old_holder_name = account.holder_name
        for name in changed:
            setattr(account, name, values[name])
        holder = account.holder_profile
        if holder is not None:
            if holder.name == old_holder_name:
                holder.name = account.holder_name
            if normalize_email(holder.email) == normalize_email(before["email"]):
                holder.email = account.email  # replies and alerts follow the login address
            if holder.phone == before["phone"]:
                holder.phone = account.phone
            if holder.mobile == before["mobile"]:
                holder.mobile = account.mobile
        audit.record(
            "account.details_changed_by_staff",
            **audit.by_staff(staff, account.tenant_id),
            target=account,
            fields=changed,
            reason=reason,
        )
        if "email" in changed:
            _tell_old_address(account, before["email"])
        db.session.flush()
    return changed


def _tell_old_address(account: Account, old: str) -> None:
    """The holder learns at the old address that the login address changed (in the tenant's
    language: the operator's is not the holder's)."""
    locale = tenant_of(account).config.default_locale
    with force_locale(locale):
        title = _("L'adresse e-mail de votre compte a été modifiée")
        paragraphs = [
            _(
                "À votre demande, notre équipe a remplacé l'adresse de connexion de votre compte "
                "%(name)s par %(email)s.",
                name=account.display_name,
                email=account.email,
            ),
            _("Si vous n'êtes pas à l'origine de ce changement, contactez-nous sans attendre."),
        ]
        label = _("Aller sur le site")
    queue_email(
        "notification",
        to=old,
        subject=N_("L'adresse e-mail de votre compte a été modifiée"),
        locale=locale,
        title=title,
        paragraphs=paragraphs,
        action_url=portal_link(account, "core.home"),
        action_label=label,
    )


# --- Profiles: deactivate, reactivate, erase ------------------------------------------------------

ERASED_NAME = "(supprimé n° {id})"


def is_erased(profile: Profile) -> bool:
    """An erased profile: its person is gone (no email), the row stays for what it managed."""
    return not profile.active and not profile.email


def _profile_record(action: str, profile: Profile, staff: StaffUser, **details) -> None:
    audit.record(
        action,
        **audit.by_staff(staff, profile.tenant_id),
        target=profile,
        account_id=profile.account_id,
        **details,
    )


def set_profile_active(profile: Profile, staff: StaffUser, active: bool) -> bool:
    """Deactivate (it can no longer be chosen after login; what it managed stays assigned to it)
    or reactivate a collaborator's profile. Returns False if nothing changed. The holder's
    profile is the account itself: ``AccountDataError``."""
    if profile.is_holder:
        raise AccountDataError(
            "profile", _l("Le profil du titulaire du compte ne peut pas être désactivé.")
        )
    if is_erased(profile):
        raise AccountDataError("profile", _l("Ce profil a été effacé : il ne peut plus servir."))
    if profile.active == active:
        return False
    with tenant_scope(profile.tenant_id):
        profile.active = active
        action = "account.profile_reactivated" if active else "account.profile_deactivated"
        _profile_record(action, profile, staff, name=profile.name)
        db.session.flush()
    return True


def erase_profile(profile: Profile, staff: StaffUser) -> bool:
    """Remove the person behind a collaborator's profile (name, email, phones): the row stays,
    anonymised and inactive, so the letters and messages it managed keep their « géré par ».
    Returns False if it was already erased. The holder's profile cannot be erased (the account
    is closed instead)."""
    if profile.is_holder:
        raise AccountDataError(
            "profile",
            _l(
                "Le profil du titulaire ne peut pas être effacé : ses données sont supprimées à "
                "la clôture du compte."
            ),
        )
    if is_erased(profile):
        return False
    with tenant_scope(profile.tenant_id):
        profile.name = ERASED_NAME.format(id=profile.id)
        profile.email = ""
        profile.phone = profile.mobile = None
        profile.active = False
        # The log names the profile by its number only: the person is gone from it too.
        _profile_record("account.profile_erased", profile, staff)
        db.session.flush()
    return True


# --- Mandate requests --------------------------------------------------------------------------


def record_mandate(
    account: Account,
    staff: StaffUser,
    *,
    event,
    channel,
    occurred_on: date,
    person: str,
    note: str | None = None,
) -> MandateRecord:
    """Note in the account's register that a mandate was requested, sent or received outside the
    portal's signature flow (by a help request, on paper…). Audited."""
    if occurred_on > now().date():
        raise AccountDataError("occurred_on", _l("Cette date est dans le futur."))
    with tenant_scope(account.tenant_id):
        entry = MandateRecord(
            account_id=account.id,
            event=MandateEvent(event),
            channel=MandateChannel(channel),
            occurred_on=occurred_on,
            person=person.strip(),
            note=(note or "").strip() or None,
            staff_id=staff.id,
            staff_label=staff.name,
        )
        db.session.add(entry)
        db.session.flush()
        audit.record(
            "backoffice.mandate_recorded",
            **audit.by_staff(staff, account.tenant_id),
            target=account,
            event=str(entry.event.value),
        )
    return entry
