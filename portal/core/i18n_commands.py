"""``portal i18n``: extract, update and compile the message catalogs (Babel's Python API).

One catalog per package, each holding only its own strings:

* core (domain ``messages``): ``portal/`` and the tenants' theme templates
  (``tenants/*/theme/templates``), the only catalog a tenant override can use →
  ``portal/core/translations/``;
* each installed plugin (the ``portal.plugins`` entry points: built-in or third-party), in its own
  domain named after it: its package folder → ``<package>/translations/<plugin>.pot`` and
  ``<package>/translations/<locale>/LC_MESSAGES/<plugin>.po``.

Source strings are French; ``en`` is the translated locale. ``.po`` files are committed, ``.mo``
files are build products (git-ignored) made by ``compile``, which needs no network and only
recompiles what changed. The extraction rules are :data:`METHOD_MAP` and :data:`OPTIONS_MAP`
(by hand: ``pybabel extract -k _l -k lazy_gettext -k lazy_ngettext:1,2 -k lazy_pgettext:1c,2``).
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from importlib.metadata import entry_points
from importlib.util import find_spec
from io import BytesIO
from pathlib import Path

import click
from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_keywords
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from portal.config import PROJECT_ROOT
from portal.core.i18n import CORE_DOMAIN
from portal.core.plugins.manager import ENTRY_POINT_GROUP

SOURCE_LOCALE = "fr"
TARGET_LOCALES = ("en",)
PO_WIDTH = 100
# Lazy strings (menu labels, prices) are ``_l``; ``_``, ``gettext`` and ``ngettext`` are Babel's.
LAZY_KEYWORDS = parse_keywords(["_l", "lazy_gettext", "lazy_ngettext:1,2", "lazy_pgettext:1c,2"])
COMMENT_TAGS = ("TRANSLATORS:",)
# Paths are relative to the extracted folder; the first matching pattern wins.
METHOD_MAP = [
    ("**/tests/**", "ignore"),
    ("**/migrations/**", "ignore"),
    ("**.py", "python"),
    ("**/templates/**.html", "jinja2"),
]
OPTIONS_MAP = {
    # Flask-Babel's Jinja gettext is new-style: _("Bonjour %(name)s", name=...).
    "**/templates/**.html": {
        "extensions": "jinja2.ext.i18n",
        "newstyle_gettext": "true",
        "silent": "false",
    },
}
HEADER_COMMENT = """\
# Translations template for PROJECT. Source language: French.
# Made by `portal i18n extract` then `portal i18n update`.
#"""


class CatalogError(click.ClickException):
    """A catalog could not be extracted, updated or compiled."""


@dataclass(frozen=True)
class Target:
    """A package whose strings form one catalog (one gettext domain)."""

    name: str
    root: Path  # locations in the catalog are relative to it
    sources: tuple[Path, ...]
    translations: Path
    domain: str

    @property
    def template(self) -> Path:
        return self.translations / f"{self.domain}.pot"

    def po_file(self, locale: str) -> Path:
        return self.translations / locale / "LC_MESSAGES" / f"{self.domain}.po"


@dataclass
class CompileReport:
    compiled: list[Path] = field(default_factory=list)
    up_to_date: list[Path] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def installed_plugins() -> dict[str, Path]:
    """``{plugin: package folder}`` of every installed plugin (entry points), not imported."""
    found = {}
    for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        spec = find_spec(ep.module)
        if spec is not None and spec.origin:
            found.setdefault(ep.name, Path(spec.origin).parent)
    return found


def targets(
    root: Path = PROJECT_ROOT,
    names: Iterable[str] = (),
    plugins: Mapping[str, Path] | None = None,
) -> list[Target]:
    """The core of the project in ``root``, then each plugin (by default every installed one;
    ``plugins`` maps names to package folders), optionally only ``names``."""
    found = [
        Target(
            "core",
            root,
            tuple(p for p in (root / "portal", root / "tenants") if p.is_dir()),
            root / "portal" / "core" / "translations",
            CORE_DOMAIN,
        )
    ]
    for name, package in (installed_plugins() if plugins is None else plugins).items():
        # A plugin of the project is located from the project; a third-party one from its parent.
        base = root if package.is_relative_to(root) else package.parent
        found.append(Target(name, base, (package,), package / "translations", name))
    wanted = set(names)
    if wanted:
        unknown = wanted - {t.name for t in found}
        if unknown:
            raise CatalogError(f"unknown catalog(s): {', '.join(sorted(unknown))}")
        found = [t for t in found if t.name in wanted]
    return found


