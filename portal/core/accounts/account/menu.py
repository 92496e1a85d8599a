"""The « Mon compte » menu: assembled from what each module contributes for this account."""

from __future__ import annotations

from flask import request, url_for

from portal.core.accounts.session import current_account, current_profile
from portal.core.plugins import current_plugins
from portal.core.tenants import current_tenant
from portal.core.web.pipeline import may_open


def account_menu() -> list[dict]:
    """The account area's menu for the logged-in account, in order, with the current page."""
    account = current_account()
    if account is None:
        return []
    items = current_plugins().collect(
        "account_menu_items", tenant=current_tenant(), account=account, profile=current_profile()
    )
    return [
        {
            "label": item.label,
            "url": url_for(item.endpoint, **item.values),
            "endpoint": item.endpoint,
            "current": request.endpoint == item.endpoint,
        }
        for item in sorted(items, key=lambda i: i.order)
        if may_open(item.endpoint, current_profile())  # no link to a page closed to this profile
    ]
