"""``portal i18n``: extract, update and compile the message catalogs (Babel's Python API).

One catalog per package, each holding only its own strings:

* core: ``portal/`` and the tenants' theme templates (``tenants/*/theme/templates``), the only
  catalog a tenant override can use → ``portal/core/translations/``;
* each built-in plugin: ``plugins/<name>/`` → ``plugins/<name>/translations/``.

Source strings are French; ``en`` is the translated locale. ``.po`` files are committed, ``.mo``
files are build products (git-ignored) made by ``compile``, which needs no network and only
recompiles what changed. Extraction rules live in ``babel.cfg`` at the repository root.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from io import BytesIO
from pathlib import Path

import click
from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_keywords, parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from portal.config import PROJECT_ROOT

DOMAIN = "messages"
SOURCE_LOCALE = "fr"
TARGET_LOCALES = ("en",)
PO_WIDTH = 100
# Also declared in babel.cfg; repeated here for Babel versions without per-section keywords.
LAZY_KEYWORDS = parse_keywords(["_l", "lazy_gettext", "lazy_ngettext:1,2", "lazy_pgettext:1c,2"])
COMMENT_TAGS = ("TRANSLATORS:",)
HEADER_COMMENT = """\
# Translations template for PROJECT. Source language: French.
# Made by `portal i18n extract` then `portal i18n update` (rules in babel.cfg).
#"""


class CatalogError(click.ClickException):
    """A catalog could not be extracted, updated or compiled."""


@dataclass(frozen=True)
class Target:
    """A package whose strings form one catalog."""

    name: str
    root: Path  # the repository; locations in the catalog are relative to it
    sources: tuple[Path, ...]
    translations: Path

    @property
    def template(self) -> Path:
        return self.translations / f"{DOMAIN}.pot"

    def po_file(self, locale: str) -> Path:
        return self.translations / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


@dataclass
class CompileReport:
    compiled: list[Path] = field(default_factory=list)
    up_to_date: list[Path] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def targets(root: Path = PROJECT_ROOT, names: Iterable[str] = ()) -> list[Target]:
    """The core, then every plugin package under ``plugins/`` (optionally only ``names``)."""
    found = [
        Target(
            "core",
            root,
            tuple(p for p in (root / "portal", root / "tenants") if p.is_dir()),
            root / "portal" / "core" / "translations",
        )
    ]
    plugins_dir = root / "plugins"
    if plugins_dir.is_dir():
        for package in sorted(plugins_dir.iterdir()):
            if (package / "__init__.py").is_file():
                found.append(Target(package.name, root, (package,), package / "translations"))
    wanted = set(names)
    if wanted:
        unknown = wanted - {t.name for t in found}
        if unknown:
            raise CatalogError(f"unknown catalog(s): {', '.join(sorted(unknown))}")
        found = [t for t in found if t.name in wanted]
    return found


# -- extract ------------------------------------------------------------------------------------


def _read_mapping(root: Path):
    config = root / "babel.cfg"
    if not config.is_file():
        raise CatalogError(f"{config} is missing")
    with config.open(encoding="utf-8") as fileobj:
        return parse_mapping_cfg(fileobj, str(config))


def extract_template(target: Target) -> Catalog:
    """Collect the target's messages into a template catalog (not written)."""
    method_map, options_map = _read_mapping(target.root)
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
            method_map,
            options_map,
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


def extract_catalogs(root: Path = PROJECT_ROOT, names: Iterable[str] = ()) -> list[Path]:
    """Write each target's ``messages.pot``; return the files that changed."""
    changed = []
    for target in targets(root, names):
        if _write_catalog(extract_template(target), target.template):
            changed.append(target.template)
    return changed


# -- update -------------------------------------------------------------------------------------


def update_catalogs(
    root: Path = PROJECT_ROOT,
    names: Iterable[str] = (),
    locales: Sequence[str] = TARGET_LOCALES,
    fuzzy_matching: bool = True,
) -> list[Path]:
    """Merge each ``messages.pot`` into its locale catalogs, creating missing ones.

    New or changed strings come in untranslated (or fuzzy, when a similar string existed);
    strings gone from the code are dropped. Returns the ``.po`` files that changed.
    """
    changed = []
    for target in targets(root, names):
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


def po_files(root: Path = PROJECT_ROOT, names: Iterable[str] = ()) -> list[Path]:
    """Every committed ``.po`` of the core and plugins."""
    return [
        po
        for target in targets(root, names)
        for po in sorted(target.translations.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))
    ]


def compile_catalogs(
    root: Path = PROJECT_ROOT, names: Iterable[str] = (), force: bool = False
) -> CompileReport:
    """Compile every ``.po`` into the ``.mo`` next to it (skipped when already newer).

    Fuzzy entries are left out, as gettext does. Errors (a placeholder lost in translation, an
    unreadable file) are collected in the report; the other catalogs are still compiled.
    """
    report = CompileReport()
    for po_file in po_files(root, names):
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
    """Extract the strings of the core and of each plugin into their messages.pot."""
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
    """Merge each messages.pot into its locale catalogs (created when missing)."""
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
