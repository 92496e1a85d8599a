"""Value objects exchanged through hooks: plugin metadata, menu entries, widgets, prices."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

CORE_API = 1


@dataclass(frozen=True)
class PluginInfo:
    """Metadata every plugin module exposes as ``plugin_info``.

    ``core_api`` is the version of the hook contract the plugin was written for; a plugin written
    for another version is refused at start-up with a clear message. ``requires`` names what must
    be on for a tenant that enables the plugin: other plugins, and core modules as
    ``core.<module>`` (``core.help_requests`` is the tenant's help requests); a tenant file
    enabling the plugin without them is refused. ``sends_letters``: the plugin sends letters on
    the account's behalf, so a tenant enabling it has credit, the platform mandate and the
    letterhead in its account area (``portal.core.accounts.kinds``).
    """

    name: str
    title: str
    version: str
    description: str
    category: str = "service"
    author: str = ""
    core_api: int = CORE_API
    requires: tuple[str, ...] = ()
    sends_letters: bool = False


@dataclass(frozen=True)
class NavItem:
    """A main-menu entry: a translated label and the endpoint it opens."""

    label: str
    endpoint: str
    order: int = 100
    values: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DashboardWidget:
    """A card of the logged-in account's dashboard (its home page).

    A card is either drawn by its own ``template`` (given ``widget``, so ``widget.context`` holds
    what it needs) or, without one, by the core from its fields: ``count`` shown large with
    ``text`` under it, and a button ``link_label`` to ``endpoint`` (with ``values``). The title
    links to ``endpoint`` when there is one. ``code`` names the card (its ``data-widget``
    attribute; a tenant's theme may place a card by its code); ``attention`` marks something the
    user should do now (shown first, highlighted). Cards are sorted by ``order``.
    """

    title: str
    template: str = ""
    context: dict[str, Any] = field(default_factory=dict)
    order: int = 100
    code: str = ""
    endpoint: str | None = None
    values: dict[str, Any] = field(default_factory=dict)
    link_label: str = ""
    count: int | None = None
    text: str = ""
    attention: bool = False


@dataclass(frozen=True)
class PricedItem:
    """Something a plugin bills for, priced in integer cents including VAT.

    ``shown_with_balance``: the credit pages show its tariff, and how many of it the balance
    pays for, next to the balance (on tenants where its plugin is enabled).
    ``discount``: a reduction (e.g. paper mail's « −0,10 € » when the recipient's address is
    taken from the first document): its price is negative (or zero), an invoice line that lowers
    the total. Any other item's price is zero or more. A tenant sets both the price and the VAT
    rate of each item in ``[prices]`` (:mod:`portal.core.pricing`).
    ``detail``: a line of a detailed grid (paper mail's postage above the first weight band): in
    the full price list (the terms of sale), not in the home page's summary.
    """

    code: str
    label: str
    price_cents: int
    vat_rate_bp: int = 2000  # basis points: 2000 = 20 %
    shown_with_balance: bool = False
    discount: bool = False
    detail: bool = False

    def __post_init__(self):
        if not isinstance(self.price_cents, int) or isinstance(self.price_cents, bool):
            raise ValueError(f"{self.code}: a price is an integer of cents")
        if self.discount and self.price_cents > 0:
            raise ValueError(f"{self.code}: a discount's price is negative (or zero)")
        if not self.discount and self.price_cents < 0:
            raise ValueError(f"{self.code}: price must be a non-negative integer of cents")
        if not isinstance(self.vat_rate_bp, int) or not 0 <= self.vat_rate_bp <= 10000:
            raise ValueError(f"{self.code}: VAT rate in basis points, 0 to 10000")


@dataclass(frozen=True)
class ReadinessItem:
    """One line of the "may this account send?" checklist: done or not, with where to fix it."""

    code: str
    label: str
    done: bool
    endpoint: str | None = None
    order: int = 100


@dataclass(frozen=True)
class TaxonomyNode:
    """A theme, topic or reason of the messaging taxonomy, maybe pointing to an online service."""

    code: str
    label: str
    children: tuple[TaxonomyNode, ...] = ()
    service_title: str | None = None
    service_url: str | None = None


@dataclass(frozen=True)
class PeriodicJob:
    """A job the scheduler runs once per period: a cron expression (Paris time) or an interval."""

    job: Any
    cron: str | None = None
    every: timedelta | None = None

    def __post_init__(self):
        if (self.cron is None) == (self.every is None):
            raise ValueError("a PeriodicJob takes exactly one of cron= or every=")
