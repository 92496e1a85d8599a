"""PDFs: the tenant's letterhead and legal mentions, French dates, fonts, and no network."""

from __future__ import annotations

import dataclasses
import re
import shutil
from datetime import date
from pathlib import Path

import pytest
from weasyprint.formatting_structure import boxes

from portal.core.pdf import (
    LocalOnlyFetcher,
    RefusedURL,
    pdf_url_fetcher,
    render_document,
    render_pdf,
)
from portal.core.tenants import tenant_directory

RECIPIENT = ["Assurances Dupont", "Service résiliation", "1 rue de la Paix", "75002 Paris"]
DEJAVU_SERIF = Path("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf")


def page_texts(document) -> list[str]:
    """The text laid out on each page (WeasyPrint's boxes: no PDF text extractor needed)."""

    def walk(box):
        if isinstance(box, boxes.TextBox):
            yield box.text
        for child in getattr(box, "children", []):
            yield from walk(child)

    return [" ".join(" ".join(walk(page._page_box)).split()) for page in document.pages]


def themed(tenant, tmp_path, revision):
    """A copy of ``tenant`` whose theme folder is a temporary one (logo copied over)."""
    theme = tmp_path / "theme"
    (theme / "static").mkdir(parents=True)
    (theme / "templates" / "pdf").mkdir(parents=True)
    (theme / "fonts").mkdir()
    shutil.copy(tenant.theme_dir / "static" / tenant.config.brand.logo, theme / "static")
    return dataclasses.replace(tenant, theme_dir=theme, revision=revision)


def test_letter_has_the_tenant_letterhead_and_legal_mentions(app):
    with app.app_context():
        resilimo = tenant_directory().by_slug("resilimo")
        pdf = render_pdf(
            "pdf/letter.html",
            tenant=resilimo,
            recipient=RECIPIENT,
            subject="Résiliation du contrat 123",
            letter_date=date(2021, 5, 21),
        )
        document = render_document(
            "pdf/letter.html",
            tenant=resilimo,
            recipient="\n".join(RECIPIENT),
            letter_date=date(2021, 5, 21),
            subject="Résiliation du contrat 123",
        )
    assert pdf.startswith(b"%PDF-")
    (text,) = page_texts(document)
    assert "Résilimo SAS" in text  # letterhead and footer
    assert "12 rue des Assureurs, 69002 Lyon" in text
    assert "SAS au capital de 50 000 € — RCS Lyon 912 345 678" in text
    assert "Assurances Dupont Service résiliation 1 rue de la Paix 75002 Paris" in text
    assert "Le 21 mai 2021" in text
    assert "Objet : Résiliation du contrat 123" in text
    assert "1 / 1" in text
    images = [
        b for b in document.pages[0]._page_box.descendants() if isinstance(b, boxes.ReplacedBox)
    ]
    assert len(images) == 1  # the tenant's logo was loaded from its theme


def test_date_line_in_french_with_a_place_and_the_first_of_the_month(app):
    with app.app_context():
        msr = tenant_directory().by_slug("msr")
        (text,) = page_texts(
            render_document(
                "pdf/letter.html",
                tenant=msr,
                recipient=RECIPIENT,
                place="Orléans",
                letter_date=date(2021, 5, 1),
            )
        )
    assert "Orléans, le 1er mai 2021" in text
    assert "Caisse centrale de la Mutualité Sociale Rurale" in text


def test_a_long_letter_repeats_the_footer_and_numbers_its_pages(app, tmp_path):
    with app.app_context():
        tenant = themed(tenant_directory().by_slug("resilimo"), tmp_path, "pdf-long")
        (tenant.theme_dir / "templates" / "pdf" / "long.html").write_text(
            '{% extends "pdf/letter.html" %}{% block body %}'
            "{% for n in range(60) %}<p>Paragraphe {{ n }} de la lettre.</p>{% endfor %}"
            "{% endblock %}"
        )
        pages = page_texts(render_document("pdf/long.html", tenant=tenant, recipient=RECIPIENT))
    assert len(pages) >= 2
    for number, text in enumerate(pages, start=1):
        assert "Résilimo SAS" in text and "RCS Lyon 912 345 678" in text
        assert f"{number} / {len(pages)}" in text


