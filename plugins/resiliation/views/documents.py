"""Request handlers: the letter's PDF (its on-screen preview is ``document.render_letter_html``,
available to every template as ``render_letter_html(letter)``)."""

from flask import Response

from plugins.resiliation import document
from plugins.resiliation.models import Letter
from portal.core.web.pipeline import Access, handler


@handler(Access.PROFILE, load={"letter_id": Letter})
def letter_pdf(letter: Letter):
    """The letter as a PDF download, named after its reference; another account's → 404."""
    response = Response(document.letter_pdf(letter), mimetype="application/pdf")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{document.pdf_filename(letter)}"'
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def register(blueprint) -> None:
    """Add this module's URL rules to the plugin's blueprint."""
    blueprint.add_url_rule(
        "/lettres/<int:letter_id>/lettre.pdf", "letter_pdf", letter_pdf, methods=["GET"]
    )
    blueprint.add_app_template_global(document.render_letter_html, "render_letter_html")
