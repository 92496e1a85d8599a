"""A tenant's pages (FAQ, documentation, demos, CGU, CGV, privacy, legal notice): served from
its Markdown files per language, linked from every page's footer, no dead link anywhere."""

from __future__ import annotations

import shutil
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from pagekit import footer_links, ids_in, links_in
from webkit import text_of

from portal.core.pages import links as page_links
from portal.core.pages import views as page_views
from portal.core.tenants import tenant_directory

TENANTS = Path(__file__).resolve().parents[2] / "tenants"
# slug: (French and English labels of the pages it has, pages it has not)
EXPECTED = {
    "resilimo": (
        ["FAQ", "Documentation utilisateur", "Démos", "Conditions générales d'utilisation",
         "Conditions générales de vente", "Nous contacter", "Politique de confidentialité",
         "Mentions légales"],
        [],
    ),
    "msr": (
        ["FAQ", "Documentation utilisateur", "Conditions générales d'utilisation",
         "Nous contacter", "Politique de confidentialité", "Mentions légales"],
        ["demos", "cgv"],
    ),
    "horizon": (
        ["FAQ", "Documentation utilisateur", "Conditions générales d'utilisation",
         "Nous contacter", "Politique de confidentialité", "Mentions légales"],
        ["demos", "cgv"],
    ),
}  # fmt: skip


def _config(app, slug):
    with app.app_context():
        return tenant_directory().by_slug(slug).config


def _user(make_account, logged_in, client_for, slug, who):
    if who == "visitor":
        return client_for(slug)
    return logged_in(make_account(slug=slug, email=f"pages-{slug}@exemple.test"))


def _check_link(client, config, page_url, href, seen):
    """An internal link answers 200 (its #anchor exists there); an external one is one the
    tenant file gives, and well-formed."""
    target = urljoin(f"http://{client.host}{page_url}", href)
    parts = urlsplit(target)
    if parts.scheme in ("mailto", "tel"):
        assert parts.path, href
        return
    if parts.netloc != client.host:
        assert parts.scheme in ("http", "https") and "." in parts.netloc, href
        allowed = {v for v in config.footer.model_dump().values() if v}
        assert href in allowed, f"{href} on {page_url} is not given by the tenant file"
        return
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    if path not in seen:
        response = client.get(path)
        assert response.status_code == 200, (page_url, href, response.status_code)
        seen[path] = response.get_data(as_text=True)
    if parts.fragment:
        assert parts.fragment in ids_in(seen[path]), f"{href} on {page_url}: no such anchor"


@pytest.mark.parametrize("who", ["visitor", "user"])
@pytest.mark.parametrize("slug", sorted(EXPECTED))
def test_every_footer_link_of_every_tenant_works_in_each_language(
    app, client_for, make_account, logged_in, slug, who
):
    config = _config(app, slug)
    client = _user(make_account, logged_in, client_for, slug, who)
    for locale in config.locales:
        home = client.get(f"/?lang={locale}")
        assert home.status_code == 200
        links = footer_links(home.get_data(as_text=True))
        if locale == "fr":
            assert [label for _, label in links] == EXPECTED[slug][0]
        else:
            assert len(links) == len(EXPECTED[slug][0])
            assert "Contact us" in [label for _, label in links]
        seen: dict[str, str] = {}
        for href, _label in links:
            _check_link(client, config, "/", href, seen)
        # Every link of every page's own text too: the pages link each other and the contact form.
        for href, _label in links:
            if href.startswith("/pages/"):
                page = seen[href]
                assert f'<html lang="{locale}">' in page
                for inner, _ in links_in(page, "tenant-page__body"):
                    _check_link(client, config, href, inner, seen)


@pytest.mark.parametrize("slug", sorted(EXPECTED))
def test_pages_a_tenant_does_not_have_are_404(client_for, slug):
    client = client_for(slug)
    for name in [*EXPECTED[slug][1], "inconnue", "static", "..%2Ftenant.toml", "cgu.fr.md"]:
        assert client.get(f"/pages/{name}").status_code == 404, name
    assert client.get("/pages/..%2F..%2Ftenant.toml").status_code == 404


