"""Who signs up on a tenant, and what their account area holds.

A tenant declares the kind of its accounts in ``[accounts] kind``:

- ``agency``: an insurance agency or brokerage (commercial name, ORIAS, SIREN, agency address,
  CGV), with collaborators, a letterhead and prepaid credit for the services that send;
- ``member``: a member of a social-security fund (individual, farmer or employer: the
  ``[messaging] categories``), who writes to the fund and deposits documents; never sees letters,
  credit, mandates, letterhead or collaborators;
- ``sales_agent``: a mutual's sales agent, invited by the mutual, who uses its subscription tool
  (ORIAS kept, no credit: the mutual pays).

Each kind lists the identity fields its accounts give (``AccountKind.identity``: ``asks(name)``,
``requires(name)``) beyond the holder's names, email, phones and postal address: the sign-up form
(``auth.forms.SignupForm``), the operators' invitation and details forms, the rule every caller
goes through (``registration.check_applicant``) and the account pages read them there. A field
a kind does not have is not stored (a member's ``commercial_name`` is ""): pages name an account
by ``Account.display_name``.

``account_area(tenant)`` joins the kind with what the tenant's enabled plugins do: credit,
mandate and letterhead exist only where an enabled plugin sends letters on the account's behalf
(``PluginInfo.sends_letters``); ``foreign_addresses`` says whether addresses abroad are allowed
(``[accounts] foreign_addresses``: a country and that country's postal code). Sign-up forms,
account pages, menus and the readiness checklist ask it rather than testing tenant slugs or kinds
themselves.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import g, has_request_context

from portal.core.i18n import N_


@dataclass(frozen=True)
class AccountKind:
    """What one kind of account is: its name and the parts of the account area it has."""

    code: str
    label: str
    # Company identity: commercial name, ORIAS, SIREN, professional address, CGV at sign-up.
    professional: bool
    # Several users per account ("Gérer les utilisateurs du compte").
    collaborators: bool
    # Buys prepaid credit for the services that send, and signs the platform mandate.
    pays: bool
    # The user category of the messaging taxonomy is chosen at sign-up (individual, farmer…).
    has_category: bool = False
    # The identity fields asked (sign-up, invitation) and shown (account pages) beyond the
    # holder's names, email, phones and postal address, each "required" or "optional".
    identity: tuple[tuple[str, str], ...] = ()
    # The sign-up accepts the terms of sale (CGV) too: the account buys something.
    accepts_sale_terms: bool = False
    # What the account's organisation name is called on forms and pages.
    organisation_label: str = N_("Nom commercial")

    def asks(self, name: str) -> bool:
        """This kind's accounts give ``name`` (``commercial_name``, ``orias``, ``siren``…)."""
        return any(field == name for field, _need in self.identity)

    def requires(self, name: str) -> bool:
        return (name, "required") in self.identity


KINDS: dict[str, AccountKind] = {
    kind.code: kind
    for kind in (
        AccountKind(
            "agency",
            N_("Agence ou cabinet"),
            True,
            True,
            True,
            identity=(
                ("commercial_name", "required"),
                ("orias", "optional"),
                ("siren", "required"),
                ("affiliation", "optional"),
            ),
            accepts_sale_terms=True,
        ),
        # A member gives who they are and where they live: no company, no ORIAS, no CGV.
        AccountKind(
            "member",
            N_("Adhérent"),
            False,
            False,
            False,
            has_category=True,
            identity=(("category", "required"),),
        ),
        # A mutual's sales agent: the point of sale they work for and the intermediary's ORIAS
        # (the mutual's network or a partner broker); the mutual pays, so no SIREN, no CGV.
        AccountKind(
            "sales_agent",
            N_("Conseiller commercial"),
            True,
            False,
            False,
            identity=(
                ("commercial_name", "optional"),
                ("orias", "optional"),
                ("affiliation", "optional"),
            ),
            organisation_label=N_("Agence ou point de vente"),
        ),
    )
}


@dataclass(frozen=True)
class AccountArea:
    """The account area of one tenant: its kind of accounts and what exists for them."""

    kind: AccountKind
    # An enabled plugin sends letters on the account's behalf (resiliation, paper mail…).
    sends: bool
    # ``[accounts] foreign_addresses``: addresses abroad (a country, a foreign postal code).
    foreign_addresses: bool = False

    @property
    def credit(self) -> bool:
        """Credit is bought, shown at the top of every page, invoiced."""
        return self.kind.pays and self.sends

    @property
    def mandate(self) -> bool:
        """The platform mandate and the professional document are required before sending."""
        return self.kind.pays and self.sends

    @property
    def letterhead(self) -> bool:
        return self.kind.professional and self.sends

    @property
    def collaborators(self) -> bool:
        return self.kind.collaborators

    @property
    def professional(self) -> bool:
        return self.kind.professional


def account_area(tenant=None) -> AccountArea:
    """The account area of ``tenant`` (the request's tenant by default)."""
    from portal.core.plugins import current_plugins

    if tenant is None:
        tenant = g.get("tenant") if has_request_context() else None
        if tenant is None:
            raise RuntimeError("account_area() needs a tenant")
    kind = KINDS[tenant.config.accounts.kind]
    enabled = tenant.config.enabled_plugins()
    sends = any(
        info.sends_letters for name, info in current_plugins().infos.items() if name in enabled
    )
    return AccountArea(
        kind=kind, sends=sends, foreign_addresses=tenant.config.accounts.foreign_addresses
    )


def kind_label(code: str) -> str:
    from flask_babel import gettext

    kind = KINDS.get(code)
    return gettext(kind.label) if kind else code