def test_remote_urls_are_refused_and_never_fetched(app, tmp_path, http_capture, caplog):
    local_url = f"{http_capture.url}/tracker.png"
    with app.app_context():
        tenant = themed(tenant_directory().by_slug("resilimo"), tmp_path, "pdf-remote")
        (tenant.theme_dir / "templates" / "pdf" / "remote.html").write_text(
            '{% extends "pdf/letter.html" %}'
            '{% block head %}<link rel="stylesheet" href="https://example.com/style.css">'
            '<link rel="stylesheet" href="file:///etc/hostname">{% endblock %}'
            '{% block body %}<img src="https://example.com/x.png">'
            f'<img src="{local_url}"><p>Corps de la lettre.</p>'
            "{% endblock %}"
        )
        fetcher = pdf_url_fetcher(tenant)
        pdf = render_pdf("pdf/remote.html", tenant=tenant, recipient=RECIPIENT, url_fetcher=fetcher)
    assert pdf.startswith(b"%PDF-")  # the letter is still produced, without those resources
    assert set(fetcher.refused) == {
        "https://example.com/style.css",
        "file:///etc/hostname",
        "https://example.com/x.png",
        local_url,
    }
    assert http_capture.requests == []  # nothing reached the local web server
    assert "refused to load https://example.com/x.png" in caplog.text


def test_fetcher_allows_only_data_and_files_of_allowed_folders(tmp_path):
    allowed = tmp_path / "theme"
    allowed.mkdir()
    (allowed / "logo.png").write_bytes(b"\x89PNG")
    (tmp_path / "secret.txt").write_text("secret")
    (allowed / "escape.txt").symlink_to(tmp_path / "secret.txt")
    fetcher = LocalOnlyFetcher([allowed])

    response = fetcher.fetch((allowed / "logo.png").as_uri())
    assert response.read() == b"\x89PNG" and response.content_type == "image/png"
    response.close()
    assert fetcher.fetch("data:text/plain;base64,SGVsbG8=").read() == b"Hello"
    for url in [
        (tmp_path / "secret.txt").as_uri(),
        (allowed / "escape.txt").as_uri(),  # a symlink out of the folder
        (allowed / ".." / "secret.txt").as_uri(),
        "file://otherhost" + str(allowed / "logo.png"),
        "http://127.0.0.1/x.png",
        "https://example.com/x.png",
        "ftp://example.com/x.png",
        "relative.png",
    ]:
        with pytest.raises(RefusedURL):
            fetcher.fetch(url)


@pytest.mark.skipif(not DEJAVU_SERIF.exists(), reason="Debian fonts-dejavu is not installed")
def test_a_tenant_can_bring_its_own_fonts(app, tmp_path):
    with app.app_context():
        tenant = themed(tenant_directory().by_slug("horizon"), tmp_path, "pdf-fonts")
        default_pdf = render_document(
            "pdf/letter.html", tenant=tenant, recipient=RECIPIENT
        ).write_pdf(uncompressed_pdf=True)
        shutil.copy(DEJAVU_SERIF, tenant.theme_dir / "fonts" / "house.ttf")
        (tenant.theme_dir / "fonts" / "fonts.css").write_text(
            '@font-face { font-family: "House Serif"; src: url(house.ttf); }\n'
            'html { font-family: "House Serif", serif; }\n'
        )
        themed_pdf = render_document(
            "pdf/letter.html", tenant=tenant, recipient=RECIPIENT
        ).write_pdf(uncompressed_pdf=True)

    def fonts(pdf):
        return {name.split(b"+", 1)[-1] for name in re.findall(rb"/BaseFont\s*/([\w+\-]+)", pdf)}

    assert b"Liberation-Sans" in fonts(default_pdf)  # the core's default
    assert b"House-Serif" in fonts(themed_pdf)  # the tenant's @font-face, loaded from its theme
    assert b"Liberation-Sans" not in fonts(themed_pdf)


def test_in_a_request_the_current_tenant_is_used(app):
    with app.test_request_context("/", base_url="http://horizon.localhost"):
        app.preprocess_request()
        (text,) = page_texts(render_document("pdf/letter.html", recipient=RECIPIENT))
    assert "Horizon Mutuelle" in text
    assert "8 avenue du Large, 17000 La Rochelle" in text
