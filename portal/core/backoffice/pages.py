"""The back office's own pages, added to the page registry (other modules add theirs)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal.core.backoffice.blueprint import register_page
from portal.core.backoffice.models import StaffRole


def register_core_pages() -> None:
    from portal.core.backoffice.views import (
        accounts,
        audit,
        auth,
        dashboard,
        invitations,
        signups,
        tenants,
    )

    both = ("GET", "POST")
    register_page("/connexion", "login", auth.login, methods=both)
    register_page("/connexion/code", "totp", auth.second_factor, methods=both)
    register_page("/deconnexion", "logout", auth.logout, methods=("POST",))
    register_page(
        "/tableau-de-bord", "dashboard", dashboard.dashboard, label=_l("Tableau de bord"), order=10
    )
    register_page(
        "/inscriptions",
        "signup_requests",
        signups.signup_requests,
        label=_l("Demandes d'inscription"),
        order=20,
    )
    register_page(
        "/inscriptions/<int:account_id>/valider",
        "signup_approve",
        signups.approve,
        methods=("POST",),
    )
    register_page(
        "/inscriptions/<int:account_id>/refuser", "signup_reject", signups.reject, methods=both
    )
    register_page("/comptes", "accounts", accounts.accounts, label=_l("Comptes"), order=30)
    register_page("/comptes/<int:account_id>", "account", accounts.account)
    register_page(
        "/invitations",
        "invite",
        invitations.invite,
        label=_l("Invitations"),
        methods=both,
        order=40,
    )
    register_page(
        "/tenants",
        "tenants",
        tenants.tenants,
        label=_l("Tenants"),
        role=StaffRole.ADMIN,
        order=800,
    )
    register_page("/tenants/<tenant_slug>", "tenant", tenants.tenant)
    register_page(
        "/journal",
        "audit",
        audit.audit_log,
        label=_l("Journal d'audit"),
        role=StaffRole.ADMIN,
        order=900,
    )