# -- extract ------------------------------------------------------------------------------------


def extract_template(target: Target) -> Catalog:
    """Collect the target's messages into a template catalog (not written)."""
    catalog = Catalog(
        project="portal",
        version="0.1.0",
        copyright_holder="portal",
        header_comment=HEADER_COMMENT,
        charset="utf-8",
        fuzzy=False,
    )
    for source in target.sources:
        for filename, lineno, message, comments, context in extract_from_dir(
            source,
            METHOD_MAP,
            OPTIONS_MAP,
            keywords={**DEFAULT_KEYWORDS, **LAZY_KEYWORDS},
            comment_tags=COMMENT_TAGS,
            strip_comment_tags=True,
        ):
            location = (source / filename).relative_to(target.root).as_posix()
            catalog.add(
                message,
                None,
                [(location, lineno)],
                auto_comments=comments,
                context=context,
            )
    return catalog


def extract_catalogs(
    root: Path = PROJECT_ROOT, names: Iterable[str] = (), plugins: Mapping[str, Path] | None = None
) -> list[Path]:
    """Write each target's ``.pot``; return the files that changed."""
    changed = []
    for target in targets(root, names, plugins):
        if _write_catalog(extract_template(target), target.template):
            changed.append(target.template)
    return changed


# -- update -------------------------------------------------------------------------------------


def update_catalogs(
    root: Path = PROJECT_ROOT,
    names: Iterable[str] = (),
    locales: Sequence[str] = TARGET_LOCALES,
    fuzzy_matching: bool = True,
    plugins: Mapping[str, Path] | None = None,
) -> list[Path]:
    """Merge each ``.pot`` into its locale catalogs, creating missing ones.

    New or changed strings come in untranslated (or fuzzy, when a similar string existed);
    strings gone from the code are dropped. Returns the ``.po`` files that changed.
    """
    changed = []
    for target in targets(root, names, plugins):
        if not target.template.is_file():
            raise CatalogError(f"{target.template} is missing: run `portal i18n extract` first")
        with target.template.open("rb") as fileobj:
            template = read_po(fileobj)
        for locale in locales:
            po_file = target.po_file(locale)
            if po_file.is_file():
                with po_file.open("rb") as fileobj:
                    catalog = read_po(fileobj, locale=locale)
                catalog.update(
                    template, no_fuzzy_matching=not fuzzy_matching, update_header_comment=False
                )
                catalog.obsolete.clear()
            else:
                catalog = _new_catalog(target.template, locale)
            if _write_catalog(catalog, po_file):
                changed.append(po_file)
    return changed


def _new_catalog(template_file: Path, locale: str) -> Catalog:
    """A fresh locale catalog from the template, as ``pybabel init`` makes it."""
    with template_file.open("rb") as fileobj:
        catalog = read_po(fileobj, locale=locale)  # the locale gives the plural rule
    catalog.locale = Locale.parse(locale)
    catalog.revision_date = datetime.now().astimezone()
    catalog.fuzzy = False
    return catalog


# -- compile ------------------------------------------------------------------------------------


def po_files(
    root: Path = PROJECT_ROOT, names: Iterable[str] = (), plugins: Mapping[str, Path] | None = None
) -> list[Path]:
    """Every committed ``.po`` of the core and plugins."""
    return [
        po
        for target in targets(root, names, plugins)
        for po in sorted(target.translations.glob(f"*/LC_MESSAGES/{target.domain}.po"))
    ]


