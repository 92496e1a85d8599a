"""Signature providers: the interface (``base``), the adapters, and the choice among them.

``provider_from_config(config, **overrides)`` builds the provider a configuration names
(``provider = "..."``, default ``"builtin"``, the portal's own engine). Adapters register a
factory under their name with ``register``: ``"builtin"`` (overrides ``account=``, ``profile=``,
``owner=``: who asks, needed to create a procedure) and ``"yousign"`` (overrides ``session=``,
``now=`` for tests).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any

from portal.core.signatures.providers.base import ProviderConfigError, SignatureProvider

DEFAULT_PROVIDER = "builtin"

Factory = Callable[..., SignatureProvider]
_registry: dict[str, Factory] = {}


def register(name: str, factory: Factory) -> None:
    """Make ``provider = "<name>"`` build its provider with ``factory(config, **overrides)``."""
    _registry[name] = factory


def registered() -> list[str]:
    return sorted(_registry)


def provider_from_config(config: Mapping[str, Any], **overrides: Any) -> SignatureProvider:
    """The provider ``config`` names (a mapping such as a tenant's ``[signatures]`` section).
    ``overrides`` reach the factory (tests pass ``session=`` and ``now=``)."""
    name = str(config.get("provider") or DEFAULT_PROVIDER)
    factory = _registry.get(name)
    if factory is None:
        known = ", ".join(registered()) or "none"
        raise ProviderConfigError(
            f"signature provider {name!r} is not available (registered: {known})"
        )
    return factory(config, **overrides)


def _builtin(config: Mapping[str, Any], **overrides: Any) -> SignatureProvider:
    from portal.core.signatures.providers.builtin import factory

    return factory(config, **overrides)


def _yousign(config: Mapping[str, Any], **overrides: Any) -> SignatureProvider:
    from portal.core.signatures.providers.yousign import YousignProvider

    settings = {
        "api_key": config.get("api_key", ""),
        "webhook_secret": config.get("webhook_secret", ""),
        "sandbox": bool(config.get("sandbox", True)),
        "base_url": config.get("base_url"),
    }
    if "max_age_days" in config:
        settings["max_age"] = timedelta(days=float(config["max_age_days"]))
    return YousignProvider(**{**settings, **overrides})


register("builtin", _builtin)
register("yousign", _yousign)
