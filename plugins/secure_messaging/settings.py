"""Tenant settings of the secure_messaging plugin."""

from pydantic import BaseModel, ConfigDict, Field


class SecureMessagingSettings(BaseModel):
    """``[plugins.secure_messaging]``: the document types of the deposit service. (The message
    length and the taxonomy are the core's: ``[messaging]``.)"""

    model_config = ConfigDict(extra="forbid")
    document_types: list[str] = Field(
        min_length=1,
        default=[
            "Justificatif de domicile",
            "Attestation",
            "Relevé d'identité bancaire",
            "Autre document",
        ],
    )
