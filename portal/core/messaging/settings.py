"""``[messaging]`` of ``tenant.toml``: the user categories and the theme → topic → reason
taxonomy of the tenant's secure messaging and help requests.

```toml
[messaging]
categories = ["individual", "farmer", "employer"]   # the first is the default of an account
message_max_chars = 750                              # a secure message (10 to 750 characters)
help_max_chars = 5000                                # a help request or a contact message

[[messaging.themes]]
code = "famille"
label = { fr = "Famille, logement", en = "Family, housing" }
categories = ["individual", "farmer"]                # empty: every category

[[messaging.themes.topics]]
code = "allocations-familiales"
label = "Allocations familiales"

[[messaging.themes.topics.reasons]]
code = "changement-situation"
label = "Changement de situation - Famille"
service = { title = "Déclarer un changement de situation", url = "https://…" }
```
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

CODE = r"^[a-z0-9][a-z0-9_-]{0,47}$"
LocalizedText = str | dict[Literal["fr", "en"], str]
Code = Annotated[str, Field(pattern=CODE)]
Category = Literal["agent", "client", "individual", "farmer", "employer"]
# Conversations written to the operators' support (``ConversationKind`` values) rather than
# through the secure messaging: their messages follow ``help_max_chars``.
HELP_KINDS = frozenset({"help", "contact"})


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class OnlineService(_Strict):
    """An online service offered instead of writing (« J'utilise le service en ligne »)."""

    title: LocalizedText
    url: str = Field(pattern=r"^(https?://|/)")


class _Entry(_Strict):
    code: Code
    label: LocalizedText
    categories: list[Category] = Field(default_factory=list)
    service: OnlineService | None = None


def _unique_codes(entries: list[_Entry]) -> list[_Entry]:
    codes = [entry.code for entry in entries]
    duplicates = sorted({code for code in codes if codes.count(code) > 1})
    if duplicates:
        raise ValueError(f"code listed twice: {', '.join(duplicates)}")
    return entries


class Reason(_Entry):
    pass


class Topic(_Entry):
    reasons: list[Reason] = Field(default_factory=list)

    @field_validator("reasons")
    @classmethod
    def _unique(cls, reasons):
        return _unique_codes(reasons)


class Theme(_Entry):
    topics: list[Topic] = Field(default_factory=list)

    @field_validator("topics")
    @classmethod
    def _unique(cls, topics):
        return _unique_codes(topics)


class MessagingSettings(_Strict):
    """The tenant's user categories and taxonomy; without themes the built-in help-request
    subjects are used (``portal.core.messaging.taxonomy.DEFAULT_THEMES``)."""

    categories: list[Category] = Field(default_factory=lambda: ["agent"], min_length=1)
    themes: list[Theme] = Field(default_factory=list)
    # Every user message holds at least 10 characters; a secure message or a deposit's comment
    # at most 750 (MSA guide); a help request, its replies and a visitor's « Nous contacter »
    # their own maximum (the seeds set none and ask for questions « précisées au maximum »).
    # ``body_length(kind)`` is the one place that picks the limits of a conversation.
    message_min_chars: int = Field(10, ge=1)
    message_max_chars: int = Field(750, ge=10, le=10000)
    help_max_chars: int = Field(5000, ge=10, le=10000)
    max_attachments: int = Field(5, ge=0, le=20)
    # The agents' « Aide » menu (help request, follow my requests); a member-facing tenant
    # whose users write through the secure_messaging plugin may turn it off.
    help_requests: bool = True

    @field_validator("themes")
    @classmethod
    def _unique(cls, themes):
        return _unique_codes(themes)

    @model_validator(mode="after")
    def _limits(self):
        for key in ("message_max_chars", "help_max_chars"):
            if getattr(self, key) < self.message_min_chars:
                raise ValueError(f"{key} is below message_min_chars")
        return self

    def body_length(self, kind: str) -> tuple[int, int]:
        """``(minimum, maximum)`` characters of a user's message in a conversation of ``kind``
        (a ``ConversationKind`` or its value): help requests and contact messages have
        ``help_max_chars``, secure messages and deposits ``message_max_chars``."""
        maximum = self.help_max_chars if str(kind) in HELP_KINDS else self.message_max_chars
        return self.message_min_chars, maximum
