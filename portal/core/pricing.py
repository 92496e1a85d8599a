"""A tenant's price list: what its enabled plugins bill, with the tenant's own prices applied.

``[prices]`` in ``tenant.toml`` sets, per priced-item code, either the price alone (integer cents
incl. VAT) or the price and its VAT rate::

    [prices]
    "resiliation.lr" = 290
    identity_verification = { price_cents = 1500, vat_rate = "20" }
    "paper_mail.first_document_address" = { price_cents = -12 }   # a discount stays negative

A price that does not suit its item (negative for an ordinary item, positive for a discount)
raises ``ValueError`` naming the key.
"""

from __future__ import annotations

from dataclasses import replace

from portal.core.plugins import PricedItem, current_plugins
from portal.core.tenants import CurrentTenant


class PriceError(ValueError):
    """A ``[prices]`` entry that does not suit its item."""


def _apply(item: PricedItem, override) -> PricedItem:
    if override is None:
        return item
    if isinstance(override, int):
        changes = {"price_cents": override}
    else:
        changes = {"price_cents": override.price_cents}
        if override.vat_rate_bp is not None:
            changes["vat_rate_bp"] = override.vat_rate_bp
    try:
        return replace(item, **changes)
    except ValueError as exc:
        raise PriceError(f"[prices] {item.code}: {exc}") from None


def price_list(tenant: CurrentTenant) -> dict[str, PricedItem]:
    """Priced items of the plugins enabled on ``tenant``, by code; ``[prices]`` overrides win."""
    overrides = tenant.config.prices
    items = current_plugins().collect("priced_items", tenant=tenant)
    return {item.code: _apply(item, overrides.get(item.code)) for item in items}


def excluding_vat(item: PricedItem) -> int:
    """The item's price excluding VAT, in cents (``3000`` at 20 % → ``2500``)."""
    from portal.core.credits.billing.amounts import split_vat

    return split_vat(item.price_cents, item.vat_rate_bp)[0]


def check_prices(config, plugins, theme_dir=None) -> list[tuple[str, str]]:
    """Problems of a tenant file's ``[prices]``, as (key, problem) pairs for
    ``TenantConfigError``: a plugin's code that plugin does not bill (a typo), or a price that
    does not suit its item (negative for an ordinary item, positive for a discount)."""
    from pathlib import Path

    tenant = CurrentTenant(
        id=0,
        slug=config.slug,
        revision="",
        config=config,
        theme_dir=Path(theme_dir or "."),
    )
    enabled = {item.code: item for item in plugins.collect("priced_items", tenant=tenant)}
    problems = []
    for code, override in config.prices.items():
        item = enabled.get(code)
        if item is None:
            # A plugin's code that its plugin does not bill is a typo (``resiliation.lrr``);
            # another plugin's or a disabled one's price is kept for when it is on.
            plugin = code.split(".", 1)[0] if "." in code else None
            if plugin in plugins.infos and code not in _codes_of(plugins, plugin, tenant):
                problems.append((f"prices.{code}", f"the plugin {plugin!r} bills no such item"))
            continue
        try:
            _apply(item, override)
        except PriceError as exc:
            problems.append((f"prices.{code}", str(exc).rsplit(": ", 1)[-1]))
    return problems


def _codes_of(plugins, name: str, tenant) -> set[str]:
    module = plugins.pm.get_plugin(name)
    hook = getattr(module, "priced_items", None)
    return {item.code for item in (hook(tenant=tenant) or [])} if hook else set()
