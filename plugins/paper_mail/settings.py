"""Tenant settings of the paper_mail plugin."""

from datetime import time

from pydantic import BaseModel, ConfigDict, Field


class PaperMailSettings(BaseModel):
    """``[plugins.paper_mail]``: documents handed over before ``cutoff`` (Europe/Paris) leave the
    same day; the largest file and envelope; colour and two-sided printing by default."""

    model_config = ConfigDict(extra="forbid")
    cutoff: time = time(10, 30)
    max_file_mb: int = Field(10, ge=1, le=50)
    max_sheets_per_envelope: int = Field(95, ge=1, le=200)
    colour_by_default: bool = True
    duplex_by_default: bool = True
