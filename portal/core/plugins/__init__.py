"""Plugins: the hook contract, metadata types and the per-tenant plugin manager.

A plugin imports what it needs from here::

    from portal.core.plugins import hookimpl, PluginInfo, NavItem
"""

from flask import current_app

from portal.core.hookspecs import hookimpl
from portal.core.plugins.manager import ENTRY_POINT_GROUP, PluginError, PortalPlugins
from portal.core.plugins.types import (
    CORE_API,
    DashboardWidget,
    NavItem,
    PeriodicJob,
    PluginInfo,
    PricedItem,
    ReadinessItem,
    TaxonomyNode,
)

__all__ = [
    "CORE_API",
    "ENTRY_POINT_GROUP",
    "DashboardWidget",
    "NavItem",
    "PeriodicJob",
    "PluginError",
    "PluginInfo",
    "PortalPlugins",
    "PricedItem",
    "ReadinessItem",
    "TaxonomyNode",
    "current_plugins",
    "hookimpl",
]


def current_plugins() -> PortalPlugins:
    """The plugin manager of the running application."""
    return current_app.extensions["portal.plugins"]
