"""``portal plugin new``: a new plugin with the anatomy every module shares.

The skeleton lives in ``templates/`` as ``string.Template`` files (``${name}``, ``${package}``…;
``__name__`` in a path is the plugin's name; a ``.tmpl`` suffix keeps them from being taken for
code). ``distribution/`` holds what a package installed with pip needs around the plugin
(``pyproject.toml``, ``tests/``); ``package/`` is the plugin itself.

Two shapes: a *distribution* (a folder to ``pip install``, the plugin package inside it) for
third parties, and a *built-in* plugin under the portal repository's ``plugins/`` (the package
only, imported as ``plugins.<name>``, declared in the portal's own ``pyproject.toml``).
"""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass
from importlib.metadata import entry_points
from importlib.util import find_spec
from pathlib import Path
from string import Template

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

from portal.core.plugins.manager import ENTRY_POINT_GROUP

SKELETON = Path(__file__).parent / "templates"
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
RESERVED_NAMES = {"core", "portal", "plugins", "tests"}  # table prefixes and packages of the core


class ScaffoldError(ValueError):
    """The plugin cannot be generated (bad or taken name, existing folder); the message says why."""


@dataclass(frozen=True)
class Plugin:
    """What the skeleton's placeholders are filled with."""

    name: str
    package: str  # its import path: ``acme_notes`` or ``plugins.acme_notes``
    title: str
    core_revision: str  # the core migration the first one depends on (the core's head)

    @property
    def values(self) -> dict[str, str]:
        camel = "".join(part.capitalize() for part in self.name.split("_"))
        return {
            "name": self.name,
            "package": self.package,
            "title": self.title,
            "distribution": "portal-" + self.name.replace("_", "-"),
            "url_prefix": "/" + self.name.replace("_", "-"),
            "Model": f"{camel}Item",
            "Settings": f"{camel}Settings",
            "core_revision": self.core_revision,
        }


def check_name(name: str) -> None:
    """Refuse a name that cannot be a plugin's: it is a Python package, a table prefix, an
    entry-point name and a ``[plugins.<name>]`` key, so lower-case letters, digits and ``_``."""
    if not NAME_PATTERN.match(name) or keyword.iskeyword(name):
        raise ScaffoldError(
            f"{name!r}: a plugin name is lower-case letters, digits and underscores, "
            "starting with a letter (e.g. acme_notes)"
        )
    if name in RESERVED_NAMES:
        raise ScaffoldError(f"{name!r} is reserved by the core")
    if name in {ep.name for ep in entry_points(group=ENTRY_POINT_GROUP)}:
        raise ScaffoldError(f"a plugin named {name!r} is already installed")
    if find_spec(name) is not None:
        raise ScaffoldError(f"{name!r} is already an importable Python module")


def core_head() -> str:
    """The newest core migration: the plugin's tables may reference any core table."""
    from alembic.script import ScriptDirectory

    from portal.core.database import CORE_VERSIONS

    scripts = ScriptDirectory(str(CORE_VERSIONS.parent), version_locations=[str(CORE_VERSIONS)])
    return scripts.get_current_head()


def new_plugin(
    name: str, path: Path, *, builtin: bool = False, title: str | None = None
) -> list[Path]:
    """Write a new plugin under ``path`` and return the files written.

    A distribution goes to ``path/<name>/`` (``pyproject.toml``, ``tests/``, the package
    ``<name>/``); a built-in plugin to ``path/<name>/`` as the package alone, ``path`` being the
    repository's ``plugins/`` folder.
    """
    check_name(name)
    target = Path(path) / name
    if target.exists():
        raise ScaffoldError(f"{target} already exists")
    plugin = Plugin(
        name=name,
        package=f"plugins.{name}" if builtin else name,
        title=title or name.replace("_", " ").capitalize(),
        core_revision=core_head(),
    )
    package_dir = target if builtin else target / name
    written = _render_tree(SKELETON / "package", package_dir, plugin)
    written += _source_catalogs(package_dir / "translations", name)
    if not builtin:
        written += _render_tree(SKELETON / "distribution", target, plugin)
    return written


def _source_catalogs(translations: Path, name: str) -> list[Path]:
    """The template (``<name>.pot``) and the French catalog, from the skeleton's English one:
    the same messages, untranslated (French is the source language)."""
    with (translations / "en" / "LC_MESSAGES" / f"{name}.po").open("rb") as english:
        source = read_po(english)
    written = []
    for path, locale in (
        (translations / f"{name}.pot", None),
        (translations / "fr" / "LC_MESSAGES" / f"{name}.po", "fr"),
    ):
        catalog = Catalog(
            locale=locale,
            header_comment=f"# {'Template' if locale is None else 'French'} catalog of {name}: "
            "French is the source language, its messages stay untranslated.",
            project=source.project,
            version=source.version,
            fuzzy=False,
        )
        for message in source:
            if message.id:
                catalog.add(message.id, flags=message.flags)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as target:
            write_po(target, catalog, width=100)
        written.append(path)
    return written


def _render_tree(source: Path, target: Path, plugin: Plugin) -> list[Path]:
    written = []
    for template in sorted(source.rglob("*.tmpl")):
        relative = template.relative_to(source).with_suffix("")
        destination = target / str(relative).replace("__name__", plugin.name)
        destination.parent.mkdir(parents=True, exist_ok=True)
        text = Template(template.read_text(encoding="utf-8")).substitute(plugin.values)
        destination.write_text(text, encoding="utf-8")
        written.append(destination)
    return written
