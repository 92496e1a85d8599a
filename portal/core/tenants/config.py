"""Reading and validating tenant folders, and the parsed view a request works with."""

from __future__ import annotations

import hashlib
import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from portal.core.plugins.manager import CORE_PREFIX, PortalPlugins
from portal.core.tenants.schema import TenantConfig, TenantConfigError, problems_from

# Core modules a tenant file can switch off, and how to read the switch; the other core modules
# are always on.
CORE_SWITCHES = {"core.help_requests": lambda config: config.messaging.help_requests}


def validate_config(raw: dict, plugins: PortalPlugins, source: str) -> TenantConfig:
    """Validate a tenant mapping and its plugin settings; TenantConfigError if anything is off."""
    try:
        config = TenantConfig.model_validate(raw)
    except ValidationError as exc:
        raise TenantConfigError(source, problems_from(exc)) from None
    problems: list[tuple[str, str]] = []
    schemas = dict(plugins.call_each("tenant_settings_schema"))
    for name in config.plugins:
        if name not in plugins.infos:
            problems.append((f"plugins.{name}", "no such plugin is installed"))
            continue
        if name in config.enabled_plugins():
            problems.extend(_missing_requirements(name, config, plugins))
        schema = schemas.get(name)
        settings = config.plugin_settings(name)
        if schema is None:
            if settings:
                problems.append((f"plugins.{name}", "this plugin takes no settings"))
            continue
        try:
            schema.model_validate(settings)
        except ValidationError as exc:
            problems.extend(problems_from(exc, prefix=f"plugins.{name}."))
    if problems:
        raise TenantConfigError(source, problems)
    return config


def _missing_requirements(
    name: str, config: TenantConfig, plugins: PortalPlugins
) -> list[tuple[str, str]]:
    """What plugin ``name`` requires (``PluginInfo.requires``) and this tenant has off."""
    problems = []
    for required in plugins.infos[name].requires:
        if required.startswith(CORE_PREFIX):
            switch = CORE_SWITCHES.get(required)
            if switch is None and required not in plugins.core_names:
                problem = f"requires {required!r}, which is not a core module"
            elif switch is not None and not switch(config):
                problem = f"requires the core module {required!r}, which is off in this file"
            else:
                continue
        elif required not in config.enabled_plugins():
            problem = f"requires the plugin {required!r}, which is not enabled in this file"
        else:
            continue
        problems.append((f"plugins.{name}", problem))
    return problems


def read_tenant_dir(path: Path, plugins: PortalPlugins) -> TenantConfig:
    """Read ``<path>/tenant.toml`` (the slug is the folder name) and validate it."""
    toml_path = path / "tenant.toml"
    source = str(toml_path)
    try:
        raw = tomllib.loads(toml_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise TenantConfigError(source, [("(file)", "file not found")]) from None
    except tomllib.TOMLDecodeError as exc:
        raise TenantConfigError(source, [("(syntax)", str(exc))]) from None
    if "slug" in raw and raw["slug"] != path.name:
        raise TenantConfigError(source, [("slug", f"must be the folder name {path.name!r}")])
    raw["slug"] = path.name
    config = validate_config(raw, plugins, source)
    brand_dir = path / "theme" / "static"
    for key in ("logo", "favicon"):
        if not (brand_dir / getattr(config.brand, key)).is_file():
            raise TenantConfigError(
                source,
                [(f"brand.{key}", f"no file {getattr(config.brand, key)!r} in theme/static/")],
            )
    from portal.core.pages.catalog import check_pages  # the [footer] pages live in pages/

    if problems := check_pages(path, config):
        raise TenantConfigError(source, problems)
    from portal.core.pricing import check_prices  # [prices] against the plugins' items

    if problems := check_prices(config, plugins, path / "theme"):
        raise TenantConfigError(source, problems)
    return config


def config_revision(config: TenantConfig) -> str:
    payload = json.dumps(config.model_dump(mode="json"), sort_keys=True).encode()
    return hashlib.sha256(payload).hexdigest()[:16]


@dataclass(frozen=True)
class CurrentTenant:
    """The tenant a request or job works for: its id, parsed config and plugin settings."""

    id: int
    slug: str
    revision: str
    config: TenantConfig
    theme_dir: Path
    plugin_settings: dict[str, BaseModel | None] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.config.name

    @property
    def enabled_plugins(self) -> frozenset[str]:
        return self.config.enabled_plugins()

    def settings_for(self, plugin_name: str) -> Any:
        """The validated settings (a pydantic model with defaults) of one enabled plugin."""
        return self.plugin_settings.get(plugin_name)


def build_current_tenant(
    tenant_id: int, revision: str, stored: dict, plugins: PortalPlugins, tenants_dir: Path
) -> CurrentTenant:
    config = TenantConfig.model_validate(stored)
    schemas = dict(plugins.call_each("tenant_settings_schema"))
    settings = {
        name: (
            schemas[name].model_validate(config.plugin_settings(name)) if name in schemas else None
        )
        for name in config.enabled_plugins()
        if name in plugins.infos
    }
    return CurrentTenant(
        id=tenant_id,
        slug=config.slug,
        revision=revision,
        config=config,
        theme_dir=tenants_dir / config.slug / "theme",
        plugin_settings=settings,
    )
