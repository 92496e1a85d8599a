"""``[footer]`` and ``[legal.dpo]`` of tenant.toml, and the pages/ folder, checked by
``portal tenants sync``: clear messages naming the file, the key and the problem."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from portal.core.pages.markdown import render, safe_link
from portal.core.tenants.config import read_tenant_dir
from portal.core.tenants.schema import TenantConfigError

REPO_TENANTS = Path(__file__).resolve().parents[2] / "tenants"
FOOTER_COMMENT = "# an http(s) address given here would link to an external page instead.\n"


@pytest.fixture
def msr_copy(tmp_path):
    target = tmp_path / "msr"
    shutil.copytree(REPO_TENANTS / "msr", target)
    return target


def _footer(folder: Path, lines: str) -> None:
    path = folder / "tenant.toml"
    text = path.read_text(encoding="utf-8")
    assert FOOTER_COMMENT in text
    path.write_text(text.replace(FOOTER_COMMENT, FOOTER_COMMENT + lines, 1), encoding="utf-8")


def _problem(app, folder: Path) -> str:
    with pytest.raises(TenantConfigError) as caught:
        read_tenant_dir(folder, app.extensions["portal.plugins"])
    return str(caught.value)


def test_the_demo_tenants_pages_are_valid(app):
    for slug in ("resilimo", "msr", "horizon"):
        config = read_tenant_dir(REPO_TENANTS / slug, app.extensions["portal.plugins"])
        assert config.legal.dpo is not None and config.legal.dpo.email.endswith(".test")
        # No dead external address left in the demo tenants: their pages are served.
        assert not any(config.footer.model_dump().values())


def test_the_demo_tenants_pages_exist_in_each_of_their_languages(app):
    for slug in ("resilimo", "msr", "horizon"):
        config = read_tenant_dir(REPO_TENANTS / slug, app.extensions["portal.plugins"])
        files = {path.name for path in (REPO_TENANTS / slug / "pages").glob("*.md")}
        stems = {name.split(".")[0] for name in files}
        assert {"faq", "documentation", "cgu", "confidentialite", "mentions-legales"} <= stems
        assert ("cgv" in stems) == (slug == "resilimo")  # only resilimo's accounts pay
        for stem in stems:
            for locale in config.locales:
                assert f"{stem}.{locale}.md" in files, (slug, stem, locale)


def test_a_footer_entry_naming_a_missing_page_file_is_refused(app, msr_copy):
    _footer(msr_copy, 'faq = "aide"\n')
    message = _problem(app, msr_copy)
    assert message.startswith(f"{msr_copy / 'tenant.toml'}: footer.faq: "), message
    assert "no page file pages/aide.<fr|en>.md (nor aide.md)" in message


def test_a_footer_entry_naming_an_existing_page_file_serves_it(app, msr_copy):
    (msr_copy / "pages" / "faq.fr.md").rename(msr_copy / "pages" / "aide.fr.md")
    _footer(msr_copy, 'faq = "aide.md"\n')
    config = read_tenant_dir(msr_copy, app.extensions["portal.plugins"])
    assert config.footer.faq == "aide"


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ('faq = "javascript:alert(1)"', "neither an http(s) address nor the name of a file"),
        ('faq = "../../tenant.toml"', "neither an http(s) address nor the name of a file"),
        ('faq = "https://"', "is not a valid http(s) address"),
        ('contact = "https://www.msr.test/contact"', "unknown key"),
    ],
)
def test_a_bad_footer_entry_is_refused(app, msr_copy, entry, problem):
    _footer(msr_copy, entry + "\n")
    message = _problem(app, msr_copy)
    assert f"{msr_copy / 'tenant.toml'}: footer." in message and problem in message, message


def test_the_terms_of_use_are_required(app, msr_copy):
    for path in (msr_copy / "pages").glob("cgu.*"):
        path.unlink()
    message = _problem(app, msr_copy)
    assert "footer.terms: this page is required (accounts accept the CGU)" in message
    # An external address will do.
    _footer(msr_copy, 'terms = "https://www.msr.test/cgu"\n')
    assert read_tenant_dir(msr_copy, app.extensions["portal.plugins"]).footer.terms


def test_a_page_file_that_is_not_utf8_is_refused(app, msr_copy):
    (msr_copy / "pages" / "faq.fr.md").write_bytes("Qu\xe9bec".encode("latin-1"))
    message = _problem(app, msr_copy)
    assert "pages/faq.fr.md: cannot be read as UTF-8" in message


def test_the_data_protection_officer_needs_a_valid_email(app, msr_copy):
    path = msr_copy / "tenant.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('email = "dpo@msr.test"', 'email = "dpo"'), encoding="utf-8")
    message = _problem(app, msr_copy)
    assert "legal.dpo.email" in message


# --- the renderer on its own ------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    ["javascript:alert(1)", "JavaScript:alert(1)", " javascript:x", "java\tscript:x",
     "data:text/html,x", "vbscript:x", "file:///etc/passwd", "ftp://x.test/"],
)  # fmt: skip
def test_unsafe_link_schemes_are_refused(url):
    assert not safe_link(url)


@pytest.mark.parametrize(
    "url", ["https://a.test/", "http://a.test", "mailto:a@a.test", "tel:+33100000000", "cgv",
            "/contact", "#section", "../pages/faq"],
)  # fmt: skip
def test_safe_links_are_kept(url):
    assert safe_link(url)


def test_render_takes_the_title_and_anchors_every_heading_once():
    page = render("# Titre\n\nIntro.\n\n## Été 2026\n\n### Q ?\n\n### Q ?\n\n## Autre\n")
    assert page.title == "Titre"
    assert "<h1" not in page.html
    assert '<h2 id="ete-2026">Été 2026</h2>' in page.html
    # « Q ? » keeps its question mark on its line (a no-break space, French typography).
    assert '<h3 id="q">Q\xa0?</h3>' in page.html and '<h3 id="q-2">Q\xa0?</h3>' in page.html
    assert [h.anchor for h in page.toc] == ["ete-2026", "autre"]
    assert [h.anchor for h in page.toc[0].children] == ["q", "q-2"]


def test_render_wraps_tables_so_they_scroll_on_a_phone():
    page = render("| a | b |\n|---|---|\n| 1 | 2 |\n")
    assert '<div class="page-table" tabindex="0"><table>' in page.html
