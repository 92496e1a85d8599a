"""Tenant settings of the secure_messaging plugin."""

from pydantic import BaseModel, ConfigDict, Field


class SecureMessagingSettings(BaseModel):
    """``[plugins.secure_messaging]``: message length of SPEC §8 and document types."""

    model_config = ConfigDict(extra="forbid")
    message_min_chars: int = Field(10, ge=1)
    message_max_chars: int = Field(750, ge=10)
    document_types: list[str] = [
        "Justificatif de domicile",
        "Attestation",
        "Relevé d'identité bancaire",
        "Autre document",
    ]
