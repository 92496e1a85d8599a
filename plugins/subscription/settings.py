"""Tenant settings of the subscription plugin."""

from pydantic import BaseModel, ConfigDict, Field


class SubscriptionSettings(BaseModel):
    """``[plugins.subscription]``: the ``products`` sold (files ``tenants/<slug>/products/<code>
    .toml``, in this order); a quote is valid ``quote_validity_days`` days; the client's
    e-signature has ``signature_hours`` to be completed; a client-space sign-in link is valid
    ``client_link_hours``; the SEPA creditor identifier (ICS) printed on mandates."""

    model_config = ConfigDict(extra="forbid")
    products: list[str] = Field(default_factory=list)
    quote_validity_days: int = Field(30, ge=1)
    signature_hours: int = Field(24, ge=1)
    client_link_hours: int = Field(72, ge=1)
    sepa_creditor_id: str = Field(
        "FR00ZZZ000000", pattern=r"^[A-Z]{2}[0-9]{2}[A-Z0-9]{3}[A-Z0-9]{1,28}$"
    )
    debit_day: int = Field(5, ge=1, le=28)
