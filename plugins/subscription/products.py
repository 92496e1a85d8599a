"""Products as data: each tenant describes what it sells in ``tenants/<slug>/products/<code>.toml``
(named in ``[plugins.subscription] products``), read and validated here.

A product has formulas (each covering the five needs up to a level, with its guarantee table and
its monthly tariff by age band), options, the regimes and zones it accepts with their
coefficients, the association fee, and its documents (IPID, general rules, guarantee table,
brochure, reimbursement examples) written as text the plugin lays out as PDFs. Prices are
integer cents, TTC; :mod:`plugins.subscription.rules` computes a household's price from them.
"""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from plugins.subscription.rules import LEVELS, NEEDS, REGIMES

DOCUMENT_KINDS = ("ipid", "general_rules", "guarantee_table", "brochure", "reimbursement_examples")


class ProductError(ValueError):
    """A product file that cannot be read or does not validate: ``path`` and what is wrong."""

    def __init__(self, path: Path, problem: str):
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Formula(_Strict):
    """One formula: ``levels`` says up to which level (index in ``rules.LEVELS``) it covers each
    need; ``adult`` the monthly price in cents per age band (``Tariff.age_bands``) of one adult,
    ``child`` the monthly price of one child; ``guarantees`` the lines of its guarantee table
    (« Hospitalisation — chambre particulière » → « 60 € / jour »), in order."""

    code: str = Field(pattern=r"^[A-Z0-9_-]{1,20}$")
    name: str
    levels: dict[str, int]
    adult: list[int]
    child: int = Field(ge=0)
    guarantees: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _levels_known(self):
        if set(self.levels) != set(NEEDS):
            raise ValueError(f"levels must name exactly {', '.join(NEEDS)}")
        if any(not 0 <= level < len(LEVELS) for level in self.levels.values()):
            raise ValueError(f"a level is an index of {LEVELS}")
        return self


class Option(_Strict):
    """An option added to any formula: monthly cents per adult and per child covered."""

    code: str = Field(pattern=r"^[a-z0-9_]{1,30}$")
    name: str
    description: str = ""
    adult: int = Field(ge=0)
    child: int = Field(ge=0)


class Zone(_Strict):
    """A tariff zone: found from the country (ISO 3166 alpha-2) or, in France, the department
    (the postal code's first two digits, three in the overseas departments)."""

    code: str
    label: str
    coefficient: int = Field(gt=0, description="percent applied to the formula's prices")
    countries: list[str] = Field(default_factory=list)
    departments: list[str] = Field(default_factory=list)


class Tariff(_Strict):
    """``age_bands``: the first age of each band (the first is 0), ages at the effective date;
    ``regimes``: the accepted regimes (codes of ``rules.REGIMES``) and their coefficients in
    percent; children are charged up to ``children_charged`` (the next ones are free) until
    ``child_until`` years old; the main insured must be ``min_age``–``max_age``."""

    age_bands: list[int]
    zones: list[Zone]
    default_zone: str
    regimes: dict[str, int]
    children_charged: int = Field(3, ge=0)
    child_until: int = Field(20, ge=0)
    min_age: int = Field(18, ge=0)
    max_age: int = Field(75, ge=0)

    @model_validator(mode="after")
    def _consistent(self):
        if not self.age_bands or self.age_bands[0] != 0 or self.age_bands != sorted(self.age_bands):
            raise ValueError("age_bands start at 0 and increase")
        if self.default_zone not in {zone.code for zone in self.zones}:
            raise ValueError("default_zone must be one of the zones")
        if unknown := set(self.regimes) - set(REGIMES):
            raise ValueError(f"unknown regimes {sorted(unknown)}")
        return self


class Association(_Strict):
    """The association the contract is taken through; its fee is in the monthly price shown."""

    name: str
    monthly_fee: int = Field(ge=0, description="cents per month, per contract")


class Document(_Strict):
    """A product document: its title and its text (paragraphs separated by blank lines; a line
    starting with « # » is a heading)."""

    title: str
    filename: str = Field(pattern=r"^[A-Za-z0-9 _.-]+\.pdf$")
    text: str = ""


class Product(_Strict):
    """One product of a tenant (see the module docstring)."""

    code: str = Field(pattern=r"^[a-z0-9_-]{1,30}$")
    name: str
    prefix: str = Field(pattern=r"^[A-Z]{2,5}$", description="of quote and contract numbers")
    audience: str
    summary: str
    insurer: str
    association: Association
    status_declaration: str = Field(description="« Je déclare que j'ai le statut TNS. »")
    tariff: Tariff
    formulas: list[Formula]
    options: list[Option] = Field(default_factory=list)
    documents: dict[str, Document]

    @model_validator(mode="after")
    def _complete(self):
        if not self.formulas:
            raise ValueError("a product has at least one formula")
        bands = len(self.tariff.age_bands)
        for formula in self.formulas:
            if len(formula.adult) != bands:
                raise ValueError(f"formula {formula.code}: one adult price per age band ({bands})")
        if missing := set(DOCUMENT_KINDS) - set(self.documents):
            raise ValueError(f"documents missing: {sorted(missing)}")
        return self

    def formula(self, code: str) -> Formula | None:
        return next((formula for formula in self.formulas if formula.code == code), None)

    def option(self, code: str) -> Option | None:
        return next((option for option in self.options if option.code == code), None)


def products_dir(tenant) -> Path:
    """``tenants/<slug>/products/``."""
    return tenant.theme_dir.parent / "products"


def load_product(path: Path) -> Product:
    """Read and validate one product file; :class:`ProductError` says what is wrong."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        raise ProductError(path, "file not found") from None
    return _load(path, stat.st_mtime_ns)


@lru_cache(maxsize=64)
def _load(path: Path, _mtime: int) -> Product:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ProductError(path, str(exc)) from None
    try:
        return Product.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in error['loc'])}: {error['msg']}" for error in exc.errors()
        )
        raise ProductError(path, problems) from None


def tenant_products(tenant) -> list[Product]:
    """The products the tenant sells, in the order of its settings."""
    settings = tenant.settings_for("subscription")
    folder = products_dir(tenant)
    return [load_product(folder / f"{code}.toml") for code in settings.products]


def names_of(tenant, row) -> tuple[str, str]:
    """The names of a quote's or contract's product and formula (their codes when the tenant
    no longer sells them)."""
    product = product_of(tenant, row.product_code)
    formula = product.formula(row.formula_code) if product else None
    return (product.name if product else row.product_code), (
        formula.name if formula else row.formula_code
    )


def product_of(tenant, code: str) -> Product | None:
    """The tenant's product ``code`` (None when it does not sell it)."""
    return next((product for product in tenant_products(tenant) if product.code == code), None)
