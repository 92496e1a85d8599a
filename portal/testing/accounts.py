"""The one account factory of the tests: an active account with its holder profile, more
profiles for collaborators, and back-office staff.

Passwords are hashed once per run and per password (argon2 is slow on purpose).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

PASSWORD = "Fournier-2024!ok"  # noqa: S105 - a test account's password, it meets the policy
STAFF_PASSWORD = "Bureau-Opérateur-2024"  # noqa: S105 - a test operator's password


@dataclass(frozen=True)
class AccountRef:
    """What a test needs of an account it made (the row itself stays in the database)."""

    slug: str
    tenant_id: int
    id: int
    email: str
    password: str
    holder_profile_id: int
    session_version: int = 1

    @property
    def host(self) -> str:
        return f"{self.slug}.localhost"


@cache
def password_hash(password: str) -> str:
    from portal.core.accounts.passwords import hash_password

    return hash_password(password)


# What each kind of account (``portal.core.accounts.kinds``) typically has, for ``kind=``.
KIND_FIELDS = {
    "agency": {"siren": "732829320", "affiliation": "AXA"},
    # A farmer member of a social-security fund: no commercial name, ORIAS nor SIREN.
    "member": {"commercial_name": "", "orias": None, "category": "farmer"},
    "sales_agent": {
        "commercial_name": "Horizon Mutuelle — agence de La Rochelle",
        "affiliation": "Horizon Mutuelle — réseau salarié",
    },
}


def create_account(
    app,
    slug: str = "resilimo",
    email: str = "jean@agence-fournier.fr",
    kind: str | None = None,
    **fields,
) -> AccountRef:
    """An active account of tenant ``slug`` with its holder profile, named after the account's
    holder and sharing its email, phone and mobile. ``password=`` sets the password (default
    ``PASSWORD``); ``kind=`` ("agency", "member", "sales_agent") gives the fields that kind of
    account has (a member: no commercial name nor ORIAS, category "farmer"); any other keyword
    is an ``Account`` column."""
    from sqlalchemy import select

    from portal.core.accounts.models import Account, AccountStatus, Profile
    from portal.core.tenants import Tenant, tenant_scope, unscoped
    from portal.extensions import db

    password = fields.pop("password", PASSWORD)
    values = {
        "status": AccountStatus.ACTIVE,
        "first_name": "Jean",
        "last_name": "Fournier",
        "commercial_name": "Agence Fournier Assurances",
        "orias": "12345678",
        "address": "3 place Victor Hugo",
        "postal_code": "38000",
        "city": "Grenoble",
        "phone": "+33476000000",
        **(KIND_FIELDS[kind] if kind else {}),
        **fields,
    }
    with app.app_context():
        with unscoped():
            tenant_id = db.session.scalar(select(Tenant.id).where(Tenant.slug == slug))
        assert tenant_id is not None, f"no tenant {slug!r}"
        with tenant_scope(tenant_id):
            account = Account(email=email, password_hash=password_hash(password), **values)
            holder = Profile(
                account=account,
                name=account.holder_name,
                email=email,
                phone=values["phone"],
                mobile=values.get("mobile"),
                is_holder=True,
            )
            db.session.add_all([account, holder])
            db.session.commit()
            return AccountRef(
                slug=slug,
                tenant_id=tenant_id,
                id=account.id,
                email=email,
                password=password,
                holder_profile_id=holder.id,
                session_version=account.session_version,
            )


def create_profile(app, account: AccountRef, name: str = "Léa Martin", **fields) -> int:
    """Another (collaborator) profile of ``account``; returns its id. Email: the account's."""
    from portal.core.accounts.models import Profile
    from portal.core.tenants import tenant_scope
    from portal.extensions import db

    with app.app_context(), tenant_scope(account.tenant_id):
        profile = Profile(account_id=account.id, name=name, **{"email": account.email, **fields})
        db.session.add(profile)
        db.session.commit()
        return profile.id


def create_staff(app, role=None, *, enrolled: bool = True, email: str | None = None, **fields):
    """A back-office operator (support by default), password ``STAFF_PASSWORD``, enrolled with an
    authenticator unless ``enrolled=False``; returned detached (``totp_secret`` gives codes)."""
    import uuid

    import pyotp

    from portal.core.backoffice.models import StaffRole, StaffUser
    from portal.core.clock import now
    from portal.extensions import db

    role = role or StaffRole.SUPPORT
    values = {
        "email": email or f"{role.value}-{uuid.uuid4().hex[:10]}@operateur.example.fr",
        "name": f"Opérateur {role.value}",
        "role": role,
        "password_hash": password_hash(STAFF_PASSWORD),
        **fields,
    }
    if enrolled:
        values.setdefault("totp_secret", pyotp.random_base32())
        values.setdefault("totp_confirmed_at", now())
    with app.app_context():
        staff = StaffUser(**values)
        db.session.add(staff)
        db.session.commit()
        db.session.refresh(staff)
        db.session.expunge(staff)
        return staff


def allow_sending(app, account: AccountRef) -> None:
    """``account`` may send (SPEC §2, credit apart): a verified professional document (valid ten
    years: tests travel in time) and the platform's mandate signed — what a plugin's tests of
    sending need first."""
    from datetime import UTC, date, datetime, timedelta

    from portal.core.tenants import tenant_scope
    from portal.core.verification.mandate import fingerprint
    from portal.core.verification.models import (
        DocumentKind,
        DocumentStatus,
        PlatformMandate,
        ProfessionalDocument,
    )
    from portal.extensions import db

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
                expires_on=date.today() + timedelta(days=3650),
            )
        )
        db.session.add(
            PlatformMandate(
                account_id=account.id,
                signer_name="Jean Fournier",
                text="…",
                text_sha256=fingerprint("…"),
                signed_at=datetime.now(UTC),
            )
        )
        db.session.commit()
