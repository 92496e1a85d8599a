"""What the back office searches an account by: one normalized text (no accents, no case), kept
up to date whenever the account is written, so « lefevre », « LEFÈVRE » and « Lefèvre » find the
same agency on SQLite as on PostgreSQL."""

from __future__ import annotations

import re
import unicodedata

from sqlalchemy import event

from portal.core.accounts.models import Account


def fold(text: str | None) -> str:
    """``text`` without accents, case-folded, with single spaces: « Lefèvre  Assurances » →
    « lefevre assurances »."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return re.sub(r"\s+", " ", bare.casefold()).strip()


def search_text(account: Account) -> str:
    parts = (
        account.email,
        f"{account.first_name} {account.last_name}",
        account.commercial_name,
        account.orias,
        account.siren,
    )
    return " | ".join(fold(part) for part in parts if part)


@event.listens_for(Account, "before_insert")
@event.listens_for(Account, "before_update")
def _refresh(mapper, connection, account: Account) -> None:
    account.search_text = search_text(account)
