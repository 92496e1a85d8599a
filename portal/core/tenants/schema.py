"""The schema of ``tenants/<slug>/tenant.toml``.

Validation errors are reported as ``<file>: <key>: <problem>`` so an operator can fix the file
without reading code. Plugin settings (``[plugins.<name>]``) are validated against the schema each
plugin declares through the ``tenant_settings_schema`` hook.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from email_validator import EmailNotValidError, validate_email
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, field_validator

from portal.core.messaging.settings import MessagingSettings
from portal.core.onboarding.settings import OnboardingSettings

COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
HOST = re.compile(
    r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$"
)
SLUG = re.compile(r"^[a-z][a-z0-9-]{1,62}$")
SUPPORTED_LOCALES = ("fr", "en")

Colour = Annotated[str, Field(pattern=COLOUR.pattern, description="#rrggbb")]


def _email(value: str) -> str:
    # No DNS look-ups; the reserved ``*.test`` domains of the demo tenants are accepted.
    try:
        return validate_email(value, check_deliverability=False, test_environment=True).normalized
    except EmailNotValidError as exc:
        raise ValueError(str(exc)) from None


Email = Annotated[str, AfterValidator(_email)]


def _vat_number(value: str) -> str:
    from stdnum.eu import vat
    from stdnum.exceptions import ValidationError as StdnumError

    try:
        return vat.validate(value)
    except StdnumError:
        raise ValueError(f"{value!r} is not a valid EU VAT number (e.g. FR65912345675)") from None


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Dpo(Strict):
    """``[legal.dpo]``: the data-protection officer, shown on the privacy page."""

    # Each text given once, or per language: name = { fr = "…", en = "…" }
    name: str | dict[Literal["fr", "en"], str] = Field(
        "", description="A person or a service, e.g. « Délégué à la protection des données »"
    )
    email: Email
    address: str | dict[Literal["fr", "en"], str] = Field(
        "", description="Postal address for written requests"
    )


class Legal(Strict):
    entity: str = Field(min_length=2, description="Legal entity that runs the portal")
    address: str = ""
    registration: str = Field("", description="RCS / SIREN / ORIAS mentions")
    notice: str = Field(min_length=10, description="Legal notice (mentions légales)")
    # Intra-community VAT number of the seller, printed on invoices (checked: stdnum eu.vat).
    vat_number: Annotated[str, AfterValidator(_vat_number)] | None = None
    dpo: Dpo | None = None


class Brand(Strict):
    logo: str = Field(description="Path of the logo inside theme/static/")
    favicon: str = Field(description="Path of the favicon inside theme/static/")
    primary: Colour
    primary_text: Colour = "#ffffff"
    accent: Colour
    background: Colour = "#ffffff"
    text: Colour = "#1f2933"
    font_family: str = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"
    # Either one text, or one per language: tagline = { fr = "…", en = "…" }
    tagline: str | dict[Literal["fr", "en"], str] = ""


PAGE_FILE = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


def _page_link(value: str) -> str:
    """An http(s) address, or the name of a page file of ``pages/`` (``aide`` or ``aide.md``
    for ``pages/aide.<language>.md``); whether that file exists is checked with the folder."""
    value = value.strip()
    if value.startswith(("http://", "https://")):
        rest = value.split("://", 1)[1]
        if not rest or not HOST.match(rest.split("/", 1)[0].split(":", 1)[0].lower()):
            raise ValueError(f"{value!r} is not a valid http(s) address")
        return value
    name = value.removeprefix("pages/").removesuffix(".md")
    if not PAGE_FILE.match(name):
        raise ValueError(
            f"{value!r} is neither an http(s) address nor the name of a file of pages/ "
            '(e.g. "aide" for pages/aide.fr.md)'
        )
    return name


PageLink = Annotated[str, AfterValidator(_page_link)]


class FooterLinks(Strict):
    """``[footer]``: where each of the tenant's pages lives (portal.core.pages). A key left out:
    the page is served from ``pages/<page>.<language>.md`` when that file exists, else not linked;
    an http(s) address: an external page; a name: the page file ``pages/<name>.<language>.md``,
    which must exist. The contact link is always the portal's contact form."""

    faq: PageLink | None = None
    user_doc: PageLink | None = None
    demos: PageLink | None = None
    terms: PageLink | None = None  # CGU
    cgv: PageLink | None = None  # CGV: where accounts pay
    privacy: PageLink | None = None
    legal_notice: PageLink | None = None


