"""Tenant settings of the resiliation plugin."""

from datetime import time

from pydantic import BaseModel, ConfigDict


class ResiliationSettings(BaseModel):
    """``[plugins.resiliation]``: the day's last send times (Europe/Paris) of a letter in the
    agency's name, of a first letter and of a letter signed by the platform; whether letters may
    go in the platform's name."""

    model_config = ConfigDict(extra="forbid")
    agency_cutoff: time = time(20, 0)
    first_letter_cutoff: time = time(18, 0)
    platform_signature_cutoff: time = time(20, 0)
    allow_platform_sender: bool = True
