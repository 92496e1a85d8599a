"""The application factory."""

from __future__ import annotations

import threading
from pathlib import Path

from flask import Flask, g, has_request_context
from jinja2 import ChoiceLoader, Environment, FileSystemLoader

from portal.config import load_config

CORE_TEMPLATES = Path(__file__).parent / "core" / "web" / "templates"


class PortalFlask(Flask):
    """Flask with a template environment per tenant.

    Template search order is the tenant's ``theme/templates/``, then the plugins' folders, then the
    core's. Each tenant gets an *overlay* environment (same filters and globals, its own loader and
    cache) so one tenant's override is never served to another from Jinja's cache.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
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
                        [FileSystemLoader(str(tenant.theme_dir / "templates")), base.loader]
                    )
                )
                self._tenant_envs[key] = env
        return env


class _AppTemplateLoader(ChoiceLoader):
    """Plugins' template folders, then the core's; read lazily because plugins load after
    extensions have already touched the Jinja environment."""

    def __init__(self, app: PortalFlask):
        self.app = app
        self._core = FileSystemLoader(str(CORE_TEMPLATES))

    @property
    def loaders(self):  # type: ignore[override]
        return [*(FileSystemLoader(str(p)) for p in self.app.template_folders), self._core]


def create_app(config: dict | None = None) -> PortalFlask:
    """Build the portal: config, extensions, plugins (entry points), core modules, blueprints."""
    app = PortalFlask(
        "portal", static_folder=str(Path(__file__).parent / "core" / "web" / "static")
    )
    app.config.update(load_config(config))

    from portal import extensions
    from portal.core import bootstrap

    extensions.db.init_app(app)
    extensions.csrf.init_app(app)
    bootstrap.init_app(app)
    return app
