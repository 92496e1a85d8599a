"""Tenant settings of the subscription plugin."""

from pydantic import BaseModel, ConfigDict, Field


class SubscriptionSettings(BaseModel):
    """``[plugins.subscription]``: a quote is valid ``quote_validity_days`` days; its number starts
    with ``quote_prefix``."""

    model_config = ConfigDict(extra="forbid")
    quote_validity_days: int = Field(30, ge=1)
    quote_prefix: str = Field("DEV", pattern=r"^[A-Z]{2,5}$")
