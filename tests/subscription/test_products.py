"""Products as data: every product file validates, a malformed one names what is wrong; each of a
product's five documents is a PDF in the tenant's brand, rendered once, served by a public route
of the tenant that sells it."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pypdf import PdfReader

from plugins.subscription import product_documents
from plugins.subscription.products import (
    DOCUMENT_KINDS,
    ProductError,
    load_product,
    tenant_products,
)
from portal.core.storage import storage

TENANTS = Path(__file__).resolve().parents[2] / "tenants"
HORIZON = "solutions.horizon-mutuelle.test"
PRODUCT_FILES = sorted(TENANTS.glob("*/products/*.toml"))


def pdf_text(content: bytes) -> str:
    """The PDF's text, every run of white space as one space (lines wrap anywhere)."""
    reader = PdfReader(io.BytesIO(content))
    return " ".join(" ".join(page.extract_text() or "" for page in reader.pages).split())


@pytest.fixture
def horizon(app):
    """The horizon tenant (a ``CurrentTenant``), inside an app context."""
    from portal.core.tenants import tenant_directory

    with app.app_context():
        yield tenant_directory().by_slug("horizon")


# --- the product files -------------------------------------------------------------------------


def test_there_are_product_files_to_check():
    assert {path.stem for path in PRODUCT_FILES} >= {"horizon-monde", "horizon-independants"}


@pytest.mark.parametrize("path", PRODUCT_FILES, ids=lambda path: f"{path.parts[-3]}/{path.stem}")
def test_every_product_file_validates_and_is_complete(path):
    product = load_product(path)
    assert product.code == path.stem
    assert 4 <= len(product.formulas) <= 6
    labels = list(product.formulas[0].guarantees)
    assert labels, "a formula without guarantee lines"
    for formula in product.formulas:
        # Same lines in every formula: the table's rows; prices grow with age.
        assert list(formula.guarantees) == labels, formula.code
        assert formula.adult == sorted(formula.adult), formula.code
        assert 0 < formula.child < formula.adult[0]
    # From the cheapest formula to the strongest, in every age band.
    for cheaper, stronger in zip(product.formulas, product.formulas[1:], strict=False):
        assert all(a < b for a, b in zip(cheaper.adult, stronger.adult, strict=True))
    assert 1 <= len(product.options) <= 3
    assert 200 <= product.association.monthly_fee <= 300
    assert set(product.documents) == set(DOCUMENT_KINDS)


def test_every_tenant_sells_only_products_it_has_files_for(app):
    from portal.core.tenants import tenant_directory

    with app.app_context():
        directory = tenant_directory()
        for folder in sorted(TENANTS.iterdir()):
            tenant = directory.by_slug(folder.name)
            if tenant is None or "subscription" not in tenant.enabled_plugins:
                continue
            products = tenant_products(tenant)
            assert products, folder.name
            assert len({product.prefix for product in products}) == len(products)


def test_the_horizon_ipid_has_the_standard_sections():
    for name in ("horizon-monde", "horizon-independants"):
        text = (
            load_product(TENANTS / "horizon" / "products" / f"{name}.toml").documents["ipid"].text
        )
        for section in (
            "De quel type d'assurance s'agit-il ?",
            "Qu'est-ce qui est assuré ?",
            "Qu'est-ce qui n'est pas assuré ?",
            "Y a-t-il des restrictions de couverture ?",
            "Où suis-je couvert(e) ?",
            "Quelles sont mes obligations ?",
            "Quand et comment effectuer les paiements ?",
            "Quand commence la couverture et quand prend-elle fin ?",
            "Comment puis-je résilier le contrat ?",
        ):
            assert f"# {section}" in text, (name, section)


def _copy_with(tmp_path: Path, old: str, new: str) -> Path:
    source = (TENANTS / "horizon" / "products" / "horizon-monde.toml").read_text(encoding="utf-8")
    assert old in source
    path = tmp_path / "horizon-monde.toml"
    path.write_text(source.replace(old, new, 1), encoding="utf-8")
    return path


