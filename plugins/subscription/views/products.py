"""The products' literature, public: « IPID », « Règles générales », « Tableau des garanties »,
« Découvrir le produit », « Exemples de remboursements » of the current tenant's products, as
PDFs shown in the browser (linked from « Vos solutions », the direct sale and the quote email)."""

from __future__ import annotations

from flask import Response, abort, g

from plugins.subscription import product_documents
from plugins.subscription.products import DOCUMENT_KINDS, product_of
from portal.core.web.pipeline import Access, handler


@handler(Access.ANONYMOUS)
def product_document(product: str, kind: str):
    """One document of one of the tenant's products; an unknown product or kind is a 404."""
    found = product_of(g.tenant, product)
    if found is None or kind not in DOCUMENT_KINDS:
        abort(404)
    content = product_documents.document_pdf(g.tenant, found, kind)
    response = Response(content, mimetype="application/pdf")
    filename = found.documents[kind].filename
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


def add_rules(blueprint) -> None:
    """Add this module's URL rules to the plugin's blueprint."""
    blueprint.add_url_rule("/produits/<product>/<kind>.pdf", "product_document", product_document)
