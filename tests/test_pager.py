"""The links between a list's pages (``macros/pager.html``), one macro for every front-office
list: the filters kept, the page's own argument, nothing on a single page."""

from __future__ import annotations

import re

from portal.core.pagination import Page


def render(app, page: Page, args: dict) -> str:
    template = app.jinja_env.from_string(
        '{% from "macros/pager.html" import pager %}'
        '{{ pager(page, "resiliation.letters_sent", args) }}'
    )
    with app.test_request_context("/", base_url="http://resilimo.localhost"):
        return re.sub(r"\s+", " ", template.render(page=page, args=args))


def test_the_pages_around_keep_the_filters(app):
    shown = render(app, Page(items=[], total=45, number=2, pages=5), {"souscripteur": "martin"})
    assert 'aria-label="Pages de la liste"' in shown
    there = "/resiliation/courriers/envoyes?souscripteur=martin&amp;page="
    assert f'rel="prev" href="{there}1"' in shown and f'rel="next" href="{there}3"' in shown
    assert '<li aria-current="page">Page 2 sur 5</li>' in shown


def test_the_first_and_last_pages_link_one_way_and_a_single_page_none(app):
    first = render(app, Page(items=[], total=45, number=1, pages=5, arg="p"), {})
    assert 'rel="prev"' not in first and 'href="/resiliation/courriers/envoyes?p=2"' in first
    last = render(app, Page(items=[], total=45, number=5, pages=5), {})
    assert 'rel="next"' not in last and "Page précédente" in last
    assert render(app, Page(items=[], total=3, number=1, pages=1), {}).strip() == ""
