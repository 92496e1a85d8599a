"""A product's documents as PDFs: the IPID, the general rules, the guarantee table, the brochure
and the reimbursement examples, laid out from the product file's text in the tenant's brand.

- ``document_pdf(tenant, product, kind) -> bytes`` — rendered once per product file content and
  kind, then read from the storage (``tenants/<id>/subscription/products/<sha256>.pdf``);
- ``attachments(tenant, product) -> list[Attachment]`` — the five, named by their ``filename``,
  for the quote email;
- ``blocks(text)`` — a document's text as headings, paragraphs and lists (« # » starts a heading,
  « - » a list item).

The documents are the product's literature, written in French: they are rendered in French.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from plugins.subscription.products import DOCUMENT_KINDS, Product, products_dir
from portal.core.mail import Attachment
from portal.core.storage import storage
from portal.core.storage.base import tenant_key

TEMPLATE = "subscription/pdf/product_document.html"
TABLE_TEMPLATE = "subscription/pdf/product_guarantee_table.html"
LOCALE = "fr"
MEDIA_TYPE = "application/pdf"


@dataclass(frozen=True)
class Block:
    """A piece of a document: ``kind`` "heading", "paragraph" or "list" (``items``)."""

    kind: str
    text: str = ""
    items: tuple[str, ...] = ()


def blocks(text: str) -> list[Block]:
    """``text`` as blocks: a line « # … » is a heading, consecutive « - … » lines a list, any
    other line a paragraph (blank lines only separate)."""
    result: list[Block] = []
    items: list[str] = []

    def close_list() -> None:
        if items:
            result.append(Block("list", items=tuple(items)))
            items.clear()

    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("- "):
            items.append(line[2:].strip())
            continue
        close_list()
        if line.startswith("#"):
            result.append(Block("heading", line.lstrip("#").strip()))
        elif line:
            result.append(Block("paragraph", line))
    close_list()
    return result


def guarantee_rows(product: Product) -> list[tuple[str, list[str]]]:
    """The guarantee table: each line label (in the formulas' order) with each formula's value
    (« — » where a formula does not state it)."""
    labels: list[str] = []
    for formula in product.formulas:
        labels.extend(label for label in formula.guarantees if label not in labels)
    return [
        (label, [formula.guarantees.get(label, "—") for formula in product.formulas])
        for label in labels
    ]


def _product_file(tenant, product: Product) -> bytes:
    return (products_dir(tenant) / f"{product.code}.toml").read_bytes()


def storage_key(tenant, product: Product, kind: str) -> str:
    """Where the PDF of ``kind`` of this version of the product file is kept."""
    digest = hashlib.sha256(_product_file(tenant, product) + kind.encode()).hexdigest()
    return tenant_key(tenant.id, "subscription", "products", f"{digest}.pdf")


def render(tenant, product: Product, kind: str) -> bytes:
    """Lay out the document ``kind`` of ``product`` (no cache)."""
    from portal.core.pdf.render import render_pdf

    document = product.documents[kind]
    template = TABLE_TEMPLATE if kind == "guarantee_table" else TEMPLATE
    return render_pdf(
        template,
        tenant=tenant,
        locale=LOCALE,
        product=product,
        kind=kind,
        document=document,
        blocks=blocks(document.text),
        rows=guarantee_rows(product) if kind == "guarantee_table" else [],
    )


def document_pdf(tenant, product: Product, kind: str) -> bytes:
    """The PDF of the document ``kind`` (one of ``DOCUMENT_KINDS``) of ``product``: rendered the
    first time, then read from the storage until the product file changes."""
    if kind not in DOCUMENT_KINDS:
        raise KeyError(kind)
    key = storage_key(tenant, product, kind)
    files = storage()
    try:
        return files.read(key)
    except FileNotFoundError:
        pass
    content = render(tenant, product, kind)
    files.put(key, content, MEDIA_TYPE)
    return content


def attachments(tenant, product: Product) -> list[Attachment]:
    """The product's five documents as email attachments, in ``DOCUMENT_KINDS``' order."""
    return [
        Attachment(
            product.documents[kind].filename, document_pdf(tenant, product, kind), MEDIA_TYPE
        )
        for kind in DOCUMENT_KINDS
    ]
