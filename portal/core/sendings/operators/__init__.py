"""Sending operators: the interface (``base``), the sandboxes and the adapters, and the choice
among them by configuration: ``PORTAL_LRE_OPERATOR`` (``sandbox`` by default, or ``ar24``) and
``PORTAL_PAPER_OPERATOR`` (``sandbox``, or ``maileva``). A module registers a factory under a
name with ``register(channel, name, factory)``; ``operator_for(channel)`` builds the configured
one (cached per app)."""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app

from portal.core.sendings.operators.base import Channel, Operator

SETTINGS = {Channel.LRE: "PORTAL_LRE_OPERATOR", Channel.PAPER: "PORTAL_PAPER_OPERATOR"}
DEFAULT = "sandbox"

Factory = Callable[[dict], Operator]
_registry: dict[tuple[Channel, str], Factory] = {}


def register(channel: Channel, name: str, factory: Factory) -> None:
    """Make ``PORTAL_<CHANNEL>_OPERATOR=<name>`` build its operator with ``factory(config)``."""
    _registry[(Channel(channel), name)] = factory


def registered(channel: Channel) -> list[str]:
    return sorted(name for (each, name) in _registry if each == channel)


def operator_for(channel: Channel) -> Operator:
    """The running app's operator for ``channel`` (built once per app)."""
    channel = Channel(channel)
    cache = current_app.extensions.setdefault("portal.sending_operators", {})
    operator = cache.get(channel)
    if operator is None:
        name = current_app.config.get(SETTINGS[channel]) or DEFAULT
        factory = _registry.get((channel, name))
        if factory is None:
            known = ", ".join(registered(channel)) or "none"
            raise ValueError(f"{SETTINGS[channel]}={name!r} is not available (known: {known})")
        operator = cache[channel] = factory(current_app.config)
    return operator