def test_the_faq_has_its_title_anchored_questions_and_contents(client_for):
    page = client_for("resilimo").get("/pages/faq")
    html = page.get_data(as_text=True)
    assert "<h1>Questions fréquentes</h1>" in html
    assert "<title>Questions fréquentes · Résilimo</title>" in html
    assert '<h2 id="credit-et-facturation">Crédit et facturation</h2>' in html
    assert 'id="jusqu-a-quelle-heure-puis-je-envoyer-une-lettre-le-jour-meme"' in html
    contents = links_in(html, "tenant-page__toc")
    assert ("#mon-compte", "Mon compte") in contents
    assert ("#courrier-papier", "Courrier papier") in contents
    assert "Vous n'avez pas trouvé votre réponse ?" in text_of(page)


def test_the_sales_terms_show_the_tenants_own_price_list(client_for):
    resilimo = text_of(client_for("resilimo").get("/pages/cgv"))
    assert "Conditions générales de vente" in resilimo
    # From the price list (plugins' priced items and the tenant's [prices]), not the file.
    assert "Lettre recommandée électronique avec accusé de réception (LRAR)" in resilimo
    assert "3,78\xa0€" in resilimo and "3,15\xa0€" in resilimo  # incl. and excl. VAT
    assert "Frais de restitution du crédit" in resilimo and "25,00\xa0€" in resilimo
    assert "[[tarifs]]" not in resilimo
    # The whole grid here; the home page's summary keeps each mode's first weight band only.
    assert "Affranchissement lettre verte, jusqu'à 20 g" in resilimo
    assert "Affranchissement lettre verte, jusqu'à 100 g" in resilimo
    home = text_of(client_for("resilimo").get("/"))
    assert "Affranchissement lettre verte, jusqu'à 20 g" in home
    assert "Affranchissement lettre verte, jusqu'à 100 g" not in home
    english = text_of(client_for("resilimo").get("/pages/cgv?lang=en"))
    assert "Terms of sale" in english and "€3.78" in english and "[[tarifs]]" not in english


def test_the_privacy_policy_gives_the_data_protection_officer_from_the_tenant_file(app, client_for):
    for slug in EXPECTED:
        dpo = _config(app, slug).legal.dpo
        page = client_for(slug).get("/pages/confidentialite?lang=fr")
        html = page.get_data(as_text=True)
        assert "Contacter le délégué à la protection des données" in html
        assert f'<a href="mailto:{dpo.email}">{dpo.email}</a>' in html
        address = dpo.address if isinstance(dpo.address, str) else dpo.address["fr"]
        assert address in text_of(page)
    # Texts given per language follow the reader's.
    english = text_of(client_for("horizon").get("/pages/confidentialite?lang=en"))
    assert "Data protection officer, Horizon Mutuelle" in english
    assert "17000 La Rochelle, France" in english
    assert "Délégué à la protection des données d'Horizon" not in english


def test_the_legal_notice_starts_with_the_publisher_from_the_tenant_file(app, client_for):
    for slug in EXPECTED:
        legal = _config(app, slug).legal
        page = text_of(client_for(slug).get("/pages/mentions-legales?lang=fr"))
        assert "Éditeur du site" in page
        assert legal.entity in page and legal.address in page and legal.registration in page


# --- files, languages and safety, on a copy of a tenant's pages --------------------------------


@pytest.fixture
def resilimo_pages(tmp_path, monkeypatch):
    """resilimo's pages served from a copy the test may change."""
    folder = tmp_path / "pages"
    shutil.copytree(TENANTS / "resilimo" / "pages", folder)
    monkeypatch.setattr(page_views, "pages_dir", lambda tenant: folder)
    monkeypatch.setattr(page_links, "pages_dir", lambda tenant: folder)
    return folder


def test_a_missing_translation_falls_back_to_the_default_language_and_says_so(
    client_for, resilimo_pages
):
    (resilimo_pages / "demos.en.md").unlink()
    client = client_for("resilimo")
    page = client.get("/pages/demos?lang=en")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<html lang="en">' in html
    assert 'lang="fr">' in html and "<h1>Démonstrations</h1>" in html  # marked as French
    note = html.split('class="tenant-page__language"')[1].split("</p>")[0]
    assert "French" in note  # the language's name in the reader's language (Babel)
    # A translated page says nothing of the kind.
    assert "tenant-page__language" not in client.get("/pages/faq?lang=en").get_data(as_text=True)


def test_a_page_file_for_every_language_serves_them_all(client_for, resilimo_pages):
    (resilimo_pages / "demos.fr.md").unlink()
    (resilimo_pages / "demos.en.md").rename(resilimo_pages / "demos.md")
    client = client_for("resilimo")
    for locale in ("fr", "en"):
        page = text_of(client.get(f"/pages/demos?lang={locale}"))
        assert "Terminate a car policy under loi Hamon" in page


