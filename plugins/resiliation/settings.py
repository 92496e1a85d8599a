"""Tenant settings of the resiliation plugin."""

from datetime import time

from pydantic import BaseModel, ConfigDict


class ResiliationSettings(BaseModel):
    """``[plugins.resiliation]``: send hours of SPEC §4 (Europe/Paris)."""

    model_config = ConfigDict(extra="forbid")
    agency_cutoff: time = time(20, 0)
    first_letter_cutoff: time = time(18, 0)
    platform_signature_cutoff: time = time(20, 0)
    allow_platform_sender: bool = True
