"""A tenant's own pages: FAQ, user documentation, demos, CGU, CGV, privacy policy (with the
data-protection officer of ``[legal.dpo]``) and legal notice (with the ``[legal]`` block).

Each is a Markdown file of ``tenants/<slug>/pages/`` per language (``faq.fr.md``,
``faq.en.md``…), served at ``/pages/<slug>`` (:mod:`.catalog` says which and where, :mod:`.markdown`
renders them without raw HTML nor unsafe links), or an external address given in ``[footer]``.
The footer links every page the tenant has (``footer_links()``); templates and views ask
``page_url("cgv")`` (None when the tenant has no such page).
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from portal.core.pages.links import footer_links, mail_links, page_url

__all__ = ["footer_links", "init_app", "mail_links", "page_url"]

TEMPLATES = Path(__file__).parent / "templates"


def init_app(app: Flask) -> None:
    from portal.core.pages.blueprint import blueprint

    app.template_folders.append(TEMPLATES)
    app.add_template_global(page_url, "page_url")
    app.add_template_global(footer_links, "footer_links")
    app.register_blueprint(blueprint)
