"""Credits and billing: the prepaid ledger, payments, receipts and monthly invoices.

Plugins charge through :mod:`portal.core.credits.ledger` inside their own transaction::

    from portal.core.credits.ledger import charge, refund, record_consumption, InsufficientCredit
"""

from flask import Flask

from portal.core.credits import models, payments  # noqa: F401 - register the tables


def init_app(app: Flask) -> None:
    """The holder's billing, credit purchase and credit history pages, the sandbox bank."""
    from portal.core.credits import billing, history

    billing.init_app(app)
    payments.init_app(app)
    app.add_url_rule("/compte/credits/historique", "credits.history", history.history)
