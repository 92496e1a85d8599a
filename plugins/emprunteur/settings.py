"""Tenant settings of the emprunteur plugin."""

from pydantic import BaseModel, ConfigDict, Field


class EmprunteurSettings(BaseModel):
    """``[plugins.emprunteur]``: the minimum notice of SPEC §6."""

    model_config = ConfigDict(extra="forbid")
    min_effective_days: int = Field(25, ge=1)
    recommended_months: float = Field(2.5, gt=0)
