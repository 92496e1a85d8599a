"""Reading the links of a page: the footer's, and those of a tenant page's text."""

from __future__ import annotations

from html.parser import HTMLParser


class _Links(HTMLParser):
    """Links (href, text) inside the first element whose class list holds ``css_class``, and
    every ``id`` of the page."""

    def __init__(self, css_class: str):
        super().__init__()
        self.css_class = css_class
        self.depth = 0  # >0: inside the element
        self.links: list[tuple[str, str]] = []
        self.ids: set[str] = set()
        self._href: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        if self.depth:
            self.depth += 1
        elif self.css_class in (attrs.get("class") or "").split():
            self.depth = 1
        if self.depth and tag == "a" and "href" in attrs:
            self._href, self._text = attrs["href"], []

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if self.depth:
            self.depth -= 1

    def handle_endtag(self, tag):
        if self.depth:
            if tag == "a" and self._href is not None:
                self.links.append((self._href, " ".join("".join(self._text).split())))
                self._href = None
            self.depth -= 1

    def handle_data(self, data):
        if self._href is not None:
            self._text.append(data)


def links_in(page: str, css_class: str) -> list[tuple[str, str]]:
    parser = _Links(css_class)
    parser.feed(page)
    return parser.links


def ids_in(page: str) -> set[str]:
    parser = _Links("-")
    parser.feed(page)
    return parser.ids


def footer_links(page: str) -> list[tuple[str, str]]:
    return links_in(page, "site-footer")