def test_a_malformed_product_file_names_the_field(tmp_path):
    path = _copy_with(tmp_path, 'code = "HMO200"', 'code = "hmo 200"')
    with pytest.raises(ProductError) as refused:
        load_product(path)
    assert refused.value.path == path
    assert "formulas.2.code" in refused.value.problem

    path = _copy_with(tmp_path, "min_age = 18", 'min_age = "dix-huit"')
    with pytest.raises(ProductError) as refused:
        load_product(path)
    assert "tariff.min_age" in refused.value.problem

    path = _copy_with(tmp_path, "monthly_fee = 240", "monthly_fee = 240\ncolour = 'blue'")
    with pytest.raises(ProductError) as refused:
        load_product(path)
    assert "association.colour" in refused.value.problem


def test_a_product_file_missing_a_document_or_unreadable_says_so(tmp_path):
    path = _copy_with(tmp_path, "[documents.brochure]", "[documents.leaflet]")
    with pytest.raises(ProductError) as refused:
        load_product(path)
    assert "brochure" in refused.value.problem

    path = _copy_with(tmp_path, 'prefix = "HMO"', 'prefix = "HMO')
    with pytest.raises(ProductError):
        load_product(path)
    with pytest.raises(ProductError) as refused:
        load_product(tmp_path / "nowhere.toml")
    assert "not found" in refused.value.problem


# --- the documents ----------------------------------------------------------------------------


def test_every_document_renders_with_its_title_and_the_table_names_every_formula(horizon):
    for product in tenant_products(horizon):
        for kind in DOCUMENT_KINDS:
            content = product_documents.document_pdf(horizon, product, kind)
            assert content.startswith(b"%PDF"), (product.code, kind)
            text = pdf_text(content)
            assert product.documents[kind].title in text, (product.code, kind)
            assert "Horizon Mutuelle" in text
            if kind == "guarantee_table":
                for formula in product.formulas:
                    assert formula.name in text
                label, values = product_documents.guarantee_rows(product)[0]
                assert label in text and values[-1] in text
            if kind == "ipid":
                assert "Comment puis-je résilier le contrat ?" in text


def test_a_document_is_rendered_once_then_read_from_the_storage(horizon, monkeypatch):
    product = tenant_products(horizon)[0]
    first = product_documents.document_pdf(horizon, product, "brochure")
    key = product_documents.storage_key(horizon, product, "brochure")
    assert key.startswith(f"tenants/{horizon.id}/subscription/products/")
    assert storage().read(key) == first

    def no_rendering(*args, **kwargs):
        raise AssertionError("rendered again")

    monkeypatch.setattr(product_documents, "render", no_rendering)
    assert product_documents.document_pdf(horizon, product, "brochure") == first
    with pytest.raises(KeyError):
        product_documents.document_pdf(horizon, product, "poster")


def test_the_attachments_are_the_five_documents_by_their_file_names(horizon):
    product = tenant_products(horizon)[1]
    attachments = product_documents.attachments(horizon, product)
    assert [a.filename for a in attachments] == [
        product.documents[kind].filename for kind in DOCUMENT_KINDS
    ]
    assert all(a.content_type == "application/pdf" and a.data[:4] == b"%PDF" for a in attachments)


def test_the_blocks_of_a_text():
    blocks = product_documents.blocks("Intro\n\n# Titre\nUn.\n- a\n- b\nDeux.\n")
    assert [(b.kind, b.text, b.items) for b in blocks] == [
        ("paragraph", "Intro", ()),
        ("heading", "Titre", ()),
        ("paragraph", "Un.", ()),
        ("list", "", ("a", "b")),
        ("paragraph", "Deux.", ()),
    ]


# --- the route --------------------------------------------------------------------------------


def test_the_route_serves_a_document_inline_to_anyone(client_for):
    client = client_for(HORIZON)
    response = client.get("/souscription/produits/horizon-independants/guarantee_table.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert disposition == 'inline; filename="Garanties Horizon Independants.pdf"'
    text = pdf_text(response.data)
    assert "Tableau des garanties Horizon Indépendants" in text
    assert "Horizon Indépendants Excellence" in text


@pytest.mark.parametrize(
    "path",
    [
        "/souscription/produits/horizon-voyage/ipid.pdf",
        "/souscription/produits/horizon-monde/poster.pdf",
        "/souscription/produits/../tenant/ipid.pdf",
    ],
)
def test_an_unknown_product_or_kind_is_a_404(client_for, path):
    assert client_for(HORIZON).get(path).status_code == 404


def test_a_tenant_without_the_plugin_has_no_product_documents(client_for):
    response = client_for("portail.resilimo.test").get(
        "/souscription/produits/horizon-monde/ipid.pdf"
    )
    assert response.status_code == 404