class EmailSender(Strict):
    name: str = Field(min_length=2)
    address: Email
    reply_to: Email | None = None


class Retention(Strict):
    """``[retention]``, in days: unfinished drafts (two years by default), the trash (60 days),
    sending proofs (seven years, the legal keeping of registered-letter evidence) and the
    contents of paper mail after posting (14 days)."""

    drafts_days: int = Field(730, ge=1)
    trash_days: int = Field(60, ge=1)
    proofs_days: int = Field(7 * 365, ge=1)
    paper_contents_days: int = Field(14, ge=1)


class Accounts(Strict):
    """``[accounts]``: how professionals get an account and how sessions behave."""

    # self: sign-up + emailed activation link; approval: an operator approves the request, then
    # the credentials link is emailed; invite: accounts are created by operators and the holder
    # sets a first password from an emailed link.
    signup: Literal["self", "approval", "invite"] = "self"
    # Who the accounts are (portal.core.accounts.kinds): agency, member or sales_agent.
    kind: Literal["agency", "member", "sales_agent"] = "agency"
    idle_timeout_minutes: int = Field(30, ge=5, le=24 * 60)
    # Absolute lifetime of a session, counted from login whatever the activity.
    session_max_hours: int = Field(12, ge=1, le=7 * 24)
    activation_link_hours: int = Field(72, ge=1)
    reset_link_hours: int = Field(2, ge=1, le=72)
    closure_grace_days: int = Field(30, ge=1)
    # The "affiliation" list of the sign-up form; "Pas d'affiliation" is always offered first.
    affiliations: list[str] = Field(default_factory=lambda: ["Agent général", "Courtier"])
    document_validity_months: int = Field(12, ge=1)
    # Addresses abroad (expatriates): the address gets a country and a foreign postal code.
    foreign_addresses: bool = False


def vat_rate_bp(value: str | int | float) -> int:
    """``"20"`` / ``"5,5"`` / ``5.5`` (percent) → basis points (``2000``, ``550``)."""
    from decimal import Decimal, InvalidOperation

    try:
        rate = Decimal(str(value).strip().replace(",", ".").removesuffix("%").strip())
    except InvalidOperation:
        raise ValueError(f'{value!r} is not a VAT rate (e.g. "20" or "5.5")') from None
    points = rate * 100
    if not rate.is_finite() or points != points.to_integral_value() or not 0 <= rate <= 100:
        raise ValueError(f"{value!r} is not a VAT rate between 0 and 100 with two decimals at most")
    return int(points)


class PriceOverride(Strict):
    """``[prices] code = { price_cents = 378, vat_rate = "20" }``: a priced item's price (cents
    incl. VAT; negative only for a discount item) and, optionally, its VAT rate in percent."""

    price_cents: int
    vat_rate: str | int | float | None = None

    @field_validator("vat_rate")
    @classmethod
    def _rate(cls, value):
        if value is not None:
            vat_rate_bp(value)
        return value

    @property
    def vat_rate_bp(self) -> int | None:
        return None if self.vat_rate is None else vat_rate_bp(self.vat_rate)


class CreditSettings(Strict):
    """``[credits]``: the amounts offered on « Achat de crédits », in cents incl. VAT, and the
    one selected first (the first amount if it is not one of them)."""

    purchase_amounts: list[Annotated[int, Field(ge=100, le=1_000_000)]] = Field(
        default_factory=lambda: [2000, 3000, 5000, 10000, 20000, 50000], min_length=1
    )
    default_purchase_amount: int | None = 3000

    @field_validator("purchase_amounts")
    @classmethod
    def _amounts(cls, value: list[int]) -> list[int]:
        if len(set(value)) != len(value):
            raise ValueError("an amount is listed twice")
        return sorted(value)

    @property
    def default_amount(self) -> int:
        if self.default_purchase_amount in self.purchase_amounts:
            return self.default_purchase_amount
        return self.purchase_amounts[0]


