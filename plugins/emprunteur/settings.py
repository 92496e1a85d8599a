"""Tenant settings of the emprunteur plugin."""

from pydantic import BaseModel, ConfigDict, Field


class EmprunteurSettings(BaseModel):
    """``[plugins.emprunteur]``: a substitution takes effect ``min_effective_days`` days after the
    bank receives the letter at the earliest; ``recommended_months`` is the notice advised."""

    model_config = ConfigDict(extra="forbid")
    min_effective_days: int = Field(25, ge=1)
    recommended_months: float = Field(2.5, gt=0)
