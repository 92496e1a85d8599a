"""The application factory."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask, g, has_request_context
from jinja2 import BaseLoader, ChoiceLoader, Environment, FileSystemLoader, PrefixLoader

from portal.config import load_config

CORE_TEMPLATES = Path(__file__).parent / "core" / "web" / "templates"


class PortalFlask(Flask):
    """Flask with a template environment per tenant.

    Template search order: the tenant's ``theme/templates/``, then the core's folders, then the
    plugins the tenant enables, each serving only the names under its own ``<plugin>/`` folder
    (a plugin's ``templates/core/home.html`` is never served: the core's names are the core's).
    Each tenant gets an *overlay* environment (same filters and globals, its own loader and cache)
    so one tenant's override or plugin is never served to another from Jinja's cache. Without a
    tenant (back office, commands) every installed plugin's own names are found.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The core modules' template folders (each module appends its own at start-up).
        self.template_folders: list[Path] = []
        self._tenant_envs: dict[tuple[str, str], Environment] = {}
        self._tenant_envs_lock = threading.Lock()

    def create_global_jinja_loader(self):
        return _AppTemplateLoader(self)

    @property
    def jinja_env(self) -> Environment:  # type: ignore[override]
        base = self.__dict__.get("_base_jinja_env")
        if base is None:
            base = self.__dict__["_base_jinja_env"] = self.create_jinja_environment()
        tenant = g.get("tenant") if has_request_context() else None
        if tenant is None:
            return base
        key = (tenant.slug, tenant.revision)
        env = self._tenant_envs.get(key)
        if env is None:
            with self._tenant_envs_lock:
                env = base.overlay(
                    loader=ChoiceLoader(
                        [
                            FileSystemLoader(str(tenant.theme_dir / "templates")),
                            base.loader.core,
                            self.plugin_template_loader(tenant.enabled_plugins),
                        ]
                    )
                )
                self._tenant_envs[key] = env
        return env

    def url_for(self, endpoint: str, *, _external: bool | None = None, **values) -> str:
        """An absolute URL of a tenant's page is on the tenant's own address (its configured
        host), never on the request's ``Host``: a forged ``Host`` (port included) never reaches a
        link in an email."""
        tenant = g.get("tenant") if has_request_context() else None
        if not _external or tenant is None:
            return super().url_for(endpoint, _external=_external, **values)
        from portal.core.mail.rendering import tenant_base_url

        base = urlsplit(tenant_base_url(tenant))
        scheme = values.pop("_scheme", None) or base.scheme
        return f"{scheme}://{base.netloc}{super().url_for(endpoint, _external=False, **values)}"

    def plugin_template_loader(self, names: Iterable[str]) -> BaseLoader:
        """The templates of plugins ``names``: ``<plugin>/…`` from that plugin's folders only."""
        folders = self.extensions["portal.plugins"].package_folders("templates")
        return _PluginTemplates(
            {
                name: FileSystemLoader([str(folder / name) for folder in folders[name]])
                for name in names
                if name in folders
            }
        )


class _PluginTemplates(PrefixLoader):
    """``<plugin>/<name>`` from that plugin's loader, keeping the full name on the template
    (Jinja's PrefixLoader names it ``<name>``): the name picks the plugin's gettext domain."""

    def load(self, environment, name, globals=None):
        return BaseLoader.load(self, environment, name, globals)


class _AppTemplateLoader(ChoiceLoader):
    """The core's template folders, then every installed plugin's own names; read lazily because
    plugins and core modules load after extensions have already touched the Jinja environment."""

    def __init__(self, app: PortalFlask):
        self.app = app

    @property
    def core(self) -> BaseLoader:
        return FileSystemLoader([*(str(p) for p in self.app.template_folders), str(CORE_TEMPLATES)])

    @property
    def loaders(self):  # type: ignore[override]
        plugins = self.app.extensions["portal.plugins"]
        return [self.core, self.app.plugin_template_loader(plugins.names)]


def create_app(config: dict | None = None) -> PortalFlask:
    """Build the portal: config, extensions, plugins (entry points), core modules, blueprints."""
    app = PortalFlask(
        "portal", static_folder=str(Path(__file__).parent / "core" / "web" / "static")
    )
    app.config.update(load_config(config))

    from portal import extensions
    from portal.core import bootstrap
    from portal.core.uploads import UploadRequest

    app.request_class = UploadRequest
    extensions.db.init_app(app)
    extensions.csrf.init_app(app)
    bootstrap.init_app(app)
    return app
