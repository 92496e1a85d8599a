"""Which pages a tenant has and where each one lives (no app needed: ``portal tenants sync``
checks a tenant folder with it before anything is loaded).

A page is one of :data:`PAGES`. Its ``[footer]`` entry says where it lives:

* left out: the file ``pages/<slug>.<language>.md`` of the tenant folder, when it exists (else the
  tenant has no such page and no link shows it);
* an http(s) address: an external page (``/pages/<slug>`` redirects there);
* a name: the file ``pages/<name>.<language>.md``, which must exist (``tenants sync`` says so).

A language's file is looked up in the asked language, then the tenant's default language, then
``pages/<stem>.md`` (one file for every language), then any other language of the tenant.
The legal notice always exists: the tenant file's ``[legal]`` block is its first part.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from portal.core.i18n import N_
from portal.core.tenants.schema import TenantConfig

PAGES_FOLDER = "pages"


@dataclass(frozen=True)
class PageKind:
    slug: str  # in the URL /pages/<slug>, and the default file name
    key: str  # its key in [footer]
    label: str  # French msgid, translated where shown


FAQ = PageKind("faq", "faq", N_("FAQ"))
USER_DOC = PageKind("documentation", "user_doc", N_("Documentation utilisateur"))
DEMOS = PageKind("demos", "demos", N_("Démos"))
TERMS = PageKind("cgu", "terms", N_("Conditions générales d'utilisation"))
SALES_TERMS = PageKind("cgv", "cgv", N_("Conditions générales de vente"))
PRIVACY = PageKind("confidentialite", "privacy", N_("Politique de confidentialité"))
LEGAL_NOTICE = PageKind("mentions-legales", "legal_notice", N_("Mentions légales"))

# In the footer's order (the contact form sits between the sales terms and the privacy policy).
PAGES = (FAQ, USER_DOC, DEMOS, TERMS, SALES_TERMS, PRIVACY, LEGAL_NOTICE)
BY_SLUG = {page.slug: page for page in PAGES}
# Pages every tenant must have: the sign-up, the invitation and the first password all ask the
# user to accept the CGU.
REQUIRED = (TERMS,)


@dataclass(frozen=True)
class PageSource:
    """Where one page of a tenant lives: an external ``url``, or a file ``stem`` of pages/."""

    kind: PageKind
    url: str | None = None
    stem: str | None = None
    named: bool = False  # the [footer] entry names the file: it must exist


@dataclass(frozen=True)
class PageFile:
    path: Path
    locale: str | None  # the file's language; None for pages/<stem>.md


def is_external(entry: str | None) -> bool:
    return entry is not None and entry.startswith(("http://", "https://"))


def source_of(config: TenantConfig, kind: PageKind) -> PageSource:
    entry = getattr(config.footer, kind.key)
    if is_external(entry):
        return PageSource(kind, url=entry)
    if entry:
        return PageSource(kind, stem=entry, named=True)
    return PageSource(kind, stem=kind.slug)


def find_file(pages_dir: Path, stem: str, locale: str, config: TenantConfig) -> PageFile | None:
    """The file of page ``stem`` to show in ``locale`` (see the module docstring)."""
    candidates: list[tuple[str, str | None]] = [(f"{stem}.{locale}.md", locale)]
    if config.default_locale != locale:
        candidates.append((f"{stem}.{config.default_locale}.md", config.default_locale))
    candidates.append((f"{stem}.md", None))
    candidates += [(f"{stem}.{other}.md", other) for other in config.locales]
    for name, file_locale in candidates:
        path = pages_dir / name
        if path.is_file():
            return PageFile(path, file_locale)
    return None


def check_pages(tenant_dir: Path, config: TenantConfig) -> list[tuple[str, str]]:
    """Problems of a tenant folder's pages, as (key, problem) pairs for ``TenantConfigError``."""
    pages_dir = tenant_dir / PAGES_FOLDER
    problems = []
    for kind in PAGES:
        source = source_of(config, kind)
        if source.url is not None:
            continue
        if find_file(pages_dir, source.stem, config.default_locale, config) is not None:
            continue
        files = f"{PAGES_FOLDER}/{source.stem}.<{'|'.join(config.locales)}>.md"
        if source.named:
            problems.append(
                (
                    f"footer.{kind.key}",
                    f"no page file {files} (nor {source.stem}.md) in {tenant_dir}",
                )
            )
        elif kind in REQUIRED:
            problems.append(
                (
                    f"footer.{kind.key}",
                    f"this page is required (accounts accept the CGU): add {files} to "
                    f"{tenant_dir} or give an http(s) address",
                )
            )
    if pages_dir.is_dir():
        for path in sorted(pages_dir.glob("*.md")):
            try:
                path.read_text(encoding="utf-8")
            except (UnicodeDecodeError, OSError) as exc:
                problems.append((f"{PAGES_FOLDER}/{path.name}", f"cannot be read as UTF-8 ({exc})"))
    return problems