class Signatures(BaseModel):
    """``[signatures]``: who runs the e-signatures (``builtin``, or an outside provider whose own
    keys sit here too, e.g. ``yousign``'s), the reminders sent before a deadline (hours before)
    and the deadline a procedure gets when its plugin gives none (days)."""

    model_config = ConfigDict(extra="allow", frozen=True)
    provider: str = Field("builtin", min_length=2, max_length=40)
    reminder_hours: list[Annotated[int, Field(ge=1, le=24 * 60)]] = Field(
        default_factory=lambda: [48, 24]
    )
    default_deadline_days: int = Field(7, ge=1, le=365)

    @field_validator("reminder_hours")
    @classmethod
    def _hours(cls, value: list[int]) -> list[int]:
        if len(set(value)) != len(value):
            raise ValueError("a reminder is listed twice")
        return sorted(value, reverse=True)

    @field_validator("provider")
    @classmethod
    def _known_provider(cls, value: str) -> str:
        # Refused when the tenants are synced, not when the first webhook arrives.
        from portal.core.signatures.providers import registered

        if value not in registered():
            raise ValueError(f"unknown provider {value!r} (known: {', '.join(registered())})")
        return value


class PluginEntry(BaseModel):
    """``[plugins.<name>]``: ``enabled`` plus the plugin's own settings (the plugin validates)."""

    model_config = ConfigDict(extra="allow", frozen=True)
    enabled: bool = True


class TenantConfig(Strict):
    slug: str = Field(pattern=SLUG.pattern)
    name: str = Field(min_length=2)
    hosts: list[str] = Field(default_factory=list)
    default_locale: Literal["fr", "en"] = "fr"
    locales: list[Literal["fr", "en"]] = Field(default_factory=lambda: ["fr", "en"])
    timezone: str = "Europe/Paris"
    legal: Legal
    brand: Brand
    footer: FooterLinks = FooterLinks()
    email: EmailSender
    retention: Retention = Retention()
    accounts: Accounts = Accounts()
    messaging: MessagingSettings = MessagingSettings()
    onboarding: OnboardingSettings = OnboardingSettings()
    plugins: dict[str, PluginEntry] = Field(default_factory=dict)
    # Prices by priced-item code: cents incl. VAT (``378``), or a table with the VAT rate
    # (``{ price_cents = 378, vat_rate = "20" }``); see portal.core.pricing.
    prices: dict[str, int | PriceOverride] = Field(default_factory=dict)
    # [credits]: the amounts offered on « Achat de crédits ».
    credits: CreditSettings = CreditSettings()
    # [signatures]: the e-signature provider, reminders and default deadline.
    signatures: Signatures = Signatures()

    @field_validator("hosts")
    @classmethod
    def _hosts(cls, hosts: list[str]) -> list[str]:
        cleaned = [h.strip().lower() for h in hosts]
        for host in cleaned:
            if not HOST.match(host):
                raise ValueError(f"{host!r} is not a valid host name")
        if len(set(cleaned)) != len(cleaned):
            raise ValueError("a host is listed twice")
        return cleaned

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value

    @field_validator("locales")
    @classmethod
    def _locales(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("at least one locale is required")
        return value

    def enabled_plugins(self) -> frozenset[str]:
        return frozenset(name for name, entry in self.plugins.items() if entry.enabled)

    def plugin_settings(self, name: str) -> dict:
        entry = self.plugins.get(name)
        if entry is None:
            return {}
        return {k: v for k, v in entry.model_dump().items() if k != "enabled"}


class TenantConfigError(ValueError):
    """A tenant.toml that does not validate: names the file, the key and the problem."""

    def __init__(self, source: str, problems: list[tuple[str, str]]):
        self.source = source
        self.problems = problems
        lines = [f"{source}: {key}: {problem}" for key, problem in problems]
        super().__init__("\n".join(lines))


def problems_from(error: ValidationError, prefix: str = "") -> list[tuple[str, str]]:
    """Turn a pydantic error into (dotted key, readable problem) pairs."""
    problems = []
    for item in error.errors():
        key = ".".join(str(part) for part in item["loc"]) or "(file)"
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] == "missing":
            message = "this key is required"
        elif item["type"] == "extra_forbidden":
            message = "unknown key"
        problems.append((f"{prefix}{key}", message))
    return problems