def test_a_page_without_its_file_leaves_the_footer_and_answers_404(client_for, resilimo_pages):
    for name in ("demos.fr.md", "demos.en.md"):
        (resilimo_pages / name).unlink()
    client = client_for("resilimo")
    assert client.get("/pages/demos").status_code == 404
    labels = [label for _, label in footer_links(client.get("/").get_data(as_text=True))]
    assert "Démos" not in labels and "FAQ" in labels


def test_tenant_markdown_never_runs_script(client_for, resilimo_pages):
    (resilimo_pages / "faq.fr.md").write_text(
        "# FAQ piégée\n\n"
        "<script>alert('x')</script>\n\n"
        '<img src="x" onerror="alert(1)">\n\n'
        "[Cliquez](javascript:alert(1)) [encore](JAVASCRIPT:alert(2)) "
        "[données](data:text/html;base64,PHNjcmlwdD4=) [vb](vbscript:msgbox(1))\n\n"
        "![image](javascript:alert(3))\n\n"
        "[autorisé](https://www.resilimo.test/) [courriel](mailto:support@resilimo.test) "
        "[ancre](#haut) [page](cgv)\n",
        encoding="utf-8",
    )
    page = client_for("resilimo").get("/pages/faq")
    html = page.get_data(as_text=True)
    body = html.split('<div class="tenant-page__content">')[1].split("</div>")[0]
    assert "<script" not in body and "<img" not in body
    assert "&lt;script&gt;" in body  # shown as text
    lowered = body.lower()
    for scheme in ("javascript:", "data:", "vbscript:"):
        assert f'href="{scheme}' not in lowered and f'src="{scheme}' not in lowered
    assert '<a href="https://www.resilimo.test/">autorisé</a>' in body
    assert '<a href="mailto:support@resilimo.test">courriel</a>' in body
    assert '<a href="#haut">ancre</a>' in body and '<a href="cgv">page</a>' in body


def test_an_external_address_in_the_tenant_file_is_linked_and_redirected_to(app):
    from portal.core.pages import page_url
    from portal.core.tenants.schema import FooterLinks

    with app.app_context():
        tenant = tenant_directory().by_slug("msr")
    changed = tenant.__class__(
        **{
            **tenant.__dict__,
            "config": tenant.config.model_copy(
                update={"footer": FooterLinks(demos="https://videos.msr.test/tutoriels")}
            ),
        }
    )
    with app.test_request_context("/", base_url="http://msr.localhost"):
        assert page_url("demos", tenant=changed) == "https://videos.msr.test/tutoriels"
        assert page_url("faq", tenant=changed) == "/pages/faq"
        assert page_url("cgv", tenant=changed) is None
        assert page_url("mentions-legales", tenant=changed, external=True) == (
            "http://msr.localhost/pages/mentions-legales"
        )


def test_emails_link_the_tenants_pages_with_absolute_addresses(app):
    from portal.core.mail import compose_email

    with app.app_context():
        tenant = tenant_directory().by_slug("msr")
        message = compose_email(
            tenant,
            "notification",
            to="membre@exemple.test",
            subject="Votre message",
            context={"title": "Votre message", "paragraphs": ["Bonjour."]},
        )
    text = message.get_body(("plain",)).get_content()
    assert "https://monespace.msr.test/pages/confidentialite" in text
    assert "https://monespace.msr.test/pages/mentions-legales" in text
    assert "https://monespace.msr.test/contact" in text


def test_the_back_office_and_unknown_hosts_have_no_tenant_pages(app, client_for):
    assert client_for(app.config["PORTAL_BACKOFFICE_HOST"]).get("/pages/faq").status_code == 404
    assert client_for("inconnu.exemple.test").get("/pages/cgu").status_code == 404


def test_a_page_at_an_external_address_redirects_there(client_for, monkeypatch):
    from portal.core.pages.catalog import PageSource

    def external_demos(config, kind):
        if kind.slug == "demos":
            return PageSource(kind, url="https://videos.resilimo.test/demos")
        return PageSource(kind, stem=kind.slug)

    monkeypatch.setattr(page_views, "source_of", external_demos)
    response = client_for("resilimo").get("/pages/demos")
    assert response.status_code == 302
    assert response.headers["Location"] == "https://videos.resilimo.test/demos"
