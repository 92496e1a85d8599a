"""Finding plugins (entry points) and calling their hooks with per-tenant enablement."""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable
from functools import cached_property
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
# Hooks whose implementations live in a plugin's package folder by convention, hook adds more.
PACKAGE_FOLDER_HOOKS = {"templates": "template_folders", "translations": "translation_folders"}


class PluginError(RuntimeError):
    """A plugin could not be loaded (bad metadata, incompatible contract, duplicate name, unknown
    hook, table outside its prefix)."""


class PortalPlugins:
    """The application's plugin manager: installed plugins, their metadata and hook calls.

    Core modules are registered too (names starting with ``core.``) and always run; a plugin's
    implementations run only for tenants that enable it when the call names a tenant. Calls go
    through pluggy itself (``pm.trace``, hook wrappers), on a hook caller without the plugins
    the tenant disables.
    """

    def __init__(self) -> None:
        self.pm = pluggy.PluginManager("portal")
        self.pm.add_hookspecs(hookspecs)
        self.infos: dict[str, PluginInfo] = {}
        self._callers: dict[tuple[str, frozenset], pluggy.HookCaller] = {}

    # -- registration ---------------------------------------------------------------------------

    def register_core(self, name: str, module: Any) -> None:
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

    def load_entry_points(
        self, group: str = ENTRY_POINT_GROUP, only: Collection[str] | None = None
    ) -> None:
        """Register the plugins advertised in the entry-point group (built-in or third-party):
        all of them, or ``only`` those named (the app's ``PORTAL_PLUGINS``)."""
        found = {}
        for ep in sorted(entry_points(group=group), key=lambda e: e.name):
            found.setdefault(ep.name, ep)  # the same distribution visible twice on sys.path
        if only is not None:
            missing = sorted(set(only) - set(found))
            if missing:
                raise PluginError(f"PORTAL_PLUGINS names plugins not installed: {missing}")
            found = {name: ep for name, ep in found.items() if name in only}
        for name, ep in found.items():
            try:
                module = ep.load()
            except Exception as exc:
                raise PluginError(f"plugin {name!r} ({ep.value}) failed to import: {exc}") from exc
            self.register_plugin(name, module)

    # -- start-up checks ------------------------------------------------------------------------

    def check_pending(self) -> None:
        """Every hook implementation matches a hookspec: a misspelt one fails loudly."""
        try:
            self.pm.check_pending()
        except pluggy.PluginValidationError as exc:
            name = self.pm.get_name(exc.plugin)
            raise PluginError(f"plugin {name!r}: {exc}") from None

    def check_tables(self, models: Iterable[type]) -> None:
        """Each plugin's tables are named ``<plugin>_…``: its models are those it returns from
        ``register_models`` and every mapped class defined in its package."""
        returned = dict(self.call_each("register_models"))
        for name in self.names:
            package = self.pm.get_plugin(name).__name__
            own = set(returned.get(name) or ())
            own |= {m for m in models if f"{m.__module__}.".startswith(f"{package}.")}
            for model in own:
                table = model.__table__.name
                if not table.startswith(f"{name}_"):
                    raise PluginError(
                        f"plugin {name!r}: table {table!r} ({model.__name__}) must be named "
                        f"{name}_…"
                    )

    # -- queries --------------------------------------------------------------------------------

    @property
    def names(self) -> list[str]:
        return sorted(self.infos)

    @property
    def core_names(self) -> set[str]:
        """The registered core modules, as ``core.<module>``."""
        return {name for name, _ in self.pm.list_name_plugin() if name.startswith(CORE_PREFIX)}

    def package_folders(self, kind: str) -> dict[str, list[Path]]:
        """``{plugin: folders}`` of a kind (``templates``, ``translations``): the plugin
        package's own ``<kind>/`` folder by convention, then the ones its hook adds."""
        return self._package_folders[kind]

    @cached_property
    def _package_folders(self) -> dict[str, dict[str, list[Path]]]:
        found: dict[str, dict[str, list[Path]]] = {}
        for kind, hook in PACKAGE_FOLDER_HOOKS.items():
            extra = dict(self.call_each(hook))
            found[kind] = {}
            for name in self.names:
                package_file = getattr(self.pm.get_plugin(name), "__file__", None)
                folders = [Path(package_file).parent / kind] if package_file else []
                folders += [Path(p) for p in extra.get(name) or ()]
                found[kind][name] = list(dict.fromkeys(f for f in folders if f.is_dir()))
        return found

    def is_enabled(self, plugin_name: str, tenant: Any) -> bool:
        """Core modules are always on; a plugin is on where the tenant's config enables it."""
        if plugin_name.startswith(CORE_PREFIX):
            return True
        return tenant is not None and plugin_name in tenant.enabled_plugins

    # -- calls ----------------------------------------------------------------------------------

    def hook_caller(self, hook_name: str, tenant: Any = None) -> pluggy.HookCaller:
        """The pluggy caller of a hook; with ``tenant``, without the plugins it disables."""
        if tenant is None:
            return getattr(self.pm.hook, hook_name)
        key = (hook_name, self._disabled(tenant))
        caller = self._callers.get(key)
        if caller is None:
            caller = self._callers[key] = self.pm.subset_hook_caller(hook_name, key[1])
        return caller

    def _disabled(self, tenant: Any) -> frozenset:
        if tenant is None:
            return frozenset()
        return frozenset(
            plugin
            for name, plugin in self.pm.list_name_plugin()
            if not self.is_enabled(name, tenant)
        )

    def call(self, hook_name: str, *, tenant: Any = None, **kwargs) -> list[Any]:
        """Call a hook through pluggy and return its answers (``None`` answers dropped).

        With ``tenant`` given (it is then also passed to the hook), plugins disabled on that
        tenant are skipped. Implementations run in pluggy's order (last registered first).
        """
        if tenant is not None:
            kwargs["tenant"] = tenant
        return self.hook_caller(hook_name, tenant)(**kwargs)

    def first(self, hook_name: str, *, tenant: Any = None, **kwargs) -> Any:
        """Call a ``firstresult`` hook through pluggy: the first answer that is not None."""
        if tenant is not None:
            kwargs["tenant"] = tenant
        return self.hook_caller(hook_name, tenant)(**kwargs)

    def call_each(self, hook_name: str, *, tenant: Any = None, **kwargs) -> list[tuple[str, Any]]:
        """Like :meth:`call`, as ``(plugin name, answer)`` pairs: one pluggy call per plugin, for
        start-up hooks whose answers belong to their plugin (blueprints, jobs, settings)."""
        if tenant is not None:
            kwargs["tenant"] = tenant
        impls = [
            impl
            for impl in reversed(self.hook_caller(hook_name, tenant).get_hookimpls())
            if not (impl.hookwrapper or impl.wrapper)
        ]
        first_result = bool(getattr(self.pm.hook, hook_name).spec.opts.get("firstresult"))
        answers = []
        for impl in impls:
            others = [other.plugin for other in impls if other is not impl]
            caller = self.pm.subset_hook_caller(hook_name, [*others, *self._disabled(tenant)])
            result = caller(**kwargs)
            if first_result:
                result = [] if result is None else [result]
            answers.extend((impl.plugin_name, answer) for answer in result)
        return answers

    def collect(self, hook_name: str, *, tenant: Any = None, **kwargs) -> list[Any]:
        """Call a hook whose answers are lists and return them concatenated."""
        items: list[Any] = []
        for answer in self.call(hook_name, tenant=tenant, **kwargs):
            items.extend(answer if isinstance(answer, Iterable) else [answer])
        return items
