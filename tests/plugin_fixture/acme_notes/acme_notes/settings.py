from pydantic import BaseModel, ConfigDict, Field


class AcmeSettings(BaseModel):
    """``[plugins.acme_notes]`` of a tenant."""

    model_config = ConfigDict(extra="forbid")
    greeting: str = "Bonjour"
    max_notes: int = Field(10, ge=1)
