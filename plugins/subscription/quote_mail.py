"""The quote email (guide §2, « Votre devis … proposé par … »): the quote PDF and the product
documents to the client, the agent in copy, with the link to subscribe online; sent once by a
job after the quote is issued.

OWNED BY the quote helper (see /tmp/briefs): ``after_issue`` is called by
``quotes.issue_quote`` in its transaction."""

from __future__ import annotations


def after_issue(quote) -> None:
    """Queue what follows an issued quote (its PDF and email, once)."""


JOBS: list = []
PERIODIC_JOBS: list = []
