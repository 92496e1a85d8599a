"""Hook implementations of the back office (always on): its command line, pages and menu."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal.core.backoffice.registry import BackofficeMenuItem, BackofficePage
from portal.core.plugins import hookimpl

BOTH = ("GET", "POST")
POST = ("POST",)


@hookimpl
def register_cli_commands(cli):
    from portal.core.backoffice.cli import staff_group

    cli.add_command(staff_group)


@hookimpl
def backoffice_pages():
    from portal.core.backoffice.views import (
        account_tools,
        accounts,
        assets,
        audit,
        auth,
        dashboard,
        invitations,
        signups,
        tenants,
    )

    return [
        BackofficePage("/connexion", "login", auth.login, BOTH),
        BackofficePage("/connexion/code", "totp", auth.second_factor, BOTH),
        BackofficePage("/deconnexion", "logout", auth.logout, POST),
        BackofficePage("/tableau-de-bord", "dashboard", dashboard.dashboard),
        BackofficePage("/inscriptions", "signup_requests", signups.signup_requests),
        BackofficePage(
            "/inscriptions/<int:account_id>/valider", "signup_approve", signups.approve, POST
        ),
        BackofficePage(
            "/inscriptions/<int:account_id>/refuser", "signup_reject", signups.reject, BOTH
        ),
        BackofficePage("/comptes", "accounts", accounts.accounts),
        BackofficePage("/comptes/<int:account_id>", "account", accounts.account),
        BackofficePage(
            "/comptes/<int:account_id>/coordonnees",
            "account_edit",
            account_tools.edit_details,
            BOTH,
        ),
        BackofficePage(
            "/comptes/<int:account_id>/utilisateurs/<int:profile_id>/desactiver",
            "profile_deactivate",
            account_tools.deactivate_profile,
            POST,
        ),
        BackofficePage(
            "/comptes/<int:account_id>/utilisateurs/<int:profile_id>/reactiver",
            "profile_reactivate",
            account_tools.reactivate_profile,
            POST,
        ),
        BackofficePage(
            "/comptes/<int:account_id>/utilisateurs/<int:profile_id>/effacer",
            "profile_erase",
            account_tools.erase_profile,
            BOTH,
        ),
        BackofficePage(
            "/comptes/<int:account_id>/mandats/noter",
            "mandate_record",
            account_tools.record_mandate,
            BOTH,
        ),
        BackofficePage("/favicon.svg", "favicon", assets.favicon),
        BackofficePage("/backoffice.css", "stylesheet", assets.stylesheet),
        BackofficePage("/invitations", "invite", invitations.invite, BOTH),
        BackofficePage("/tenants", "tenants", tenants.tenants),
        BackofficePage("/tenants/<tenant_slug>", "tenant", tenants.tenant),
        BackofficePage("/journal", "audit", audit.audit_log),
    ]


@hookimpl
def backoffice_menu_items():
    return [
        BackofficeMenuItem(_l("Tableau de bord"), "dashboard", order=10),
        BackofficeMenuItem(_l("Demandes d'inscription"), "signup_requests", order=20),
        BackofficeMenuItem(_l("Comptes"), "accounts", order=30),
        BackofficeMenuItem(_l("Invitations"), "invite", order=40),
        BackofficeMenuItem(_l("Portails"), "tenants", order=800),
        BackofficeMenuItem(_l("Journal d'audit"), "audit", order=900),
    ]
