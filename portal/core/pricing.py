"""A tenant's price list: what its enabled plugins bill, with the tenant's own prices applied."""

from __future__ import annotations

from dataclasses import replace

from portal.core.plugins import PricedItem, current_plugins
from portal.core.tenants import CurrentTenant


def price_list(tenant: CurrentTenant) -> dict[str, PricedItem]:
    """Priced items of the plugins enabled on ``tenant``, by code; ``[prices]`` overrides win."""
    overrides = tenant.config.prices
    items = current_plugins().collect("priced_items", tenant=tenant)
    return {
        item.code: replace(item, price_cents=overrides.get(item.code, item.price_cents))
        for item in items
    }