def compile_catalogs(
    root: Path = PROJECT_ROOT,
    names: Iterable[str] = (),
    force: bool = False,
    plugins: Mapping[str, Path] | None = None,
) -> CompileReport:
    """Compile every ``.po`` into the ``.mo`` next to it (skipped when already newer).

    Fuzzy entries are left out, as gettext does. Errors (a placeholder lost in translation, an
    unreadable file) are collected in the report; the other catalogs are still compiled.
    """
    report = CompileReport()
    for po_file in po_files(root, names, plugins):
        mo_file = po_file.with_suffix(".mo")
        if (
            not force
            and mo_file.is_file()
            and mo_file.stat().st_mtime_ns >= po_file.stat().st_mtime_ns
        ):
            report.up_to_date.append(mo_file)
            continue
        locale = po_file.parent.parent.name
        try:
            with po_file.open("rb") as fileobj:
                catalog = read_po(fileobj, locale=locale, abort_invalid=True)
        except Exception as exc:  # noqa: BLE001 - reported with the file name
            report.errors.append(f"{po_file}: {exc}")
            continue
        if catalog.fuzzy:
            report.errors.append(f"{po_file}: the whole catalog is marked fuzzy (header)")
            continue
        problems = [
            f"{po_file}:{message.lineno}: {message.id!r}: {error}"
            for message, errors in catalog.check()
            for error in errors
        ]
        if problems:
            report.errors.extend(problems)
            continue
        buffer = BytesIO()
        write_mo(buffer, catalog, use_fuzzy=False)
        _atomic_write(mo_file, buffer.getvalue())
        report.compiled.append(mo_file)
    return report


# -- files --------------------------------------------------------------------------------------

_DATE_HEADERS = re.compile(rb'^"(POT-Creation-Date|PO-Revision-Date): .*\\n"$', re.MULTILINE)


def _render(catalog: Catalog) -> bytes:
    buffer = BytesIO()
    write_po(buffer, catalog, width=PO_WIDTH, ignore_obsolete=True, include_previous=True)
    return buffer.getvalue()


def _write_catalog(catalog: Catalog, path: Path) -> bool:
    """Write a .po/.pot unless only its dates would change (no churn in git)."""
    content = _render(catalog)
    if path.is_file():
        old = path.read_bytes()
        if _DATE_HEADERS.sub(b"", old) == _DATE_HEADERS.sub(b"", content):
            return False
    _atomic_write(path, content)
    return True


def _atomic_write(path: Path, content: bytes) -> None:
    """Readers (a running test session, the dev server) never see a half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fileobj:
            fileobj.write(content)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# -- commands -----------------------------------------------------------------------------------


def _show(paths: Iterable[Path], verb: str, root: Path = PROJECT_ROOT) -> None:
    paths = list(paths)
    for path in paths:
        click.echo(f"{verb}: {path.relative_to(root) if path.is_relative_to(root) else path}")
    if not paths:
        click.echo(f"nothing {verb}")


catalog_names = click.argument("names", nargs=-1, metavar="[core|PLUGIN]...")


@click.group("i18n")
def i18n():
    """Catalogues de traduction / translation catalogs (extract → update → compile)."""


@i18n.command("extract")
@catalog_names
def extract_command(names: tuple[str, ...]):
    """Extract the strings of the core and of each installed plugin into their .pot."""
    _show(extract_catalogs(names=names), "written")


@i18n.command("update")
@catalog_names
@click.option(
    "-l",
    "--locale",
    "locales",
    multiple=True,
    default=TARGET_LOCALES,
    show_default=True,
    help="Locale catalog to update or create (repeatable).",
)
@click.option(
    "--no-fuzzy-matching", is_flag=True, help="Do not guess translations of changed strings."
)
def update_command(names: tuple[str, ...], locales: tuple[str, ...], no_fuzzy_matching: bool):
    """Merge each .pot into its locale catalogs (created when missing)."""
    _show(
        update_catalogs(names=names, locales=locales, fuzzy_matching=not no_fuzzy_matching),
        "written",
    )


@i18n.command("compile")
@catalog_names
@click.option("-f", "--force", is_flag=True, help="Recompile even up-to-date catalogs.")
def compile_command(names: tuple[str, ...], force: bool):
    """Compile every .po into .mo (offline; only what changed unless --force)."""
    report = compile_catalogs(names=names, force=force)
    _show(report.compiled, "compiled")
    if report.up_to_date:
        click.echo(f"up to date: {len(report.up_to_date)} catalog(s)")
    if report.errors:
        for line in report.errors:
            click.secho(line, fg="red", err=True)
        raise CatalogError(f"{len(report.errors)} error(s) in the catalogs")


if __name__ == "__main__":  # python -m portal.core.i18n_commands compile (no app needed)
    i18n(prog_name="python -m portal.core.i18n_commands")
