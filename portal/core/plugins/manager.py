"""Finding plugins (entry points) and calling their hooks with per-tenant enablement."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from importlib.metadata import entry_points
from pathlib import Path
from types import ModuleType
from typing import Any

import pluggy

from portal.core import hookspecs
from portal.core.plugins.types import CORE_API, PluginInfo

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "portal.plugins"
CORE_PREFIX = "core."


class PluginError(RuntimeError):
    """A plugin could not be loaded (bad metadata, incompatible contract, duplicate name)."""


class PortalPlugins:
    """The application's plugin manager: installed plugins, their metadata and hook calls.

    Core modules are registered too (names starting with ``core.``) and always run; a plugin's
    implementations run only for tenants that enable it when the call names a tenant.
    """

    def __init__(self) -> None:
        self.pm = pluggy.PluginManager("portal")
        self.pm.add_hookspecs(hookspecs)
        self.infos: dict[str, PluginInfo] = {}

    # -- registration ---------------------------------------------------------------------------

    def register_core(self, name: str, module: ModuleType) -> None:
        self.pm.register(module, name=CORE_PREFIX + name)

    def register_plugin(self, name: str, module: ModuleType) -> None:
        info = getattr(module, "plugin_info", None)
        if not isinstance(info, PluginInfo):
            raise PluginError(f"plugin {name!r}: module {module.__name__} has no plugin_info")
        if info.name != name:
            raise PluginError(f"plugin {name!r}: plugin_info.name is {info.name!r}")
        if info.core_api != CORE_API:
            raise PluginError(
                f"plugin {name!r} was written for core API {info.core_api}, this core is {CORE_API}"
            )
        if name in self.infos:
            raise PluginError(f"two plugins are named {name!r}")
        self.pm.register(module, name=name)
        self.infos[name] = info

    def load_entry_points(self, group: str = ENTRY_POINT_GROUP) -> None:
        """Register every plugin advertised in the entry-point group (built-in or third-party)."""
        seen: set[str] = set()
        for ep in sorted(entry_points(group=group), key=lambda e: e.name):
            if ep.name in seen:  # the same distribution visible twice on sys.path
                continue
            seen.add(ep.name)
            try:
                module = ep.load()
            except Exception as exc:
                raise PluginError(
                    f"plugin {ep.name!r} ({ep.value}) failed to import: {exc}"
                ) from exc
            self.register_plugin(ep.name, module)

    # -- queries --------------------------------------------------------------------------------

    def package_folders(self, folder: str) -> list[Path]:
        """``<plugin package>/<folder>`` of every plugin that has one (templates, translations):
        picked up by convention, the hooks only add more."""
        found = []
        for name in self.names:
            module = self.pm.get_plugin(name)
            package_file = getattr(module, "__file__", None)
            if package_file and (Path(package_file).parent / folder).is_dir():
                found.append(Path(package_file).parent / folder)
        return found

    @property
    def names(self) -> list[str]:
        return sorted(self.infos)

    def is_enabled(self, plugin_name: str, tenant: Any) -> bool:
        """Core modules are always on; a plugin is on where the tenant's config enables it."""
        if plugin_name.startswith(CORE_PREFIX):
            return True
        return tenant is not None and plugin_name in tenant.enabled_plugins

    def call_each(self, hook_name: str, *, tenant: Any = None, **kwargs) -> list[tuple[str, Any]]:
        """Call a hook and return ``(plugin name, answer)`` pairs, ``None`` answers dropped.

        With ``tenant`` given (it is then also passed to the hook), plugins disabled on that
        tenant are skipped. Implementations run in pluggy's order (last registered first).
        """
        caller = getattr(self.pm.hook, hook_name)
        if tenant is not None:
            kwargs["tenant"] = tenant
        answers = []
        for impl in reversed(caller.get_hookimpls()):
            if tenant is not None and not self.is_enabled(impl.plugin_name, tenant):
                continue
            result = impl.function(*(kwargs[arg] for arg in impl.argnames))
            if result is not None:
                answers.append((impl.plugin_name, result))
        return answers

    def collect(self, hook_name: str, *, tenant: Any = None, **kwargs) -> list[Any]:
        """Call a hook whose answers are lists and return them concatenated."""
        items: list[Any] = []
        for _, answer in self.call_each(hook_name, tenant=tenant, **kwargs):
            items.extend(answer if isinstance(answer, Iterable) else [answer])
        return items
